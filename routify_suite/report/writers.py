"""Report writers: small classes fed the same run, each writing one file.

A writer gets the finished :class:`RunResult`; adding a format is adding a class here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from routify_suite.report.html import render_matrix
from routify_suite.report.model import RunResult


class ReportWriter(Protocol):
    filename: str

    def write(self, run: RunResult, directory: Path) -> Path: ...


class JsonReport:
    filename = "results.json"

    def write(self, run: RunResult, directory: Path) -> Path:
        path = directory / self.filename
        path.write_text(run.to_json(), encoding="utf-8")
        return path


class HtmlReport:
    filename = "report.html"

    def write(self, run: RunResult, directory: Path) -> Path:
        path = directory / self.filename
        path.write_text(render_matrix([run], details=True), encoding="utf-8")
        return path


DEFAULT_WRITERS: tuple[ReportWriter, ...] = (JsonReport(), HtmlReport())


def write_all(run: RunResult, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [writer.write(run, directory) for writer in DEFAULT_WRITERS]
