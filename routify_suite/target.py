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

from routify_suite.config_files import ConfigFileError, check_value, load_file, parse_document
from routify_suite.paths import TARGETS_DIR
from routify_suite.redact import Redactor

LOCAL_TARGET: Final = TARGETS_DIR / "local.toml"
PROFILES: Final = ("routify", "openai")
DEFAULT_RATE_LIMIT_REQUESTS: Final = 30


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
    ) -> Target:
        """The same target reached through another URL, key or profile (CLI/plugin options)."""
        target = self
        if base_url:
            _check_field(base_url, ("base_url",), "--base-url")
            target = replace(target, base_url=base_url)
        if api_key:
            key = _read_key(api_key, "--api-key")
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
        return target


def _check_field(value: Any, path: tuple[str, ...], label: str) -> None:
    """Validate one overriding value with the rule of the field it replaces."""
    problem = check_value(value, "target", path)
    if problem is not None:
        raise TargetError(f"{label}: {problem}")


def _read_key(value: str, where: str) -> str:
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
        name: _read_key(value, f"{source}: keys.{name}") for name, value in document["keys"].items()
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
            key = _read_key(key_value, f"{source}: triggers.{name}.key")
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
    )


def load_target(path: str | os.PathLike[str]) -> Target:
    """Read and resolve a target file; any problem is a one-line :class:`TargetError`."""
    return parse_target(load_file(Path(path), "target", TargetError), str(path))
