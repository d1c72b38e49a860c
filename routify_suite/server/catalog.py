"""The models the reference server offers, their prices, tiers and upstream channels.

Each model has an ordered list of channels; a channel marked down always fails, so the
``test-*`` models provoke failover (first channel down), a 502 (all down) and a 500 on demand.
``routify-auto`` is resolved to a concrete model here, guided by ``routify.task`` and
``routify.region``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

AUTO_MODEL: Final = "routify-auto"
DEFAULT_MODEL: Final = "deepseek-v3.2"
TIER_RANK: Final = {"basic": 0, "pro": 1}
REASONING_TASKS: Final = frozenset({"reasoning", "math", "code", "coding", "analysis", "planning"})


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    region: str
    up: bool = True


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    min_tier: str
    prompt_nano_per_token: int
    completion_nano_per_token: int
    max_completion_tokens: int
    channels: tuple[Channel, ...]
    internal_error: bool = False
    listed: bool = True

    def cost_nano(self, prompt_tokens: int, completion_tokens: int) -> int:
        return (
            prompt_tokens * self.prompt_nano_per_token
            + completion_tokens * self.completion_nano_per_token
        )

    def allows(self, tier: str) -> bool:
        return TIER_RANK[tier] >= TIER_RANK[self.min_tier]


# deepseek-v3.2's prices reproduce the spec's example: 14 prompt + 2 completion tokens cost
# 14 x 140 + 2 x 420 = 2,800 nano-dollars = 0.0000028 USD.
_STANDARD_CHANNELS: Final = (
    Channel("deepseek-official", "cn"),
    Channel("azure-eu-west", "eu"),
    Channel("aws-us-east", "us"),
)
MODELS: Final = {
    model.name: model
    for model in (
        Model("deepseek-v3.2", "basic", 140, 420, 8192, _STANDARD_CHANNELS),
        Model(
            "deepseek-r2-pro",
            "pro",
            550,
            2190,
            32768,
            (Channel("deepseek-official", "cn"), Channel("aws-us-east", "us")),
        ),
        Model(
            "test-failover",
            "basic",
            140,
            420,
            8192,
            (Channel("flaky-primary", "cn", up=False), Channel("steady-backup", "cn")),
        ),
        Model("test-internal-error", "basic", 140, 420, 8192, _STANDARD_CHANNELS, True),
        Model(
            "test-upstream-down",
            "basic",
            140,
            420,
            8192,
            (Channel("dead-primary", "cn", up=False), Channel("dead-backup", "us", up=False)),
        ),
    )
}


def auto_route(task: str | None, tier: str) -> Model:
    """The concrete model ``routify-auto`` picks: the reasoning model for reasoning-like tasks
    when the tier allows it, else the default."""
    if task is not None and task.lower() in REASONING_TASKS:
        reasoning = MODELS["deepseek-r2-pro"]
        if reasoning.allows(tier):
            return reasoning
    return MODELS[DEFAULT_MODEL]


def channel_order(model: Model, region: str | None) -> tuple[Channel, ...]:
    """The model's channels, those in the requested region first (stable otherwise)."""
    if region is None:
        return model.channels
    wanted = region.lower()
    preferred = tuple(c for c in model.channels if wanted.startswith(c.region))
    return preferred + tuple(c for c in model.channels if c not in preferred)


def listed_models() -> list[str]:
    return [AUTO_MODEL, *(name for name, model in MODELS.items() if model.listed)]
