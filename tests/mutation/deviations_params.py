"""Parameters accepted but not honoured, or not validated."""

from __future__ import annotations

from dataclasses import replace

from tests.mutation import transforms as t
from tests.mutation.deviation import Deviation, Reply, Upstream
from tests.mutation.entries import (
    AUTO,
    JSON_MODE,
    MAX_TOKENS,
    REJECTED,
    STOP,
    STREAMS,
    TOOLS,
    deviation,
)

INTERNAL_ERROR = {
    "error": {"message": "Internal error", "type": "server_error", "param": None, "code": None}
}


def internal_error_for_empty_tools(reply: Reply, upstream: Upstream) -> Reply:
    """A server whose validation of ``tools: []`` crashes into a 500 (as llama-cpp-python's
    answers some bodies it rejects)."""
    document = upstream.document()
    if isinstance(document, dict) and document.get("tools") == []:
        return replace(reply, status=500).with_document(INTERNAL_ERROR)
    return reply


PARAM_DEVIATIONS: tuple[Deviation, ...] = (
    deviation(
        "max-tokens-ignored",
        "params",
        "max_tokens is not applied",
        MAX_TOKENS,
        ("params.max-tokens",),
        request=t.drop_params("max_tokens"),
    ),
    deviation(
        "stop-ignored",
        "params",
        "stop sequences are not applied",
        STOP,
        ("params.stop",),
        request=t.drop_params("stop"),
    ),
    deviation(
        "json-mode-ignored",
        "params",
        "response_format is not applied",
        JSON_MODE,
        ("params.json-mode",),
        request=t.drop_params("response_format"),
    ),
    deviation(
        "tools-ignored",
        "params",
        "tools and tool_choice are not applied",
        TOOLS,
        ("params.tools",),
        request=t.drop_params("tools", "tool_choice"),
    ),
    deviation(
        "stream-ignored",
        "params",
        "stream: true answered with plain JSON",
        STREAMS,
        ("stream.content-type", "stream.status"),
        request=t.edit_request(t.stream_ignored),
    ),
    deviation(
        "validation-missing",
        "params",
        "invalid bodies are answered 200",
        REJECTED,
        ("params.rejected", "error.status"),
        request=t.unvalidated,
    ),
    deviation(
        "temperature-clamped",
        "params",
        "temperature outside 0–2 clamped, not rejected",
        REJECTED,
        ("params.rejected", "error.status"),
        request=t.edit_request(t.clamp_temperature),
    ),
    deviation(
        "top-p-refused",
        "params",
        "a valid top_p answered 400",
        "top-p",
        ("params.accepted",),
        request=t.edit_request(t.reject_top_p),
    ),
    deviation(
        "tier-refuses-every-model",
        "params",
        "the restricted tier's key is refused for every model",
        "tier",
        ("params.model-tier",),
        request=t.tier_refuses_every_model,
    ),
    deviation(
        "auto-model-unresolved",
        "params",
        "routify-auto answers as model routify-auto",
        AUTO,
        ("params.auto-model",),
        reply=t.on_success(t.model_unresolved),
    ),
    deviation(
        "500-for-empty-tools",
        "params",
        "answers 500 to tools: [] (a body only OpenAI rejects; the page's 500 is an internal"
        " error, a rejected body a 400)",
        "tools-empty",
        ("params.server-error",),
        reply=internal_error_for_empty_tools,
    ),
)
