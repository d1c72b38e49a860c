"""Plain Locust, for comparison in bench_load_capacity.py: the same requests, no extra metrics.

FastHttpUser posts the same bodies; a stream's body is read to the end in 4 KiB blocks (Locust's
own ``iter_content``), with no SSE parsing, no TTFT/ITL and no histograms beyond Locust's.
"""

from __future__ import annotations

import os

from locust import FastHttpUser, task

from routify_suite.load.payload import PATH, request_body

HEADERS = {
    "Authorization": f"Bearer {os.environ.get('ROUTIFY_API_KEY', 'rtf_local_valid')}",
    "Content-Type": "application/json",
}
MODE = os.environ.get("BENCH_MODE", "stream")


STREAM_BODY = request_body(stream=True)
CHAT_BODY = request_body(stream=False)


class PlainUser(FastHttpUser):
    @task
    def request(self) -> None:
        if MODE == "chat":
            self.client.post(PATH, data=CHAT_BODY, headers=HEADERS)
            return
        with self.client.post(
            PATH, data=STREAM_BODY, headers=HEADERS, stream=True, catch_response=True
        ) as response:
            for _ in response.iter_content(4096, decode_content=False):
                pass
