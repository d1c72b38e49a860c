"""One request before a run, so a run that cannot work is one line and exit 2.

An unreachable URL, a key the target rejects and a model it does not serve would each turn
every case (or every load request) into the same failure; the probe sends one small completion
with the valid key and the default model first and names the problem instead. Anything else
(a 200, a 429, a 500, a malformed answer) is left for the run to judge.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

PROBE_MAX_TOKENS = 1


def _error_of(response: httpx.Response) -> tuple[str, str, str]:
    """(code, message, param) of an OpenAI-style error body; empty strings where absent."""
    try:
        document: Any = response.json()
    except ValueError:
        document = None
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        text = response.text.strip().splitlines()
        return "", (text[0][:160] if text else ""), ""
    parts = (error.get("code") or error.get("type"), error.get("message"), error.get("param"))
    return tuple("" if part is None else str(part)[:160] for part in parts)  # type: ignore[return-value]


def _status_text(response: httpx.Response, code: str, message: str) -> str:
    said = f"{response.status_code} {code}".strip()
    return f"{said}: {message}" if message else said


def _is_model_error(status: int, code: str, message: str, param: str, model: str) -> bool:
    """A 400/404/422 that names the model (its param, code or text); a 404 that does not is
    a missing route, not a missing model."""
    if status not in (400, 404, 422):
        return False
    named = re.search(rf"(?<![\w.-]){re.escape(model)}(?![\w.-])", message) if model else None
    return param == "model" or "model" in code or named is not None


def probe(
    base_url: str,
    connect_timeout: float = 5.0,
    key: str | None = None,
    model: str | None = None,
    read_timeout: float | None = None,
) -> str | None:
    """None when the run can go on; else a one-line reason (the caller redacts and exits 2).

    Without ``key`` and ``model`` it only checks that something answers HTTP at the endpoint.
    """
    url = base_url.rstrip("/") + "/chat/completions"
    headers = {"content-type": "application/json"}
    body: dict[str, Any] = {}
    if key is not None:
        headers["authorization"] = f"Bearer {key}"
    if model is not None:
        body = {
            "model": model,
            "messages": [{"role": "user", "content": "Say OK."}],
            "max_tokens": PROBE_MAX_TOKENS,
        }
    timeout = httpx.Timeout(connect_timeout, read=read_timeout or connect_timeout * 2)
    try:
        with httpx.Client(timeout=timeout) as http:
            response = http.post(url, content=json.dumps(body).encode(), headers=headers)
    except httpx.HTTPError as error:
        reason = str(error) or type(error).__name__
        return f"cannot reach {url}: {reason}"
    if key is None or model is None:
        return None
    code, message, param = _error_of(response)
    if response.status_code in (401, 403):
        return f"the key is rejected ({_status_text(response, code, message)})"
    if _is_model_error(response.status_code, code, message, param, model):
        return f"the model {model!r} is not served ({_status_text(response, code, message)})"
    if response.status_code in (404, 405):
        said = _status_text(response, code, message)
        return (
            f"no chat completions route at POST {url} ({said}); the base URL is what comes "
            "before /chat/completions, often ending in /v1"
        )
    return None
