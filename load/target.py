"""The three things a load run needs from a target file: base URL, valid key, default model.

The target format and its loader live in the core (:func:`routify_suite.target.load_target`:
schema-validated, ``env:NAME`` keys, one-line errors naming the field); this module only picks
the fields a load run uses out of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from routify_suite.target import TargetError, load_target, read_key

__all__ = ["LoadTarget", "TargetError", "read_key", "read_target"]


@dataclass(frozen=True, slots=True)
class LoadTarget:
    base_url: str
    api_key: str
    model: str
    name: str = ""


def read_target(path: Path) -> LoadTarget:
    """Read a target file; a bad one raises :class:`TargetError` with a one-line message."""
    target = load_target(path)
    key, model = target.key("valid"), target.model("default")
    if not key or not model:  # the target schema requires both; say so if a file slips through
        raise TargetError(f"{path}: keys.valid and models.default are required")
    return LoadTarget(target.base_url, key, model, target.name)
