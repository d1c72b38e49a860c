"""One case's outcome over its phases, as the plugin collects it and results.json needs it.

A module of its own so that the plugin (which fills rows) and the results writer (which reads
them) both import it, instead of importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RANK = {"pass": 0, "not-exercised": 1, "not-run": 2, "non-strict": 3, "fail": 4}


@dataclass(slots=True)
class Row:
    """One case's outcome over its phases (set-up, call, tear-down), as results.json needs it."""

    verdict: str = "pass"
    duration_s: float = 0.0
    message: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    """Wire transcripts (keys masked) of the exchanges the case saw."""
    reconnects: list[str] = field(default_factory=list)
    """Exchanges of the case that went again on a new connection (see routify_suite.keepalive)."""
    reproducer: str = ""
    generated: dict[str, Any] = field(default_factory=dict)
    resent_alone: list[str] = field(default_factory=list)
    """Exchanges of the case sent again alone after failing among others (see pool.py)."""

    def merge(self, phase: dict[str, Any], duration: float) -> None:
        self.duration_s += duration
        if RANK[phase["verdict"]] >= RANK[self.verdict] and phase["verdict"] != "pass":
            self.verdict, self.message = phase["verdict"], phase["message"]
        self.findings += [f for f in phase["findings"] if f not in self.findings]
        self.request_ids += [r for r in phase["request_ids"] if r not in self.request_ids]
        self.checked += [c for c in phase["checked"] if c not in self.checked]
        self.markers = phase["markers"]
        seen = {exchange["id"] for exchange in self.exchanges}
        self.exchanges += [x for x in phase.get("exchanges", []) if x["id"] not in seen]
        self.reconnects += [r for r in phase.get("reconnects", ()) if r not in self.reconnects]
        self.reproducer = phase.get("reproducer") or self.reproducer
        self.generated = phase.get("generated") or self.generated
        self.resent_alone += [
            r for r in phase.get("resent_alone", ()) if r not in self.resent_alone
        ]
