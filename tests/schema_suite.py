"""Schema test cases loaded from ``tests/schema_cases/*.json``.

The files follow the JSON-Schema-Test-Suite layout (groups of ``{description, data, valid}``),
named after the schema they exercise; each case becomes a small frozen object whose ``name`` is
the parametrize id, in a sorted, stable order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CASES_DIR = Path(__file__).parent / "schema_cases"


@dataclass(frozen=True)
class SchemaCase:
    schema: str
    group: str
    description: str
    data: Any
    valid: bool

    @property
    def name(self) -> str:
        verdict = "valid" if self.valid else "invalid"
        return f"{self.schema}: {self.group}: {self.description} ({verdict})"


def schema_cases() -> Iterator[SchemaCase]:
    for path in sorted(CASES_DIR.glob("*.json")):
        for group in json.loads(path.read_text(encoding="utf-8")):
            for test in group["tests"]:
                yield SchemaCase(
                    schema=path.stem,
                    group=group["description"],
                    description=test["description"],
                    data=test["data"],
                    valid=test["valid"],
                )
