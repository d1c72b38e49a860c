"""The three things a load run needs from a target file: base URL, valid key, default model.

The conformance suite owns the target format and its loader (:func:`conformance.target.
load_target`: schema-validated, ``env:NAME`` keys, one-line errors); this module picks the fields
out of it. Should that loader be absent from an installation, the fields are read directly.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    from conformance.target import TargetError, load_target
except ImportError:  # pragma: no cover - only without the conformance package
    load_target = None  # type: ignore[assignment]

    class TargetError(ValueError):  # type: ignore[no-redef]
        """A target file that cannot be used; one line."""


@dataclass(frozen=True, slots=True)
class LoadTarget:
    base_url: str
    api_key: str
    model: str
    name: str = ""


def read_target(path: Path) -> LoadTarget:
    """Read a target file; a bad one raises :class:`TargetError` with a one-line message."""
    if load_target is None:
        return _read_directly(path)
    target = load_target(path)
    key, model = target.key("valid"), target.model("default")
    if not key or not model:
        raise TargetError(f"{path}: keys.valid and models.default are required")
    return LoadTarget(target.base_url, key, model, target.name)


def _read_directly(path: Path) -> LoadTarget:
    try:
        document: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TargetError(f"{path}: cannot read target file ({error})") from None
    fields = {
        "base_url": document.get("base_url"),
        "keys.valid": (document.get("keys") or {}).get("valid"),
        "models.default": (document.get("models") or {}).get("default"),
    }
    for name, value in fields.items():
        if not isinstance(value, str) or not value:
            raise TargetError(f"{path}: {name} is required (a non-empty string)")
    key = fields["keys.valid"]
    if key.startswith("env:"):
        key = os.environ.get(key.removeprefix("env:"), "")
        if not key:
            raise TargetError(f"{path}: keys.valid: environment variable is not set")
    return LoadTarget(fields["base_url"], key, fields["models.default"], document.get("name", ""))
