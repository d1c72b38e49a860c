"""One chat completion from headers and body to a ready answer, or the :class:`ApiError`.

The checks run in the order a gateway meets them: the key (401), the account's status (403
suspended, 503 maintenance), its rate limit (429), the body (400), the model (404, 403 tier),
the money (402), then the upstream (500, failover, 502). Nothing here awaits, so a request's
reservation and its debit cannot interleave with another request's.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from routify_suite.redact import mask_key
from routify_suite.server import errors
from routify_suite.server.accounts import Account
from routify_suite.server.catalog import (
    AUTO_MODEL,
    MODELS,
    Channel,
    Model,
    auto_route,
    channel_order,
)
from routify_suite.server.generation import Completion, generate
from routify_suite.server.ledger import Reservation
from routify_suite.server.state import ServerState
from routify_suite.server.tokenizer import count_prompt_tokens
from routify_suite.server.validation import parse_request


@dataclass(slots=True)
class Answer:
    """Everything needed to write the response, plus the money held for it."""

    request_id: str
    completion_id: str
    created: int
    started: float
    request: dict[str, Any]
    model: Model
    channel: Channel
    failed_channels: tuple[str, ...]
    prompt_tokens: int
    completion: Completion
    reservation: Reservation
    headers: dict[str, str]

    def cost_nano(self, completion_tokens: int | None = None) -> int:
        used = self.completion.completion_tokens if completion_tokens is None else completion_tokens
        return self.model.cost_nano(self.prompt_tokens, used)

    def latency_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 3)


def new_request_ids() -> tuple[str, str]:
    """The ``x-request-id`` and the completion id; they share their random part."""
    token = os.urandom(12).hex()
    return f"req_{token}", f"chatcmpl-{token}"


def authenticate(state: ServerState, authorization: str | None) -> Account:
    if not authorization:
        raise errors.authentication_failed(
            "You didn't provide an API key. Send 'Authorization: Bearer rtf_...'.",
            "missing_api_key",
        )
    scheme, _, key = authorization.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise errors.authentication_failed(
            "Malformed Authorization header: expected 'Bearer <API key>'.",
            "invalid_authorization_header",
        )
    account = state.accounts.get(key)
    if account is None:
        raise errors.authentication_failed(
            f"Incorrect API key provided: {mask_key(key)}.", "invalid_api_key"
        )
    return account


def check_content_type(content_type: str | None) -> None:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise errors.invalid_request(
            f"Content-Type must be application/json, not {content_type or 'missing'!r}.",
            code="invalid_content_type",
        )


def resolve_model(request: dict[str, Any], account: Account) -> Model:
    name = request["model"]
    if name == AUTO_MODEL:
        return auto_route((request.get("routify") or {}).get("task"), account.tier)
    model = MODELS.get(name)
    if model is None:
        raise errors.not_found(
            f"The model '{name}' does not exist or you do not have access to it.",
            "model_not_found",
            param="model",
        )
    if not model.allows(account.tier):
        raise errors.permission_denied(
            f"The model '{name}' is not available on the '{account.tier}' tier.",
            "model_not_allowed",
            param="model",
        )
    return model


@lru_cache(maxsize=4096)
def _planned(body: bytes, model_name: str) -> tuple[int, Completion]:
    """Prompt tokens and completion of a body for a model (cached: both are pure functions)."""
    request = parse_request(body)
    return count_prompt_tokens(request), generate(model_name, request)


def prepare(
    state: ServerState,
    ids: tuple[str, str],
    started: float,
    authorization: str | None,
    content_type: str | None,
    body: bytes,
) -> Answer:
    """Run every check and produce the answer; raises :class:`ApiError` for any refusal."""
    account = authenticate(state, authorization)
    if account.status == "suspended":
        raise errors.permission_denied("Your account is suspended.", "account_suspended")
    if account.status == "maintenance":
        raise errors.maintenance(state.settings.maintenance_retry_after_s)
    headers: dict[str, str] = {}
    decision = state.limiter.check(account.key)
    if decision is not None:
        headers.update(decision.headers)
        if not decision.allowed:
            raise errors.rate_limited(
                f"Rate limit reached for this key; retry in {decision.retry_after_s:.1f}s.",
                decision.headers,
            )
    check_content_type(content_type)
    request = parse_request(body)
    model = resolve_model(request, account)
    prompt_tokens, completion = _planned(body, model.name)
    # The worst case a request can cost: its prompt and a completion as long as it allows.
    longest = min(
        request.get("max_tokens") or model.max_completion_tokens, model.max_completion_tokens
    )
    worst_case = model.cost_nano(prompt_tokens, longest)
    reservation = state.ledger.reserve(account.key, worst_case)
    if reservation is None:
        raise errors.insufficient_balance(
            "Your balance is too low to cover this request's maximum cost; please top up."
        )
    try:
        channel, failed = _pick_channel(model, request)
    except errors.ApiError:
        reservation.release()
        raise
    request_id, completion_id = ids
    headers["x-request-id"] = request_id
    return Answer(
        request_id=request_id,
        completion_id=completion_id,
        created=int(time.time()),
        started=started,
        request=request,
        model=model,
        channel=channel,
        failed_channels=failed,
        prompt_tokens=prompt_tokens,
        completion=completion,
        reservation=reservation,
        headers=headers,
    )


def _pick_channel(model: Model, request: dict[str, Any]) -> tuple[Channel, tuple[str, ...]]:
    if model.internal_error:
        raise errors.internal_error()
    failed: list[str] = []
    for channel in channel_order(model, (request.get("routify") or {}).get("region")):
        if channel.up:
            return channel, tuple(failed)
        failed.append(channel.name)
    raise errors.upstream_failed(
        f"All upstream channels failed for model '{model.name}': {', '.join(failed)}."
    )
