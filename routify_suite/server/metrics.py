"""``GET /metrics``: what the server is doing, in the Prometheus text format.

Requests in flight, requests queued by the capacity model, completions served and tokens
generated, the same kind of figures llama.cpp's, vLLM's and LiteLLM's servers expose, so a load
run that scrapes them (``routify-suite load --server-metrics``) can set the client's latency
beside the server's queue and throughput. Rendered by prometheus-client from a collector that
reads the server's state at scrape time: a registry of its own per app (tests run several servers
in one process), no global default registry, nothing added to the request path but two counters.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from routify_suite.server.state import ServerState


class ServerCollector(Collector):
    def __init__(self, state: ServerState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        state = self.state
        activity = state.activity
        capacity = state.capacity
        yield GaugeMetricFamily(
            "routify_requests_in_flight",
            "Chat completions being answered (streams open, queued ones included).",
            value=state.streams.open + activity.answering,
        )
        yield GaugeMetricFamily(
            "routify_requests_queued",
            "Requests waiting for a slot of the capacity model (--max-concurrency).",
            value=capacity.waiting if capacity is not None else 0,
        )
        yield CounterMetricFamily(
            "routify_completions",
            "Chat completions answered in full.",
            value=activity.completions,
        )
        yield CounterMetricFamily(
            "routify_generated_tokens",
            "Completion tokens generated and delivered (a stream cut short counts what it sent).",
            value=activity.generated_tokens,
        )


def registry_for(state: ServerState) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServerCollector(state))
    return registry


async def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.metrics
    return Response(generate_latest(registry), headers={"content-type": CONTENT_TYPE_LATEST})
