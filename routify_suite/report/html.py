"""A self-contained HTML compatibility matrix: one row per case, one column per run.

No scripts, no external assets: the file can be attached to a CI job or mailed as it is.
"""

from __future__ import annotations

import time
from html import escape

from routify_suite.report.model import VERDICTS, CaseResult, RunResult

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4;position:sticky;top:0}
td.case{font-family:ui-monospace,monospace;font-size:12px}
tr.group td{background:#fafafa;font-weight:600}
.v{display:inline-block;padding:0 .5em;border-radius:3px;font-size:12px;white-space:nowrap}
.pass{background:#d7f5dd;color:#11632a}.fail{background:#fbd5d5;color:#8a1111}
.non-strict{background:#fff1c2;color:#7a5a00}.not-exercised{background:#e8e8e8;color:#555}
.missing{color:#aaa}
pre{white-space:pre-wrap;background:#f8f8f8;padding:.6em;border:1px solid #eee;font-size:12px}
small{color:#666}
"""


def _badge(case: CaseResult | None) -> str:
    if case is None:
        return '<span class="missing">—</span>'
    levels = {f.get("check"): f.get("level") for f in case.findings if f.get("level")}
    checks = [f"{c} ({levels[c]})" if c in levels else c for c in case.failed_checks]
    title = "; ".join(filter(None, [", ".join(checks), case.got]))
    label = case.verdict
    if case.failed_checks:
        label += ": " + ", ".join(checks)
    return f'<span class="v {escape(case.verdict)}" title="{escape(title)}">{escape(label)}</span>'


def _summary(runs: list[RunResult]) -> str:
    head = "".join(f"<th>{escape(v)}</th>" for v in VERDICTS)
    rows = []
    for run in runs:
        counts = run.counts()
        cells = "".join(f"<td>{counts.get(v, 0)}</td>" for v in VERDICTS)
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(run.started_at))
        target = run.target
        rows.append(
            f"<tr><td>{escape(run.name)}</td><td>{escape(str(target.get('base_url', '')))}</td>"
            f"<td>{escape(str(target.get('profile', '')))}</td>{cells}"
            f"<td>{run.duration_s:.1f} s</td><td>{escape(when)}</td></tr>"
        )
    return (
        "<table><tr><th>target</th><th>base URL</th><th>profile</th>"
        f"{head}<th>wall time</th><th>started</th></tr>{''.join(rows)}</table>"
    )


def _matrix(runs: list[RunResult]) -> str:
    by_run = [{case.id: case for case in run.cases} for run in runs]
    ids: dict[str, str] = {}
    for run in runs:
        for case in run.cases:
            ids.setdefault(case.id, case.group)
    head = "".join(f"<th>{escape(run.name)}</th>" for run in runs)
    rows, group = [], None
    for case_id in sorted(ids, key=lambda i: (ids[i], i)):
        if ids[case_id] != group:
            group = ids[case_id]
            rows.append(
                f'<tr class="group"><td colspan="{len(runs) + 1}">{escape(group)}</td></tr>'
            )
        cells = "".join(f"<td>{_badge(cases.get(case_id))}</td>" for cases in by_run)
        rows.append(f'<tr><td class="case">{escape(case_id)}</td>{cells}</tr>')
    return f"<table><tr><th>case</th>{head}</tr>{''.join(rows)}</table>"


def _details(run: RunResult) -> str:
    notable = [case for case in run.cases if case.verdict in ("fail", "non-strict")]
    if not notable:
        return "<p>Every exercised case passed.</p>"
    parts = []
    for case in notable:
        ids = ", ".join(case.request_ids) or "-"
        parts.append(
            f"<h3>{_badge(case)} <code>{escape(case.id)}</code></h3>"
            f"<p><small>request ids: {escape(ids)}</small></p>"
            f"<pre>{escape(case.message)}</pre>"
        )
    return "".join(parts)


def render_matrix(runs: list[RunResult], details: bool = False) -> str:
    """The HTML page for one run (with failure details) or several side by side."""
    title = "Routify conformance: " + ", ".join(run.name for run in runs)
    body = [f"<h1>{escape(title)}</h1>", _summary(runs), "<h2>Cases</h2>", _matrix(runs)]
    if details:
        for run in runs:
            body += [f"<h2>Failures and non-strict results: {escape(run.name)}</h2>", _details(run)]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
