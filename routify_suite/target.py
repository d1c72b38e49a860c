"""Target files: read and check (schemas/files/target.json), resolve keys, apply overrides.

A bad file must give one line naming the field (never a traceback), so every problem becomes a
:class:`TargetError` whose message starts with the file and the field's dotted path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from routify_suite.config_files import ConfigFileError, check_value, load_file, parse_document
from routify_suite.paths import TARGETS_DIR
from routify_suite.redact import Redactor

LOCAL_TARGET: Final = TARGETS_DIR / "local.toml"
PROFILES: Final = ("routify", "openai")
DEFAULT_RATE_LIMIT_REQUESTS: Final = 30
DEFAULT_CONCURRENCY: Final = 12
"""Exchanges of a conformance run in flight at once, unless the target or an option says."""


class TargetError(ConfigFileError):
    """A target file or override that cannot be used; the message is one line."""


@dataclass(frozen=True, slots=True)
class Trigger:
    """How to provoke one status: a key and a model (defaults filled in)."""

    key: str
    model: str
    requests: int = DEFAULT_RATE_LIMIT_REQUESTS


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved target: keys read from the environment, defaults applied."""

    name: str
    base_url: str
    profile: str = "routify"
    keys: Mapping[str, str] = field(default_factory=dict)
    models: Mapping[str, str] = field(default_factory=dict)
    triggers: Mapping[str, Trigger] = field(default_factory=dict)
    source: str = ""
    concurrency: int = DEFAULT_CONCURRENCY
    """How many exchanges the conformance suite sends at once (1: one after another)."""
    strict: bool = False
    """Fail every non-strict finding too (the full OpenAI contract); CLI --strict sets it."""
    fuzz: int = 0
    """Generated valid and invalid requests the conformance run adds (CLI --fuzz sets it)."""
    fuzz_seed: int | None = None
    """Their seed (CLI --seed); None: the run picks one and prints it."""

    @property
    def url(self) -> str:
        """The endpoint every case posts to."""
        return self.base_url.rstrip("/") + "/chat/completions"

    @property
    def strict_routify(self) -> bool:
        return self.profile == "routify"

    def key(self, name: str) -> str | None:
        return self.keys.get(name)

    def model(self, name: str) -> str | None:
        return self.models.get(name)

    def redactor(self) -> Redactor:
        secrets = [*self.keys.values(), *(trigger.key for trigger in self.triggers.values())]
        return Redactor(secrets)

    def with_overrides(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        profile: str | None = None,
        model: str | None = None,
        concurrency: int | None = None,
        strict: bool | None = None,
    ) -> Target:
        """The same target reached through another URL, key, profile, default model or
        concurrency (CLI/plugin options)."""
        target = self
        if base_url:
            _check_field(base_url, ("base_url",), "--base-url")
            target = replace(target, base_url=base_url)
        if api_key:
            key = read_key(api_key, "--api-key")
            old = target.keys["valid"]
            triggers = {
                name: replace(trigger, key=key) if trigger.key == old else trigger
                for name, trigger in target.triggers.items()
            }
            target = replace(target, keys={**target.keys, "valid": key}, triggers=triggers)
        if profile:
            if profile not in PROFILES:
                raise TargetError(f"--profile: {profile!r} is not one of {', '.join(PROFILES)}")
            target = replace(target, profile=profile)
        if model:
            _check_field(model, ("models", "default"), "--model")
            old = target.models["default"]
            triggers = {
                name: replace(trigger, model=model) if trigger.model == old else trigger
                for name, trigger in target.triggers.items()
            }
            target = replace(target, models={**target.models, "default": model}, triggers=triggers)
        if concurrency is not None:
            _check_field(concurrency, ("concurrency",), "--concurrency")
            target = replace(target, concurrency=concurrency)
        if strict is not None:
            target = replace(target, strict=strict)
        return target


def bare_target(base_url: str, api_key: str | None, model: str | None) -> Target:
    """A target with only a URL, a valid key and a default model (``--base-url`` without a file).

    Both are required: guessing them (the reference server's key, say) would check a vendor
    with a key it never issued and report every case as a wrong key.
    """
    missing = [flag for flag, value in (("--api-key", api_key), ("--model", model)) if not value]
    if missing:
        raise TargetError(f"--base-url without --target needs {' and '.join(missing)}")
    _check_field(base_url, ("base_url",), "--base-url")
    _check_field(model, ("models", "default"), "--model")
    name = urlsplit(base_url).netloc.rpartition("@")[2] or base_url
    key = read_key(str(api_key), "--api-key")
    return Target(
        name=name,
        base_url=base_url,
        keys={"valid": key},
        models={"default": str(model)},
        source="--base-url",
    )


def resolve_target(
    path: str | os.PathLike[str] | None,
    base_url: str | None = None,
    api_key: str | None = None,
    model: str | None = None,
    profile: str | None = None,
    concurrency: int | None = None,
    strict: bool | None = None,
) -> Target:
    """The target the options name: a file (with overrides), else ``--base-url`` with
    ``--api-key`` and ``--model``, else the reference server's (local) target."""
    if path is None and base_url:
        target = bare_target(base_url, api_key, model)
        return target.with_overrides(profile=profile, concurrency=concurrency, strict=strict)
    return load_target(path or LOCAL_TARGET).with_overrides(
        base_url=base_url,
        api_key=api_key,
        profile=profile,
        model=model,
        concurrency=concurrency,
        strict=strict,
    )


def _check_field(value: Any, path: tuple[str, ...], label: str) -> None:
    """Validate one overriding value with the rule of the field it replaces."""
    problem = check_value(value, "target", path)
    if problem is not None:
        raise TargetError(f"{label}: {problem}")


def read_key(value: str, where: str) -> str:
    if not value.startswith("env:"):
        return value
    name = value.removeprefix("env:")
    secret = os.environ.get(name)
    if secret is None:
        raise TargetError(f"{where}: environment variable {name} is not set")
    if not secret.strip():
        raise TargetError(f"{where}: environment variable {name} is empty")
    return secret


def parse_target(document: dict[str, Any], source: str = "<target>") -> Target:
    """Validate a parsed target document and resolve keys, defaults and triggers."""
    parse_document(document, "target", source, TargetError)
    keys = {
        name: read_key(value, f"{source}: keys.{name}") for name, value in document["keys"].items()
    }
    models = dict(document["models"])
    triggers: dict[str, Trigger] = {}
    for name, spec in document.get("triggers", {}).items():
        key_value = spec.get("key")
        if key_value is None:
            key = keys["valid"]
        elif key_value in keys:
            key = keys[key_value]
        else:
            key = read_key(key_value, f"{source}: triggers.{name}.key")
        requests = spec.get("requests", DEFAULT_RATE_LIMIT_REQUESTS)
        triggers[name] = Trigger(key, spec.get("model", models["default"]), requests)
    return Target(
        name=document["name"],
        base_url=document["base_url"],
        profile=document.get("profile", "routify"),
        keys=keys,
        models=models,
        triggers=triggers,
        source=source,
        concurrency=document.get("concurrency", DEFAULT_CONCURRENCY),
        strict=document.get("strict", False),
        fuzz=document.get("fuzz", 0),
        fuzz_seed=document.get("fuzz_seed"),
    )


def load_target(path: str | os.PathLike[str]) -> Target:
    """Read and resolve a target file; any problem is a one-line :class:`TargetError`."""
    return parse_target(load_file(Path(path), "target", TargetError), str(path))
