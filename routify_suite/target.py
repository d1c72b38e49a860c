"""Target files: load, validate against schemas/files/target.json, resolve, override.

A bad file must give one line naming the field (never a traceback), so every problem becomes a
:class:`TargetError` whose message starts with the file and the field's dotted path.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Final

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from routify_suite.paths import SCHEMAS_DIR, TARGETS_DIR
from routify_suite.redact import Redactor

SCHEMA_PATH: Final = SCHEMAS_DIR / "files" / "target.json"
LOCAL_TARGET: Final = TARGETS_DIR / "local.toml"
PROFILES: Final = ("routify", "openai")
TRIGGERS: Final = ("rate_limit", "internal_error", "upstream_failure", "maintenance")
DEFAULT_RATE_LIMIT_REQUESTS: Final = 30


class TargetError(ValueError):
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
    strict: bool = False
    """Fail every non-strict finding too (the full OpenAI contract); CLI --strict sets it."""

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
        strict: bool | None = None,
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
        if strict is not None:
            target = replace(target, strict=strict)
        return target


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _dotted(path: Any) -> str:
    return ".".join(str(part) for part in path) or "(top level)"


def _describe(error: ValidationError) -> str:
    """'field: problem', naming the missing or unexpected field itself where there is one."""
    where = list(error.absolute_path)
    instance = error.instance if isinstance(error.instance, dict) else {}
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in instance]
        return f"{_dotted([*where, missing[0]])}: required field is missing"
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        extra = [name for name in instance if name not in known]
        allowed = ", ".join(known)
        return f"{_dotted([*where, extra[0]])}: unknown field (allowed here: {allowed})"
    return f"{_dotted(where)}: {error.message}"


def _check_field(value: Any, path: tuple[str, ...], label: str) -> None:
    """Validate one overriding value with the rule of the field it replaces."""
    schema = _validator().schema
    node: dict[str, Any] = schema
    for part in path:
        node = node["properties"][part]
    error = best_match(Draft202012Validator(node).iter_errors(value))
    if error is not None:
        raise TargetError(f"{label}: {error.message}")


def _read_key(value: str, where: str) -> str:
    if not value.startswith("env:"):
        return value
    name = value.removeprefix("env:")
    secret = os.environ.get(name, "")
    if not secret:
        raise TargetError(f"{where}: environment variable {name} is not set")
    return secret


def parse_target(document: dict[str, Any], source: str = "<target>") -> Target:
    """Validate a parsed target document and resolve keys, defaults and triggers."""
    error = best_match(_validator().iter_errors(document))
    if error is not None:
        raise TargetError(f"{source}: {_describe(error)}")
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
        strict=document.get("strict", False),
    )


def load_target(path: str | os.PathLike[str]) -> Target:
    """Read and resolve a target file; any problem is a one-line :class:`TargetError`."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise TargetError(f"{source}: cannot read target file ({error.strerror})") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TargetError(f"{source}: not valid TOML ({error})") from None
    return parse_target(document, source)
