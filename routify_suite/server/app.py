"""The Starlette application: routes, and the error envelope for every failure path.

Unknown routes, wrong methods and unexpected exceptions are turned into the same
``{"error": {...}}`` JSON envelope as the API's own refusals, each with an ``x-request-id``.
"""

from __future__ import annotations

import asyncio
import logging
import time

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from routify_suite.server import errors
from routify_suite.server.accounts import Account
from routify_suite.server.catalog import AUTO_MODEL, MODELS, listed_models
from routify_suite.server.metrics import metrics, registry_for
from routify_suite.server.pacing import wait_until
from routify_suite.server.rendering import response_body
from routify_suite.server.service import Answer, authenticate, new_request_ids, prepare
from routify_suite.server.state import ServerState, Settings
from routify_suite.server.streaming import RAW_SEND_KEY, CompletionStream, SharedCapacityStream

log = logging.getLogger("routify_suite.server")
_MODEL_CREATED = 1747836000  # the spec's example timestamp


def json_response(
    body: bytes, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(body, status, headers, media_type=errors.JSON_CONTENT_TYPE)


def error_response(error: errors.ApiError, request_id: str | None = None) -> Response:
    headers = dict(error.headers)
    headers["x-request-id"] = request_id or new_request_ids()[0]
    return json_response(error.body(), error.status, headers)


async def chat_completions(request: Request) -> Response:
    state: ServerState = request.app.state.routify
    started = time.perf_counter()
    ids = new_request_ids()
    headers = request.headers
    try:
        answer = prepare(
            state,
            ids,
            started,
            headers.get("authorization"),
            headers.get("content-type"),
            await request.body(),
        )
    except errors.ApiError as error:
        return error_response(error, ids[0])
    if answer.request.get("stream"):
        if state.capacity is not None:
            return SharedCapacityStream(answer, state)
        return CompletionStream(answer, state)
    settings = state.settings
    state.activity.answering += 1
    try:
        if state.capacity is not None:
            await _generate_within_capacity(answer, state)
        elif settings.ttft_ms > 0 or settings.itl_ms > 0:
            tokens = max(1, answer.completion.completion_tokens)
            await _simulate_generation(answer, settings, tokens)
    finally:
        state.activity.answering -= 1
    state.activity.delivered(answer.completion.completion_tokens, complete=True)
    cost = answer.reservation.settle(answer.cost_nano())
    return json_response(response_body(answer, cost), headers=answer.headers)


async def _simulate_generation(answer: Answer, settings: Settings, tokens: int) -> None:
    """A non-streaming answer takes as long as its stream would; the money stays held."""
    try:
        await wait_until(
            answer.started + (settings.ttft_ms + settings.itl_ms * (tokens - 1)) / 1000
        )
    except asyncio.CancelledError:
        answer.reservation.release()
        raise


async def _generate_within_capacity(answer: Answer, state: ServerState) -> None:
    """A non-streaming answer under the capacity model: queue for a slot, then take as long as
    its stream would at the token gap of the moment it was admitted (held until sent)."""
    capacity = state.capacity
    assert capacity is not None
    admission = capacity.enter()
    try:
        await admission
    except asyncio.CancelledError:
        if admission.done() and not admission.cancelled():
            capacity.leave()
        admission.cancel()
        answer.reservation.release()
        raise
    try:
        settings = state.settings
        step_s = capacity.step_s(settings.itl_ms / 1000)
        tokens = max(1, answer.completion.completion_tokens)
        admitted = time.perf_counter()
        await wait_until(admitted + settings.ttft_ms / 1000 + step_s * (tokens - 1))
    except asyncio.CancelledError:
        answer.reservation.release()
        raise
    finally:
        capacity.leave()


def _model_card(name: str) -> dict[str, object]:
    card: dict[str, object] = {
        "id": name,
        "object": "model",
        "created": _MODEL_CREATED,
        "owned_by": "routify",
    }
    model = MODELS.get(name)
    if model is not None:
        card["routify"] = {
            "min_tier": model.min_tier,
            "max_completion_tokens": model.max_completion_tokens,
            "prompt_usd_per_million_tokens": model.prompt_nano_per_token / 1000,
            "completion_usd_per_million_tokens": model.completion_nano_per_token / 1000,
            "channels": [channel.name for channel in model.channels],
        }
    elif name == AUTO_MODEL:
        card["routify"] = {"routes_to": [n for n in MODELS if not n.startswith("test-")]}
    return card


async def list_models(request: Request) -> Response:
    state: ServerState = request.app.state.routify
    try:
        authenticate(state, request.headers.get("authorization"))
    except errors.ApiError as error:
        return error_response(error)
    body = {"object": "list", "data": [_model_card(name) for name in listed_models()]}
    return json_response(orjson.dumps(body), headers={"x-request-id": new_request_ids()[0]})


async def retrieve_model(request: Request) -> Response:
    state: ServerState = request.app.state.routify
    name = request.path_params["model"]
    try:
        authenticate(state, request.headers.get("authorization"))
        if name not in listed_models():
            raise errors.not_found(f"The model '{name}' does not exist.", "model_not_found")
    except errors.ApiError as error:
        return error_response(error)
    card = orjson.dumps(_model_card(name))
    return json_response(card, headers={"x-request-id": new_request_ids()[0]})


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        error = errors.ApiError(
            405, f"Method {request.method} is not allowed here.", "invalid_request_error"
        )
    else:
        error = errors.not_found(f"No route for {request.method} {request.url.path}.", None)
        error.status = exc.status_code
    return error_response(error)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error answering %s %s", request.method, request.url.path)
    return error_response(errors.internal_error())


class RoutifyStarlette(Starlette):
    """Starlette, with the server's own ``send`` left in the scope for the stream writer."""

    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()

        async def expose_raw_send(scope: Scope, receive: Receive, send: Send) -> None:
            scope[RAW_SEND_KEY] = send
            try:
                await inner(scope, receive, send)
            finally:
                # scope -> send -> the server's request cycle -> scope is a reference cycle:
                # left in place, every request would leave garbage for the slow collector.
                del scope[RAW_SEND_KEY]

        return expose_raw_send


def create_app(accounts: dict[str, Account], settings: Settings | None = None) -> Starlette:
    """The ASGI app for one server instance (its ledger and rate limits live in app.state)."""
    app = RoutifyStarlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/v1/models/{model}", retrieve_model, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        exception_handlers={HTTPException: http_error, Exception: unexpected_error},
    )
    app.state.routify = ServerState(settings=settings or Settings(), accounts=accounts)
    app.state.metrics = registry_for(app.state.routify)
    return app
