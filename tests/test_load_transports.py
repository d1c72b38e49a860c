"""The load users' HTTP clients against a server that closes kept-alive connections.

Both clients must send a request again, once, on a new connection when the server had closed the
connection they reused before any byte of the response, count it in ``reconnects``, and still fail
when a new connection is closed unanswered or the retry fails too.
"""

from __future__ import annotations

import json

import pytest

from routify_suite.load.payload import PATH, request_body
from routify_suite.load.transports import CLIENTS, Transport, make_transport
from routify_suite.server import RunningServer
from tests.mutation.relay import closing_relay

HEADERS = {"Authorization": "Bearer rtf_local_valid", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def upstream_root(reference_server: RunningServer) -> str:
    return reference_server.base_url.rsplit("/v1", 1)[0]


def _body(stream: bool) -> bytes:
    return request_body(stream, "deepseek-v3.2", 4, "Capital of France?")


def _streamed(transport: Transport, stream: bool) -> tuple[int, bytes]:
    if not stream:
        return transport.post(PATH, _body(False))
    reads = list(transport.stream(PATH, _body(True)))
    return reads[0][0], b"".join(data for _, data, _ in reads)


@pytest.mark.parametrize("client", CLIENTS)
def test_closed_kept_alive_connection_is_retried_and_counted(
    upstream_root: str, client: str
) -> None:
    with closing_relay(upstream_root) as (root, relay):
        transport = make_transport(client, f"{root}/v1", HEADERS, 2.0, 10.0)
        replies = [_streamed(transport, stream) for stream in (True, False, True, False)]
    assert [status for status, _ in replies] == [200] * 4
    assert replies[0][1].rstrip().endswith(b"data: [DONE]")
    assert json.loads(replies[1][1])["object"] == "chat.completion"
    assert transport.reconnects == relay.closed_reused >= 1


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("answered", [0, 1], ids=["new-connection", "retry-fails-too"])
def test_connection_closed_unanswered_otherwise_stays_an_error(
    upstream_root: str, client: str, answered: int
) -> None:
    with closing_relay(upstream_root, answer_limit=answered) as (root, _):
        transport = make_transport(client, f"{root}/v1", HEADERS, 2.0, 10.0)
        for _ in range(answered):
            assert _streamed(transport, False)[0] == 200
        with pytest.raises(Exception):  # noqa: B017, PT011  (each client raises its own type)
            _streamed(transport, True)
    assert transport.reconnects == answered
