"""The "what it catches" matrix: each deviation and variation, and the checks that failed on it.

Rows are merged into ``reports/mutation/matrix.json`` by name, so a partial run (``-k``) updates
its rows without dropping the others; ``matrix.md`` is rendered from the merged rows and is what
the README's "What it catches" section is copied from.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.mutation.deviation import Deviation

MATRIX_DIR = Path(__file__).resolve().parents[2] / "reports" / "mutation"


@dataclass(frozen=True)
class MatrixRow:
    name: str
    kind: str
    area: str
    summary: str
    expected: list[str]
    failed_checks: list[str]
    """Checks that failed; for a tolerated departure, the checks reported non-strict."""
    verdicts: dict[str, int]

    @classmethod
    def of(cls, item: Deviation, failed_checks: set[str], verdicts: dict[str, int]) -> MatrixRow:
        return cls(
            item.name,
            item.kind,
            item.area,
            item.summary,
            list(item.caught_by),
            sorted(failed_checks),
            dict(sorted(verdicts.items())),
        )

    def markdown(self) -> str:
        if self.kind == "variation":
            outcome = (
                "passes" if not self.failed_checks else "FAILS: " + ", ".join(self.failed_checks)
            )
        elif self.kind == "tolerated":
            outcome = "passes, non-strict: " + (", ".join(self.failed_checks) or "NOT FLAGGED")
        else:
            outcome = (
                ", ".join(
                    f"**{check}**" if check in self.expected else check
                    for check in self.failed_checks
                )
                or "NOT CAUGHT"
            )
        return f"| `{self.name}` | {self.area} | {self.summary} | {outcome} |"


def merge_rows(rows: list[MatrixRow], directory: Path = MATRIX_DIR) -> list[MatrixRow]:
    """Merge ``rows`` into the stored matrix and rewrite its JSON and Markdown forms."""
    directory.mkdir(parents=True, exist_ok=True)
    stored = directory / "matrix.json"
    known: dict[str, MatrixRow] = {}
    if stored.exists():
        try:
            known = {row["name"]: MatrixRow(**row) for row in json.loads(stored.read_text())}
        except (ValueError, TypeError):
            known = {}
    known.update({row.name: row for row in rows})
    merged = sorted(known.values(), key=lambda row: (row.kind, row.area, row.name))
    stored.write_text(json.dumps([asdict(row) for row in merged], indent=2) + "\n")
    (directory / "matrix.md").write_text(render_markdown(merged))
    return merged


def render_markdown(rows: list[MatrixRow]) -> str:
    deviations = [row for row in rows if row.kind == "deviation"]
    variations = [row for row in rows if row.kind == "variation"]
    tolerated = [row for row in rows if row.kind == "tolerated"]
    caught = sum(1 for row in deviations if set(row.failed_checks) & set(row.expected))
    passed = sum(1 for row in variations if not row.failed_checks)
    lines = [
        f"{caught} of {len(deviations)} deviations caught by their check (in bold: the check"
        f" expected to catch it; others that also failed follow); {passed} of"
        f" {len(variations)} legal variations pass.",
        "",
        "| deviation | area | what the server does | checks that failed |",
        "| --- | --- | --- | --- |",
        *(row.markdown() for row in deviations),
        "",
        "| legal variation | area | what the server does | verdict |",
        "| --- | --- | --- | --- |",
        *(row.markdown() for row in variations),
        "",
        "| tolerated departure | area | what the server does | verdict |",
        "| --- | --- | --- | --- |",
        *(row.markdown() for row in tolerated),
    ]
    return "\n".join(lines) + "\n"
