"""Waiting until a non-streaming answer is due (streams are paced by the shared ticker).

Event loops round timers (uvloop to whole milliseconds), so a plain ``sleep(delay)`` can return
a little before the deadline. ``--ttft-ms`` and ``--itl-ms`` are the load suite's ground truth,
so an answer must never leave early: the wait re-checks a ``perf_counter`` deadline.
"""

from __future__ import annotations

import asyncio
import time


async def wait_until(deadline: float) -> None:
    """Return at or after ``deadline`` (a ``time.perf_counter()`` reading)."""
    while (delay := deadline - time.perf_counter()) > 0:
        await asyncio.sleep(delay)
