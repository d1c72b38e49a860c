"""The bound on exchanges in flight: at most N at once, and a silent stream stops counting.

The bound keeps the suite from loading the target with more than ``--concurrency`` requests.
A stream that has sent nothing for a while is not work the target is doing for us, so it
releases its place: a target that stalls every stream then has all its streams waiting out the
idle timeout together, and the run costs one idle timeout instead of one per N streams.

A place can also be taken ``alone``: it waits until nothing else is in flight, and nothing else
starts while it is held (the pool re-sends an exchange that failed among others this way). Each
lease counts the most other requests that were in flight beside it at any moment.
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
    """Places in the gate for one exchange (or a burst of ``streams`` sent at once), busy until
    every one of its streams has started and been silent long enough."""

    __slots__ = ("alone", "expected", "others", "streams", "weight")

    def __init__(self, weight: int = 1, streams: int = 1, alone: bool = False) -> None:
        self.weight = weight
        self.expected = streams
        self.alone = alone
        self.streams: list[StreamCapture] = []
        self.others = 0
        """The most requests of other leases in flight at once while this lease was held."""

    @property
    def stream(self) -> StreamCapture | None:
        return self.streams[-1] if self.streams else None

    @stream.setter
    def stream(self, capture: StreamCapture) -> None:
        self.streams.append(capture)

    def busy(self, now: float, silent_after: float) -> bool:
        if len(self.streams) < self.expected:
            return True
        return any(now - stream.last_byte_at < silent_after for stream in self.streams)


class Gate:
    """At most ``limit`` busy leases; a sender waits (bounded polls) for a place."""

    def __init__(self, limit: int, silent_after: float) -> None:
        self.limit = limit
        self.silent_after = silent_after
        self._leases: set[Lease] = set()
        self._alone = 0
        """Leases taken alone, held or waiting: while there is one, no other lease starts."""
        self._changed = threading.Condition()
        self._mine = threading.local()

    def _busy(self) -> int:
        now = time.perf_counter()
        return sum(lease.weight for lease in self._leases if lease.busy(now, self.silent_after))

    def _admits(self, lease: Lease) -> bool:
        if lease.alone:
            return not self._leases
        return self._alone == 0 and self._busy() + lease.weight <= self.limit

    def _enter(self, lease: Lease) -> None:
        """Add ``lease``; it and every lease held meet each other's requests."""
        total = sum(held.expected for held in self._leases)
        for held in self._leases:
            held.others = max(held.others, total - held.expected + lease.expected)
        lease.others = total
        self._leases.add(lease)

    @contextmanager
    def place(self, burst: int = 1, alone: bool = False) -> Iterator[Lease]:
        """Hold a place while the block runs (the exchange is sent and read in it).

        A ``burst`` of requests sent at once (the concurrency cases) takes half the places
        (rounded up): beside its own requests, the target has at most N/2 others at once.
        ``alone``: wait until no other lease is held, and keep every other one waiting.
        """
        lease = Lease(-(-self.limit // 2) if burst > 1 else 1, burst, alone)
        with self._changed:
            self._alone += alone
            try:
                while not self._admits(lease):
                    self._changed.wait(POLL_S)
            except BaseException:
                self._alone -= alone
                raise
            self._enter(lease)
        self._mine.lease = lease
        try:
            yield lease
        finally:
            self._mine.lease = None
            with self._changed:
                self._leases.discard(lease)
                self._alone -= alone
                self._changed.notify_all()

    def watch(self, stream: StreamCapture) -> None:
        """The client's hook: the stream the calling thread's lease now reads."""
        lease = getattr(self._mine, "lease", None)
        if lease is not None:
            lease.stream = stream
