"""``requests.jsonl``: one line per request, so a tail can be explained (which request, which
turn, which worker, what the server said) and runs can be compared request by request.

The keys are a contract (run comparison and bootstrapped intervals read them): see
:data:`RECORD_KEYS`. A line is bounded (no reply text, no per-token arrays; ids and reasons are
cut at :data:`MAX_TEXT` characters), about 380 bytes, so 1,000 requests cost about 0.4 MB.

Lines are built with orjson when a request ends and kept in memory; they reach the file in
one append per second (a lone process) or ride to the master in the stats reports (workers),
so the users never wait for a disk. Pure code, no Locust or gevent import.
"""

from __future__ import annotations

import itertools
import statistics
from pathlib import Path
from typing import Any, Final

import orjson

from routify_suite.load.metrics import RequestResult

RECORD_FILE: Final = "requests.jsonl"
RECORD_KEYS: Final = (
    "id",
    "kind",
    "worker",
    "user",
    "turn",
    "intended_at",
    "sent_at",
    "ttft_ms",
    "e2e_ms",
    "itl_p50_ms",
    "itl_max_ms",
    "tpot_ms",
    "input_tokens",
    "output_tokens",
    "tokens_source",
    "status",
    "error",
    "reconnects",
    "in_window",
    "cut_by_window",
)
MAX_TEXT: Final = 200
CUT_REASON: Final = "cut by the window's end"


def _ms(seconds: float | None) -> float | None:
    """Milliseconds to the microsecond (``round(x, 3)`` costs ten times as much)."""
    return None if seconds is None else int(seconds * 1e6 + 0.5) / 1000


def _epoch(seconds: float) -> float:
    return int(seconds * 1e6 + 0.5) / 1e6


def _median_and_max(values: tuple[float, ...]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle], ordered[-1]
    return (ordered[middle - 1] + ordered[middle]) / 2, ordered[-1]


def _tpot_s(result: RequestResult) -> float | None:
    tokens = result.output_tokens or 0
    if result.ttft_s is None or tokens < 2:
        return None
    return (result.e2e_s - result.ttft_s) / (tokens - 1)


def _cut(text: str | None) -> str | None:
    return None if text is None else text[:MAX_TEXT]


def request_record(
    result: RequestResult,
    *,
    worker: int,
    user: int,
    epoch_offset: float,
    in_window: bool,
    cut_by_window: bool,
) -> bytes:
    """One JSON line; ``epoch_offset`` turns the result's perf_counter readings into epoch s."""
    intended = result.intended_at
    itl_p50, itl_max = _median_and_max(result.itl_s)
    return orjson.dumps(
        {
            "id": _cut(result.response_id),
            "kind": result.kind,
            "worker": worker,
            "user": user,
            "turn": result.turn if result.turn is not None else 1,
            "intended_at": None if intended is None else _epoch(intended + epoch_offset),
            "sent_at": _epoch(result.started_at + epoch_offset),
            "ttft_ms": _ms(result.ttft_s),
            "e2e_ms": _ms(result.e2e_s),
            "itl_p50_ms": _ms(itl_p50),
            "itl_max_ms": _ms(itl_max),
            "tpot_ms": _ms(_tpot_s(result)),
            "input_tokens": result.input_tokens,
            "output_tokens": result.output_tokens,
            "tokens_source": "server" if result.token_source == "usage" else "client",
            "status": result.status or None,
            "error": _cut(result.error),
            "reconnects": result.reconnects,
            "in_window": in_window,
            "cut_by_window": cut_by_window,
        },
        option=orjson.OPT_APPEND_NEWLINE,
    )


def tokens_within(result: RequestResult, start: float, end: float) -> int:
    """The request's output tokens that arrived between clock readings ``start`` and ``end``.

    A stream's tokens are placed at the arrival of their deltas (first token, then each gap);
    when the server's usage count differs from the deltas' (several tokens per chunk), the share
    of deltas inside the window is applied to it. A non-streaming reply arrives at its end.
    """
    tokens = result.output_tokens or 0
    if not tokens:
        return 0
    finished = result.started_at + result.e2e_s
    if result.ttft_s is None:
        return tokens if start <= finished <= end else 0
    at = result.started_at + result.ttft_s
    if at >= start and finished <= end:
        return tokens  # the common case: the whole stream inside the window
    inside = 1 if start <= at <= end else 0
    for gap in result.itl_s:
        at += gap
        if start <= at <= end:
            inside += 1
    deltas = len(result.itl_s) + 1
    return round(tokens * inside / deltas)


def read_records(path: Path) -> list[dict[str, Any]]:
    """The lines of a ``requests.jsonl``, as dicts."""
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def send_gaps(records: list[dict[str, Any]], key: str = "sent_at") -> tuple[float, float]:
    """Mean (s) and coefficient of variation of the gaps between send times: actual ones (the
    arrival process as the server saw it) or ``intended_at`` (the schedule)."""
    sent = sorted(record[key] for record in records if record[key] is not None)
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent)]
    if len(gaps) < 2:
        return 0.0, 0.0
    mean = statistics.fmean(gaps)
    return mean, statistics.pstdev(gaps) / mean if mean else 0.0


class RecordLog:
    """Lines waiting for the file (or for the master); appended in one write each time."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.pending: list[bytes] = []
        self.written = 0

    def start(self, path: Path | None) -> None:
        """A new run: an empty file at ``path`` (None: keep lines only for :meth:`drain`)."""
        self.path, self.pending, self.written = path, [], 0
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")

    def add(self, line: bytes) -> None:
        self.pending.append(line)

    def drain(self) -> bytes:
        """The pending lines as one block, forgotten here (a worker's share for the master)."""
        block = b"".join(self.pending)
        self.pending = []
        return block

    def write(self, block: bytes = b"") -> int:
        """Append ``block`` and the pending lines to the file; the bytes written."""
        return self.append(block + self.drain())

    def append(self, data: bytes) -> int:
        """Append bytes already taken from the log (from any thread); the bytes written."""
        if not data or self.path is None:
            return 0
        with self.path.open("ab") as file:
            file.write(data)
        self.written += len(data)
        return len(data)
