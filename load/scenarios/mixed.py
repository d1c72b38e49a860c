"""Locustfile: three streaming requests for every non-streaming one, as chat front-ends send.

``locust -f load/scenarios/mixed.py --host http://127.0.0.1:8080/v1``; key from ``ROUTIFY_API_KEY``.
"""

from locust import task

import routify_suite.load.plugin  # noqa: F401  (registers the options and the metrics listeners)
from routify_suite.load.users import RoutifyUser


class MixedUser(RoutifyUser):
    @task(3)
    def stream(self) -> None:
        self.streaming_chat_completion()

    @task(1)
    def chat(self) -> None:
        self.chat_completion()
