"""Bytes on the wire for an :class:`Answer`: the JSON body, or the SSE events of a stream.

Stream chunks are assembled from a per-stream prefix and suffix around each delta, so a token
costs one small ``orjson.dumps`` instead of a whole chunk document.
"""

from __future__ import annotations

from typing import Any

import orjson

from routify_suite.server.money import nano_to_usd
from routify_suite.server.service import Answer
from routify_suite.server.tokenizer import tokenize

DONE_EVENT = b"data: [DONE]\n\n"


def routify_block(answer: Answer, cost_nano: int) -> dict[str, Any]:
    block: dict[str, Any] = {
        "channel": answer.channel.name,
        "latency_ms": answer.latency_ms(),
        "cost_usd": nano_to_usd(cost_nano),
    }
    if answer.failed_channels:
        block["failed_channels"] = list(answer.failed_channels)
    return block


def usage_block(answer: Answer, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": answer.prompt_tokens + completion_tokens,
    }


def response_body(answer: Answer, cost_nano: int) -> bytes:
    """The non-streaming ``chat.completion`` document."""
    completion = answer.completion
    message: dict[str, Any] = {"role": "assistant", "content": completion.content}
    if completion.tool_call is not None:
        message["tool_calls"] = [completion.tool_call.as_dict()]
    return orjson.dumps(
        {
            "id": answer.completion_id,
            "object": "chat.completion",
            "created": answer.created,
            "model": answer.model.name,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": completion.finish_reason,
                }
            ],
            "usage": usage_block(answer, completion.completion_tokens),
            "routify": routify_block(answer, cost_nano),
        }
    )


class ChunkWriter:
    """Renders the chunks of one stream."""

    __slots__ = ("_prefix", "answer")

    _SUFFIX = b',"finish_reason":null}]}\n\n'

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        head = orjson.dumps(
            {
                "id": answer.completion_id,
                "object": "chat.completion.chunk",
                "created": answer.created,
                "model": answer.model.name,
            }
        )
        self._prefix = b"data: " + head[:-1] + b',"choices":[{"index":0,"delta":'

    def delta(self, delta: dict[str, Any]) -> bytes:
        return self._prefix + orjson.dumps(delta) + self._SUFFIX

    def delta_events(self) -> list[bytes]:
        """One event per token: the first carries the role; a tool call streams its arguments."""
        completion = self.answer.completion
        call = completion.tool_call
        if call is None:
            tokens = completion.tokens
            first = self.delta({"role": "assistant", "content": ""})
            events = [self.delta({"content": token}) for token in tokens]
            return [first + events[0], *events[1:]] if events else [first]
        opening = self.delta(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "index": 0,
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": ""},
                    }
                ],
            }
        )
        fragments = [
            self.delta({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            for piece in tokenize(call.arguments)
        ]
        return [opening + fragments[0], *fragments[1:]] if fragments else [opening]

    def closing(self, completion_tokens: int, finish_reason: str, cost_nano: int) -> bytes:
        """The finish chunk, the usage chunk when asked for, and ``[DONE]``."""
        answer = self.answer
        routify = routify_block(answer, cost_nano)
        head = {
            "id": answer.completion_id,
            "object": "chat.completion.chunk",
            "created": answer.created,
            "model": answer.model.name,
        }
        finish = {
            **head,
            "choices": [{"index": 0, "delta": {}, "finish_reason": finish_reason}],
            "routify": routify,
        }
        parts = [b"data: " + orjson.dumps(finish) + b"\n\n"]
        options = answer.request.get("stream_options") or {}
        if options.get("include_usage"):
            usage = {
                **head,
                "choices": [],
                "usage": usage_block(answer, completion_tokens),
                "routify": routify,
            }
            parts.append(b"data: " + orjson.dumps(usage) + b"\n\n")
        parts.append(DONE_EVENT)
        return b"".join(parts)
