"""docs/compatibility.md from the suite's results.json of each vendor run.

Per vendor: its version, the verdict counts, and one row per check that failed or came out
non-strict (verdict, level where the results carry one, the cases it hit, what the server sent,
and the rule the check quotes). The document holds no time, port or duration, so the same
servers give the same file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from routify_suite.report.model import VERDICTS

HEADER: Final = """\
# Compatibility with real OpenAI-compatible servers

Written by `tox -e vendors` (`tests/vendors/`), which installs each server from the package
registry, starts it on loopback, runs `routify-suite conformance` against it in the `openai`
profile and stops it. Regenerate it with the same command: the same servers give the same file,
but for outcomes that depend on timing (a stream that happens to cross a second boundary shows a
`created` that moves, a non-strict `stream.consistent`; how many exchanges a server that cuts
streams under concurrent load cut).

Each row is a check id that failed or came out non-strict in at least one case: its verdict
(`fail` if any case failed it), its level where the suite assigns one, how many cases it hit,
an example of what the server sent, and the rule the check quotes.
"""


@dataclass
class CheckRow:
    check: str
    verdict: str = "non-strict"
    level: str = ""
    rule: str = ""
    cases: set[str] = field(default_factory=set)
    got: str = ""


@dataclass(frozen=True)
class VendorResult:
    name: str
    version: str
    results: dict[str, Any] | None
    """results.json of the run, or None when the server or the suite could not run."""
    problem: str = ""
    scope: str = ""
    """How the server was set up and which cases were left out, and why."""


VOLATILE: Final = (
    (re.compile(r"\b1[5-9]\d{8}\b"), "<time>"),
    (re.compile(r"(chatcmpl|req|call)[-_][A-Za-z0-9-]{6,}"), r"\1-<id>"),
)
"""What changes from run to run in an excerpt (epoch seconds, generated ids), masked so the
document is the same for the same servers."""


def _cell(text: str, limit: int = 140) -> str:
    """One Markdown table cell: one line, no pipe, bounded, nothing that varies between runs."""
    flat = " ".join(str(text).split()).replace("|", "\\|")
    for pattern, mask in VOLATILE:
        flat = pattern.sub(mask, flat)
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def check_rows(results: dict[str, Any]) -> list[CheckRow]:
    """One row per check id found in failed or non-strict cases, failures first."""
    levels = {
        check: entry.get("level", "")
        for check, entry in (results.get("checks") or {}).items()
        if isinstance(entry, dict)
    }
    # A check can fail in some cases and be non-strict in others (one level or rule per
    # finding): one row per check and verdict, each with its own level, rule and example.
    rows: dict[tuple[str, str], CheckRow] = {}
    for case in results.get("cases", []):
        if case.get("verdict") not in ("fail", "non-strict"):
            continue
        findings = case.get("findings") or [
            {"check": check, "rule": case.get("rule", ""), "got": case.get("got", "")}
            for check in case.get("failed_checks", [])
        ]
        for finding in findings:
            check = finding.get("check", "suite.error")
            verdict = finding.get("verdict") or (
                "fail"
                if case["verdict"] == "fail" and finding.get("strict", True)
                else "non-strict"
            )
            if finding.get("optional"):
                verdict += " (Routify extension, optional in the openai profile)"
            row = rows.setdefault((check, verdict), CheckRow(check, verdict))
            row.cases.add(case["id"])
            row.level = row.level or finding.get("level", "") or levels.get(check, "")
            row.rule = row.rule or finding.get("rule", "")
            row.got = row.got or finding.get("got", "")
    return sorted(rows.values(), key=lambda row: (row.verdict != "fail", row.verdict, row.check))


def _counts(results: dict[str, Any]) -> str:
    counts = results.get("counts") or {}
    return ", ".join(f"{counts.get(verdict, 0)} {verdict}" for verdict in VERDICTS)


def vendor_section(vendor: VendorResult) -> list[str]:
    lines = [f"## {vendor.name}", "", f"Version: {vendor.version}", ""]
    if vendor.scope:
        lines += [vendor.scope, ""]
    if vendor.results is None:
        return [*lines, f"Not run: {vendor.problem}", ""]
    results = vendor.results
    failed = sum(1 for case in results.get("cases", []) if case.get("verdict") == "fail")
    lines += [f"Cases: {_counts(results)}. Exit status {results.get('exit_status')}.", ""]
    alone = results.get("resent_alone", 0)
    if alone:
        lines += [
            f"Exchanges sent again alone after failing while other requests were in flight:"
            f" {alone} (how many depends on timing; each case was judged on its lone exchange).",
            "",
        ]
    rows = check_rows(results)
    if not rows:
        return [*lines, "Every exercised case passed.", ""]
    fails = sum(1 for row in rows if row.verdict == "fail")
    lines += [
        f"{failed} failed cases; check ids: {fails} fail, {len(rows) - fails} non-strict.",
        "",
        "| check | verdict | level | cases | what the server sent | rule |",
        "| --- | --- | --- | ---: | --- | --- |",
    ]
    lines += [
        f"| `{row.check}` | {row.verdict} | {row.level or '-'} | {len(row.cases)} "
        f"| {_cell(row.got)} | {_cell(row.rule, 400)} |"
        for row in rows
    ]
    return [*lines, ""]


def render(vendors: Iterable[VendorResult], suite_version: str) -> str:
    lines = [HEADER, f"Suite: routify-suite {suite_version}, profile `openai`.", ""]
    for vendor in vendors:
        lines += vendor_section(vendor)
    return "\n".join(lines).rstrip() + "\n"
