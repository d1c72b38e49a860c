"""The profiles against a vendor-like server: the reference server behind a proxy that drops
the routify block, as an OpenAI-compatible server without Routify's extensions would.

The routify profile must fail it, naming the routify checks; the openai profile must pass it
(the block is optional there), reporting only the shape drift as non-strict.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from routify_suite.server import running_server
from routify_suite.target import LOCAL_TARGET
from tests.conformance_helpers import serving_chat

CLI = [sys.executable, "-c", "from routify_suite.cli import run; run()", "conformance"]


def _strip(document: bytes) -> bytes:
    value = json.loads(document)
    if isinstance(value, dict):
        value.pop("routify", None)
    return json.dumps(value).encode()


def _strip_stream(body: bytes) -> bytes:
    events = []
    for event in body.split(b"\n\n"):
        if event.startswith(b"data: {"):
            event = b"data: " + _strip(event[len(b"data: ") :])
        events.append(event)
    return b"\n\n".join(events)


def _proxy(upstream: str) -> Callable[[Request], Awaitable[Response]]:
    async def chat(request: Request) -> Response:
        headers = {
            k: v for k, v in request.headers.items() if k in ("authorization", "content-type")
        }
        async with httpx.AsyncClient() as client:
            reply = await client.post(
                upstream + "/chat/completions", content=await request.body(), headers=headers
            )
        media = reply.headers.get("content-type", "")
        body = reply.content
        if reply.status_code == 200:
            body = _strip_stream(body) if media.startswith("text/event-stream") else _strip(body)
        kept = {
            k: v for k, v in reply.headers.items() if k.lower() in ("retry-after", "x-request-id")
        }
        return Response(body, reply.status_code, headers=kept, media_type=media)

    return chat


@pytest.fixture(scope="module")
def vendor_url() -> Iterator[str]:
    with running_server() as upstream, serving_chat(_proxy(upstream.base_url)) as base_url:
        yield base_url


def _run(vendor_url: str, profile: str, report_dir: Path) -> tuple[str, dict[str, dict]]:
    args = ["--target", str(LOCAL_TARGET), "--base-url", vendor_url, "--profile", profile]
    args += ["--report-dir", str(report_dir)]
    selection = ["--", "-k", "plain or routify or auto"]
    result = subprocess.run(
        [*CLI, *args, *selection], capture_output=True, text=True, timeout=120, check=False
    )
    document = json.loads((report_dir / "results.json").read_text())
    outcome = f"exit {result.returncode}: {result.stdout[-1500:]} {result.stderr[-1500:]}"
    return outcome, {case["id"]: case for case in document["cases"]}


def test_routify_profile_requires_the_routify_block(vendor_url: str, tmp_path: Path) -> None:
    outcome, cases = _run(vendor_url, "routify", tmp_path)
    assert outcome.startswith("exit 1:"), outcome
    failed = {check for case in cases.values() for check in case["failed_checks"]}
    assert {"response.routify", "stream.routify"} <= failed


def test_openai_profile_passes_without_it(vendor_url: str, tmp_path: Path) -> None:
    outcome, cases = _run(vendor_url, "openai", tmp_path)
    assert outcome.startswith("exit 0:"), outcome
    assert "fail" not in {case["verdict"] for case in cases.values()}
    routify_cases = [case for case in cases.values() if case["id"].endswith(".routify]")]
    assert len(routify_cases) >= 10
    assert {case["verdict"] for case in routify_cases} == {"pass"}
    # Drift from the recorded (Routify) shapes is reported, not failed.
    drift = [case for case in cases.values() if case["verdict"] == "non-strict"]
    assert {check for case in drift for check in case["failed_checks"]} == {"snapshot.shape"}
