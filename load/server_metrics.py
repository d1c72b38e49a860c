"""``--server-metrics URL``: the server's Prometheus endpoint, scraped while the load runs.

Client latency alone cannot say whether a knee is the server queueing, the server slowing down
or the client; the server's own gauges (requests running, queued) and counters (tokens
generated) beside it can. A thread of the CLI process (never a Locust process: it must not take
the users' CPU) scrapes the endpoint every ``interval_s`` with httpx and parses each answer with
prometheus-client's parser. Histogram buckets and quantiles are left out (their ``_count`` and
``_sum`` stay); counters become rates per second between consecutive scrapes.

A scrape that fails (nothing listens, an HTTP error, a page that is not the text format) is
counted, and the run goes on: the endpoint is an aid, never a reason to fail a load run. At the
end one warning line says how many scrapes failed and why the first one did.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import httpx
from prometheus_client.parser import text_string_to_metric_families

MAX_SERIES: Final = 200
"""Series kept per run (a vLLM endpoint has hundreds with labels); the first ones seen win."""
SKIPPED_SUFFIXES: Final = ("_bucket", "_created", "_gsum", "_gcount")
RATE_FAMILIES: Final = ("counter", "histogram", "summary")
"""Families whose samples only grow: kept as rates."""


def _series_name(name: str, labels: dict[str, str], rate: bool) -> str:
    if rate:
        name = name.removesuffix("_total") + "_per_s"
    if labels:
        name += "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
    return name


def parse_exposition(text: str) -> dict[str, tuple[bool, float]]:
    """Series name -> (is a rate, value) for one scrape; ValueError when it is not the format."""
    values: dict[str, tuple[bool, float]] = {}
    for family in text_string_to_metric_families(text):
        if family.type in ("info", "stateset"):
            continue
        rate = family.type in RATE_FAMILIES
        for sample in family.samples:
            if sample.name.endswith(SKIPPED_SUFFIXES) or "quantile" in sample.labels:
                continue
            name = _series_name(sample.name, sample.labels, rate)
            values[name] = (rate, float(sample.value))
    return values


@dataclass(slots=True)
class ScrapeLog:
    """Every successful scrape (epoch seconds, values) and what went wrong with the others."""

    url: str
    interval_s: float
    scrapes: list[tuple[float, dict[str, tuple[bool, float]]]] = field(default_factory=list)
    failed: int = 0
    error: str | None = None

    def note_failure(self, why: str) -> None:
        self.failed += 1
        if self.error is None:
            self.error = why

    def warning(self) -> str | None:
        """One line for the terminal when any scrape failed; None when all went well."""
        if not self.failed:
            return None
        total = self.failed + len(self.scrapes)
        lost = "no server metrics" if not self.scrapes else "gaps in the server metrics"
        return (
            f"warning: --server-metrics {self.url}: {self.failed} of {total} scrapes failed"
            f" ({lost}); the first: {self.error}"
        )

    def aligned(self, started: float) -> dict[str, Any]:
        """summary.json's ``server_metrics``: ``[t, value]`` points with t in seconds since the
        measured window began (the latency chart's axis); counters as rates per second."""
        series: dict[str, list[list[float]]] = {}
        previous: tuple[float, dict[str, tuple[bool, float]]] | None = None
        for at, values in self.scrapes:
            t = round(at - started, 3)
            for name, (rate, value) in values.items():
                if name not in series and len(series) >= MAX_SERIES:
                    continue
                if not rate:
                    series.setdefault(name, []).append([t, value])
                    continue
                before = previous[1].get(name) if previous else None
                elapsed = at - previous[0] if previous else 0.0
                series.setdefault(name, [])
                if before is not None and elapsed > 0 and value >= before[1]:
                    series[name].append([t, round((value - before[1]) / elapsed, 6)])
            previous = (at, values)
        return {
            "url": self.url,
            "interval_s": self.interval_s,
            "series": {name: points for name, points in series.items() if points},
            "scrapes": len(self.scrapes),
            "failed_scrapes": self.failed,
            "error": self.error,
        }


class Scraper:
    """A daemon thread scraping ``url`` every ``interval_s`` until :meth:`stop` (or the
    deadline, whichever comes first): every loop here is bounded in time."""

    def __init__(
        self,
        url: str,
        interval_s: float,
        deadline_s: float,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.log = ScrapeLog(url, interval_s)
        self._headers = headers or {}
        self._deadline = time.monotonic() + deadline_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="server-metrics", daemon=True)

    def __enter__(self) -> Scraper:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> ScrapeLog:
        self._stop.set()
        self._thread.join(timeout=self.log.interval_s + 10)
        return self.log

    def _run(self) -> None:
        timeout = httpx.Timeout(max(1.0, min(5.0, self.log.interval_s * 2)))
        with httpx.Client(timeout=timeout, headers=self._headers) as http:
            while not self._stop.is_set() and time.monotonic() < self._deadline:
                began = time.monotonic()
                self.scrape_once(http)
                # The next scrape is due one interval after this one began (a periodic timer,
                # not a synchronisation): woken early by stop().
                self._stop.wait(max(0.0, self.log.interval_s - (time.monotonic() - began)))

    def scrape_once(self, http: httpx.Client) -> None:
        at = time.time()
        try:
            response = http.get(self.log.url)
        except httpx.HTTPError as error:
            self.log.note_failure(f"cannot reach it ({type(error).__name__}: {error})"[:200])
            return
        if response.status_code != 200:
            self.log.note_failure(f"HTTP {response.status_code}")
            return
        try:
            values = parse_exposition(response.text)
        except Exception as error:  # the parser's errors on garbage are not all ValueErrors
            why = " ".join(str(error).split())[:120]
            self.log.note_failure(f"not the Prometheus text format ({why})")
            return
        if not values:
            self.log.note_failure("no samples in the answer")
            return
        self.log.scrapes.append((at, values))


def scraper_for(
    option: str | None, interval_s: float, base_url: str, api_key: str, deadline_s: float
) -> Scraper | None:
    """The scraper of ``--server-metrics`` (None without it): a path (``/metrics``) is taken on
    the target's host, and the key goes along only to that host."""
    if option is None:
        return None
    target = urlsplit(base_url)
    url = option
    if option.startswith("/"):
        url = urlunsplit((target.scheme, target.netloc, option, "", ""))
    same_host = urlsplit(url).netloc == target.netloc
    headers = {"authorization": f"Bearer {api_key}"} if same_host else {}
    return Scraper(url, interval_s, deadline_s, headers)
