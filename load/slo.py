"""The SLO gate: bounds on dotted paths into ``summary.json`` decide the exit code.

Format (exactly)::

    [slo]
    "ttft_ms.p95" = { max = 800 }
    "error_rate" = { max = 0.01 }
    "output_tokens_per_s" = { min = 50 }

The file is checked before any load is sent, against the paths a summary always has, so a typo
costs a one-line usage error rather than a whole run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from routify_suite.config_files import ConfigFileError, load_file, parse_document
from routify_suite.load.summary import DYNAMIC_MAPS

EXIT_MET: Final = 0
EXIT_BREACHED: Final = 1
EXIT_USAGE: Final = 2
DEFAULT_BUDGET_SOURCE: Final = "default error budget"
"""What ``summary["slo"]["source"]`` says when no SLO file was given."""


class SLOError(ConfigFileError):
    """A bad SLO file; the message is one line that names the file and the key."""


@dataclass(frozen=True, slots=True)
class Bound:
    path: str
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True, slots=True)
class Breach:
    path: str
    bound: str
    """``"max"`` or ``"min"``."""
    limit: float
    actual: float | None
    """None when the run did not measure the value at all (e.g. TTFT in the chat scenario)."""

    @property
    def message(self) -> str:
        if self.actual is None:
            return f"{self.path}: not measured in this run (needs {self.bound} {self.limit:g})"
        relation = "above max" if self.bound == "max" else "below min"
        return f"{self.path} = {self.actual:g}, {relation} {self.limit:g}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "bound": self.bound,
            "limit": self.limit,
            "actual": self.actual,
            "message": self.message,
        }


def load_slo(path: Path, template: dict[str, Any]) -> list[Bound]:
    """Read and check an SLO file; ``template`` is a summary whose paths are the valid ones."""
    return parse_slo(load_file(path, "slo", SLOError), template, str(path))


def parse_slo(document: dict[str, Any], template: dict[str, Any], source: str) -> list[Bound]:
    """Bounds from a parsed document (schemas/files/slo.json), each path checked on a summary."""
    parse_document(document, "slo", source, SLOError)
    return [_bound(key, value, template, source) for key, value in document["slo"].items()]


def _bound(key: str, value: dict[str, float], template: dict[str, Any], source: str) -> Bound:
    where = f"{source}: slo[{key!r}]"
    if "min" in value and "max" in value and value["min"] > value["max"]:
        raise SLOError(f"{where}: min {value['min']} is above max {value['max']}")
    _check_path(key, template, where)
    return Bound(key, value.get("min"), value.get("max"))


def _check_path(path: str, template: dict[str, Any], where: str) -> None:
    parts = path.split(".")
    if parts[0] in DYNAMIC_MAPS:
        if len(parts) < 2:
            raise SLOError(f"{where} names a whole table; name one entry, e.g. {parts[0]}.KEY")
        return
    node: Any = template
    for depth, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            known = ", ".join(sorted(node)) if isinstance(node, dict) else "none"
            prefix = ".".join(parts[:depth]) or "summary.json"
            raise SLOError(f"{where}: unknown path (keys under {prefix}: {known})")
        node = node[part]
    if isinstance(node, dict | list | str | bool):
        raise SLOError(f"{where} is not a number in summary.json")


def resolve(summary: dict[str, Any], path: str) -> float | None:
    """The number at ``path``; 0 for an entry of a dynamic map that never occurred."""
    parts = path.split(".")
    node: Any = summary
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return 0.0 if parts[0] in DYNAMIC_MAPS else None
        node = node[part]
    if isinstance(node, bool) or not isinstance(node, int | float):
        return None
    return float(node)


def evaluate(summary: dict[str, Any], bounds: list[Bound]) -> list[Breach]:
    breaches: list[Breach] = []
    for bound in bounds:
        actual = resolve(summary, bound.path)
        for name, limit in (("max", bound.max), ("min", bound.min)):
            if limit is None:
                continue
            if (
                actual is None
                or (name == "max" and actual > limit)
                or (name == "min" and actual < limit)
            ):
                breaches.append(Breach(bound.path, name, limit, actual))
    return breaches


def apply_gate(
    summary: dict[str, Any], bounds: list[Bound], source: str = DEFAULT_BUDGET_SOURCE
) -> int:
    """Fill ``summary["slo"]`` and return the exit code (0 met, 1 breached).

    ``source`` is the SLO file the bounds come from, or :data:`DEFAULT_BUDGET_SOURCE`.
    """
    breaches = evaluate(summary, bounds)
    failed = {breach.path for breach in breaches}
    summary["slo"] = {
        "passed": not breaches,
        "source": source,
        "default_budget": source == DEFAULT_BUDGET_SOURCE,
        "checked": [bound.path for bound in bounds],
        "breaches": [breach.as_dict() for breach in breaches],
        # Each bound with the value it was checked against, for the report's SLO table.
        "bounds": [
            {
                "path": bound.path,
                "min": bound.min,
                "max": bound.max,
                "actual": resolve(summary, bound.path),
                "passed": bound.path not in failed,
            }
            for bound in bounds
        ],
    }
    return EXIT_BREACHED if breaches else EXIT_MET
