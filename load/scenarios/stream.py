"""Locustfile: streaming chat completions (TTFT, inter-token latency, tokens/s).

``locust -f load/scenarios/stream.py --host http://127.0.0.1:8080/v1``
(key from ``ROUTIFY_API_KEY``).
"""

from locust import task

import routify_suite.load.plugin  # noqa: F401  (registers the options and the metrics listeners)
from routify_suite.load.users import RoutifyUser


class StreamUser(RoutifyUser):
    @task
    def stream(self) -> None:
        self.streaming_chat_completion()
