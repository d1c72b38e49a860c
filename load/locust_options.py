"""The Locust command-line options the routify scenarios add (``locust --help`` lists them).

Registered by ``plugin.py`` on Locust's ``init_command_line_parser`` event; the master sends
them to its workers with each spawn message.
"""

from __future__ import annotations

from typing import Any

from routify_suite.load.arrivals import ARRIVALS
from routify_suite.load.payload import DEFAULT_MAX_TOKENS, DEFAULT_MODEL
from routify_suite.load.transports import CLIENTS
from routify_suite.load.workloads import DEFAULT_ENCODING


def add_options(parser: Any) -> None:
    group = parser.add_argument_group("routify", "Routify chat-completions load")
    group.add_argument(
        "--model", default=DEFAULT_MODEL, env_var="ROUTIFY_MODEL", help="model to request"
    )
    group.add_argument(
        "--max-tokens", type=int, default=DEFAULT_MAX_TOKENS, help="max_tokens per request"
    )
    group.add_argument(
        "--client", choices=CLIENTS, default="fasthttp", help="HTTP client of the users"
    )
    group.add_argument(
        "--arrival-rate",
        type=float,
        default=0.0,
        help="total requests/s to schedule (open model; records intended vs actual send time)",
    )
    group.add_argument(
        "--arrival",
        choices=ARRIVALS,
        default="constant",
        help="arrival process of --arrival-rate: constant gaps, poisson or gamma",
    )
    group.add_argument(
        "--burstiness",
        type=float,
        default=1.0,
        help="gamma arrivals' shape: 1 is Poisson, below 1 burstier (the gaps' CV is 1/sqrt(B))",
    )
    group.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the arrival schedule (default: drawn, and written to summary.json)",
    )
    group.add_argument("--request-timeout", type=float, default=60.0, help="per-read timeout, s")
    group.add_argument(
        "--metrics-dir", default="", help="where the master writes metrics.json and live.json"
    )
    group.add_argument("--shape-steps", type=int, default=4, help="stairs of the step shape")
    workload = parser.add_argument_group("routify workload", "What each request asks for")
    workload.add_argument(
        "--input-tokens",
        default="",
        metavar="MEAN[,STDDEV]",
        help="synthetic prompts of this many tokens (normal distribution, clipped at 1)",
    )
    workload.add_argument(
        "--output-tokens",
        default="",
        metavar="MEAN[,STDDEV]",
        help="max_tokens drawn per request (normal distribution, clipped at 1)",
    )
    workload.add_argument(
        "--dataset", default="", help="JSON Lines of messages, or ShareGPT conversations"
    )
    workload.add_argument(
        "--turns", type=int, default=1, help="requests per session, resending the history"
    )
    workload.add_argument(
        "--ignore-eos",
        action="store_true",
        default=False,
        help="send vLLM's ignore_eos: true and min_tokens (not in the Routify spec)",
    )
    workload.add_argument(
        "--tokenizer",
        default=DEFAULT_ENCODING,
        help="cl100k_base, o200k_base (bpe-openai) or a Hugging Face tokenizer.json path",
    )
    workload.add_argument(
        "--warmup", type=float, default=0.0, help="seconds at the start that are not measured"
    )
    workload.add_argument(
        "--goodput",
        default="",
        metavar="METRIC=MS,...",
        help="per-request maxima for goodput, e.g. ttft_ms=800,itl_ms=50",
    )
