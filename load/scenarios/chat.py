"""Locustfile: non-streaming chat completions. ``locust -f load/scenarios/chat.py --host URL``.

URL is the base URL before ``/chat/completions`` (e.g. ``http://127.0.0.1:8080/v1``); the key comes
from ``ROUTIFY_API_KEY``.
"""

from locust import task

import routify_suite.load.plugin  # noqa: F401  (registers the options and the metrics listeners)
from routify_suite.load.users import RoutifyUser


class ChatUser(RoutifyUser):
    @task
    def chat(self) -> None:
        self.chat_completion()
