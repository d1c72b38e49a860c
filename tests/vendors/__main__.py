"""``python -m tests.vendors``: the vendor compatibility matrix (what ``tox -e vendors`` runs).

Starts each real server of :mod:`tests.vendors.servers` in turn, runs the conformance suite
against it in the openai profile (a bounded subprocess), stops it, and writes
docs/compatibility.md. Not part of the default test run: it needs the vendors installed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Final

import httpx

from routify_suite.keepalive import REUSED_CONNECTION_NOTE, ConnectionTrace, stale_connection
from routify_suite.load.server_metrics import parse_exposition
from tests.vendors.compatibility import VendorResult, render
from tests.vendors.servers import VENDORS, Running, ServerError, Vendor, running

ROOT: Final = Path(__file__).resolve().parents[2]
SUITE_TIMEOUT_S: Final = 900.0
KEY_ENV: Final = "VENDOR_MATRIX_API_KEY"
STREAMS: Final = 5


def target_file(vendor: Vendor, where: Running, path: Path) -> Path:
    path.write_text(
        f'name = "{vendor.slug}"\nbase_url = "{where.base_url}"\nprofile = "openai"\n'
        f'[keys]\nvalid = "env:{KEY_ENV}"\n[models]\ndefault = "{where.model}"\n',
        encoding="utf-8",
    )
    return path


def run_suite(
    suite: list[str], vendor: Vendor, where: Running, work: Path, extra: list[str]
) -> dict:
    report = work / "report"
    target = target_file(vendor, where, work / "target.toml")
    command = [*suite, "conformance", "--target", str(target), "--report-dir", str(report), *extra]
    if vendor.pytest_args:
        command += ["--", *vendor.pytest_args]
    environment = {**os.environ, KEY_ENV: where.api_key}
    with (work / "suite.log").open("wb") as log:
        subprocess.run(
            command,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=SUITE_TIMEOUT_S,
            check=False,
        )
    return json.loads((report / "results.json").read_text(encoding="utf-8"))


def connections_for_streams(where: Running, count: int = STREAMS) -> int:
    """TCP connections a pooled client opens for ``count`` sequential streamed requests.

    1 for a server that keeps connections alive; ``count`` for one that closes them after each
    stream (every request finds its connection closed, or is sent again on a new one).
    """
    body = {
        "model": where.model,
        "messages": [{"role": "user", "content": "Capital of France?"}],
        "max_tokens": 4,
        "stream": True,
    }
    headers = {"authorization": f"Bearer {where.api_key}"}
    opened = 0
    with httpx.Client(timeout=30.0) as http:
        for _ in range(count):
            for _attempt in range(2):
                trace = ConnectionTrace()
                try:
                    with http.stream(
                        "POST",
                        where.base_url + "/chat/completions",
                        json=body,
                        headers=headers,
                        extensions=trace.extensions(),
                    ) as response:
                        response.read()
                    opened += trace.connected
                    break
                except httpx.HTTPError as error:
                    opened += trace.connected
                    if not stale_connection(error, trace):
                        raise
    return opened


def record_scrape(where: Running, work: Path) -> str:
    """One scrape of the server's Prometheus ``/metrics`` (after the suite's traffic), kept as
    ``metrics.prom`` beside its log; a line saying what it exposes, or why nothing."""
    url = where.base_url.removesuffix("/v1") + "/metrics"
    try:
        page = httpx.get(url, headers={"authorization": f"Bearer {where.api_key}"}, timeout=10)
    except httpx.HTTPError as error:
        return f"/metrics: cannot reach it ({type(error).__name__})"
    if page.status_code != 200:
        return f"/metrics: HTTP {page.status_code}"
    (work / "metrics.prom").write_text(page.text, encoding="utf-8")
    try:
        names = sorted(parse_exposition(page.text))
    except Exception as error:  # the parser's errors on garbage are not all ValueErrors
        return f"/metrics: not the Prometheus text format ({' '.join(str(error).split())[:80]})"
    return f"/metrics: {len(names)} series, e.g. {', '.join(names[:4])}"


def measure(vendor: Vendor, work: Path, suite: list[str], extra: list[str]) -> VendorResult:
    try:
        version = vendor.version()
        with running(vendor, work) as where:
            connections = connections_for_streams(where)
            results = run_suite(suite, vendor, where, work, extra)
            print(f"{vendor.name}: {record_scrape(where, work)}")
    except (
        ServerError,
        OSError,
        ImportError,
        subprocess.TimeoutExpired,
        ValueError,
        httpx.HTTPError,
    ) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"{vendor.name}: {message}", file=sys.stderr)
        return VendorResult(vendor.name, locals().get("version", "?"), None, message)
    failed = sum(1 for case in results["cases"] if case["verdict"] == "fail")
    print(f"{vendor.name} ({version}): {results['counts']}; {failed} failed cases")
    scope = vendor.scope
    if connections > 1:
        scope += (
            f" It {REUSED_CONNECTION_NOTE}: {STREAMS} sequential streamed requests took"
            f" {connections} connections (the suite sends such a request again on a new"
            " connection; no verdict)."
        )
    return VendorResult(vendor.name, version, results, scope=scope)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.vendors", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "compatibility.md")
    parser.add_argument("--work", type=Path, default=ROOT / "reports" / "vendors")
    parser.add_argument("--only", action="append", help="vendor slug (repeatable); default all")
    parser.add_argument(
        "--suite",
        default=str(Path(sys.executable).with_name("routify-suite")),
        help="the routify-suite command to measure with (e.g. another version's)",
    )
    parser.add_argument("extra", nargs="*", help="extra options for routify-suite conformance")
    options = parser.parse_args(argv)
    chosen = [v for v in VENDORS if not options.only or v.slug in options.only]
    results = [
        measure(vendor, options.work / vendor.slug, [options.suite], options.extra)
        for vendor in chosen
    ]
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(render(results, metadata.version("routify-suite")), encoding="utf-8")
    print(f"wrote {options.out}")
    return 1 if any(result.results is None for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
