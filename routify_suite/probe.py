"""One cheap request before a run, so an unreachable URL is one line and exit 2, not a run of
identical connection failures."""

from __future__ import annotations

import httpx


def probe(base_url: str, connect_timeout: float = 5.0) -> str | None:
    """None when something answers HTTP at the endpoint; else a one-line reason."""
    url = base_url.rstrip("/") + "/chat/completions"
    try:
        with httpx.Client(timeout=httpx.Timeout(connect_timeout, read=connect_timeout * 2)) as http:
            http.post(url, content=b"{}", headers={"content-type": "application/json"})
    except httpx.HTTPError as error:
        reason = str(error) or type(error).__name__
        return f"cannot reach {url}: {reason}"
    return None
