"""``--fail-on-regression METRIC=PCT``: is the last run worse than the first, beyond noise?

A rule trips when the last run's change against the first is worse than the threshold *and*
the change's 95 % interval lies wholly on the worse side of zero: a difference the bootstrap
cannot tell from chance never fails a build, whatever its size, and a real but small one
(within the threshold) does not either. A metric a run has no values for fails closed. The
sign of PCT says which way is worse and must match the metric: ``ttft_ms.p50=10%`` (a rise),
``output_tokens_per_s=-5%`` (a drop).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from routify_suite.load.comparison import Change, ComparisonError, Metric, find_metric

_PERCENT = re.compile(r"\s*([+-]?\d+(?:\.\d+)?)\s*%?\s*")


@dataclass(frozen=True, slots=True)
class Rule:
    metric: Metric
    threshold: float
    """Percent, signed the way the metric gets worse (+ for latencies, - for rates)."""

    def __str__(self) -> str:
        return f"{self.metric.name}={self.threshold:+g}%"


@dataclass(frozen=True, slots=True)
class Verdict:
    rule: Rule
    change: Change
    regressed: bool

    @property
    def message(self) -> str:
        name = self.rule.metric.name
        if not self.change.known:
            return f"{name} regressed: a run has no values to compare (fails closed)"
        change = self.change
        figures = f"{change.percent:+.1f} % (95 % CI {change.low:+.1f} .. {change.high:+.1f})"
        if self.regressed:
            return f"{name} regressed: {figures}, beyond {self.rule.threshold:+g} %"
        return f"{name} ok: {figures}, limit {self.rule.threshold:+g} %"


def parse_rule(text: str) -> Rule:
    """``METRIC=PCT``; a :class:`ComparisonError` saying what is wrong, in one line."""
    name, equals, percent = text.partition("=")
    if not equals or not name.strip():
        raise ComparisonError(
            f"--fail-on-regression {text!r}: write METRIC=PCT, e.g. ttft_ms.p50=10%"
        )
    metric = find_metric(name.strip())
    match = _PERCENT.fullmatch(percent)
    if match is None:
        raise ComparisonError(
            f"--fail-on-regression {text!r}: {percent!r} is not a percentage like 10% or -5%"
        )
    threshold = float(match.group(1))
    if threshold == 0 or (threshold > 0) != metric.higher_is_worse:
        way, example = ("a rise", "10%") if metric.higher_is_worse else ("a drop", "-5%")
        raise ComparisonError(
            f"--fail-on-regression {text!r}: for {metric.name} {way} is a regression;"
            f" write a {'positive' if metric.higher_is_worse else 'negative'}"
            f" percentage like {metric.name}={example}"
        )
    return Rule(metric, threshold)


def judge(rule: Rule, change: Change) -> Verdict:
    """Whether ``change`` (last run against the first) is a regression under ``rule``."""
    if not change.known:
        return Verdict(rule, change, True)
    assert change.percent is not None
    assert change.low is not None
    assert change.high is not None
    if rule.threshold > 0:
        regressed = change.percent > rule.threshold and change.low > 0
    else:
        regressed = change.percent < rule.threshold and change.high < 0
    return Verdict(rule, change, regressed)
