"""The conformance report.html: one run, or several side by side, as one self-contained page.

Rendered with jinja2 templates shipped in ``routify_suite/report/templates`` (package data);
CSS and the few lines of JavaScript are inlined, nothing is fetched, so the file can be attached
to a CI job or mailed as it is. Autoescaping is on: every value from the wire is text.
"""

from __future__ import annotations

import time
from functools import cache
from importlib import resources

import jinja2

from routify_suite.report.model import RunResult
from routify_suite.report.view import build_matrix, run_view


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("routify_suite.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )


def asset(name: str) -> str:
    """A template-folder file inlined into a page (CSS, JavaScript)."""
    return resources.files("routify_suite.report").joinpath("templates", name).read_text("utf-8")


def render_matrix(runs: list[RunResult], details: bool = True) -> str:
    """The HTML page for one run (verdict first) or several side by side.

    ``details`` is kept for callers of the earlier API: the page always carries case details.
    """
    del details
    views = [run_view(run, index) for index, run in enumerate(runs)]
    matrix = build_matrix(runs)
    rules: dict[str, str] = {}
    for run in runs:
        for check, record in run.checks.items():
            rules.setdefault(check, str(record.get("rule", "")))
    families: dict[str, bool] = {}
    for row in matrix.rows:
        family = row.split(".")[0]
        families[family] = families.get(family, True) and not matrix.differs(row)
    started = [time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(run.started_at)) for run in runs]
    title = "Routify conformance: " + ", ".join(f"{view.run.name} {view.verdict}" for view in views)
    return (
        environment()
        .get_template("conformance.html.j2")
        .render(
            title=title,
            views=views,
            matrix=matrix,
            rules=rules,
            family_same=families,
            differing=sum(1 for row in matrix.rows if matrix.differs(row)),
            any_failed=any(run.failed for run in runs),
            started=started,
            css=asset("base.css"),
            js=asset("conformance.js"),
        )
    )
