"""File writes of a Locust process, done on an OS thread so the users' event loop never waits.

A ``write()`` to the page cache is usually quick, but under another job's disk burst the kernel
throttles writers and a synchronous write blocks its caller for tens to hundreds of ms: in a
gevent process that caller is the event loop, so every user's timestamps would carry the pause.
Writes therefore go, in order, to one thread of gevent's native thread pool (real OS threads;
the GIL is released while the kernel writes). :meth:`BackgroundWriter.join` waits for them
before the run's last files are written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gevent.threadpool import ThreadPool


class BackgroundWriter:
    """One OS thread that runs write calls in the order they were handed over."""

    def __init__(self, timed: Callable[[str], Any]) -> None:
        self._pool: ThreadPool | None = None
        self._timed = timed

    def submit(self, write: Callable[..., Any], *arguments: Any) -> None:
        if self._pool is None:
            self._pool = ThreadPool(1)
        self._pool.spawn(self._run, write, arguments)

    def _run(self, write: Callable[..., Any], arguments: tuple[Any, ...]) -> None:
        with self._timed("write"):
            write(*arguments)

    def join(self) -> None:
        """Wait until every write handed over so far is done."""
        if self._pool is not None:
            self._pool.join()
