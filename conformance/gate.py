"""The bound on exchanges in flight: at most N at once, and a silent stream stops counting.

The bound keeps the suite from loading the target with more than ``--concurrency`` requests.
A stream that has sent nothing for a while is not work the target is doing for us, so it
releases its place: a target that stalls every stream then has all its streams waiting out the
idle timeout together, and the run costs one idle timeout instead of one per N streams.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from routify_suite.conformance.exchange import StreamCapture

POLL_S = 0.1
"""How often a waiting sender looks again for streams that have fallen silent."""


class Lease:
    """One place in the gate; busy until its stream (if any) has been silent long enough."""

    __slots__ = ("stream",)

    def __init__(self) -> None:
        self.stream: StreamCapture | None = None

    def busy(self, now: float, silent_after: float) -> bool:
        stream = self.stream
        return stream is None or now - stream.last_byte_at < silent_after


class Gate:
    """At most ``limit`` busy leases; a sender waits (bounded polls) for a place."""

    def __init__(self, limit: int, silent_after: float) -> None:
        self.limit = limit
        self.silent_after = silent_after
        self._leases: set[Lease] = set()
        self._changed = threading.Condition()
        self._mine = threading.local()

    def _busy(self) -> int:
        now = time.perf_counter()
        return sum(lease.busy(now, self.silent_after) for lease in self._leases)

    @contextmanager
    def place(self) -> Iterator[Lease]:
        """Hold a place while the block runs (the exchange is sent and read in it)."""
        lease = Lease()
        with self._changed:
            while self._busy() >= self.limit:
                self._changed.wait(POLL_S)
            self._leases.add(lease)
        self._mine.lease = lease
        try:
            yield lease
        finally:
            self._mine.lease = None
            with self._changed:
                self._leases.discard(lease)
                self._changed.notify_all()

    def watch(self, stream: StreamCapture) -> None:
        """The client's hook: the stream the calling thread's lease now reads."""
        lease = getattr(self._mine, "lease", None)
        if lease is not None:
            lease.stream = stream
