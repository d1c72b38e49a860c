"""Locustfile for the generator-health test: streaming users, one of which blocks its process's
event loop for 300 ms (a blocking call, as a careless library would make) mid-run."""

import gevent
import gevent.monkey

from routify_suite.load.scenarios.stream import StreamUser

BLOCK_S = 0.3
AFTER_S = 1.5

_blocking_sleep = gevent.monkey.get_original("time", "sleep")


class BlockingStreamUser(StreamUser):
    def on_start(self) -> None:
        super().on_start()
        if self.number == 1:
            gevent.spawn_later(AFTER_S, _blocking_sleep, BLOCK_S)


__all__ = ["BlockingStreamUser"]
