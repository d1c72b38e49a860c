"""One loader for the suite's three TOML formats: target, accounts and SLO files.

Each format has a JSON Schema in ``schemas/files/`` (unknown keys are rejected there, so a typo such
as ``teir`` is an error rather than a silent default). Every problem, from an unreadable file to a
value out of range, becomes one line of the form ``file: dotted.path: problem``, raised as the
caller's own error class, so the CLI can print it and exit 2 without a traceback.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from routify_suite.paths import SCHEMAS_DIR

FileKind = Literal["target", "accounts", "slo"]
FILE_SCHEMAS_DIR: Final = SCHEMAS_DIR / "files"


class ConfigFileError(ValueError):
    """A file (or an option overriding one of its fields) that cannot be used; one line."""


@dataclass(frozen=True, slots=True)
class FileViolation:
    """One schema violation of a file, as structured fields rather than jsonschema's prose."""

    path: str
    """Dotted path of the offending field, e.g. ``accounts[0].tier`` (``(top level)`` for root)."""
    validator: str
    """The JSON Schema keyword that failed: ``required``, ``additionalProperties``, ``enum``..."""
    value: Any
    """The offending value (``None`` for a missing field)."""
    problem: str
    """What is wrong, for a person."""

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


@cache
def file_schema(kind: FileKind) -> dict[str, Any]:
    """The parsed schema ``schemas/files/<kind>.json``."""
    return json.loads((FILE_SCHEMAS_DIR / f"{kind}.json").read_text(encoding="utf-8"))


@cache
def _validator(kind: FileKind) -> Draft202012Validator:
    return Draft202012Validator(file_schema(kind))


def dotted(json_path: str) -> str:
    """``$.accounts[0].tier`` -> ``accounts[0].tier``; the root is ``(top level)``."""
    return json_path.removeprefix("$").removeprefix(".") or "(top level)"


def _join(path: str, name: str) -> str:
    return name if path == "(top level)" else f"{path}.{name}"


def _violation(error: ValidationError) -> FileViolation:
    """Name the missing or unexpected field itself where there is one."""
    where = dotted(error.json_path)
    instance = error.instance if isinstance(error.instance, dict) else {}
    if error.validator == "required":
        missing = next(name for name in error.validator_value if name not in instance)
        return FileViolation(_join(where, missing), "required", None, "required field is missing")
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        extra = next(name for name in instance if name not in known)
        allowed = ", ".join(known) or "nothing"
        return FileViolation(
            _join(where, extra),
            "additionalProperties",
            instance[extra],
            f"unknown field (allowed here: {allowed})",
        )
    problem = error.schema.get("errorMessage") or error.message
    return FileViolation(where, str(error.validator), error.instance, problem)


def violations(document: Any, kind: FileKind) -> list[FileViolation]:
    """Every way ``document`` breaks its format's schema, shallowest first."""
    errors = sorted(_validator(kind).iter_errors(document), key=lambda e: (len(e.path), e.path))
    return [_violation(error) for error in errors]


def subschema(kind: FileKind, *path: str) -> dict[str, Any]:
    """The schema of one field, to check a command-line value that overrides it."""
    node = file_schema(kind)
    for part in path:
        node = node["properties"][part]
    return node


def check_value(value: Any, kind: FileKind, path: tuple[str, ...]) -> str | None:
    """The problem of ``value`` as the field at ``path`` (None when it fits)."""
    # The field's own "$ref"s (e.g. #/$defs/model) resolve against the whole file's schema.
    field_schema = {"$defs": file_schema(kind).get("$defs", {}), **subschema(kind, *path)}
    for error in Draft202012Validator(field_schema).iter_errors(value):
        return error.schema.get("errorMessage") or error.message
    return None


def parse_document(
    document: Any,
    kind: FileKind,
    source: str,
    error: type[ConfigFileError] = ConfigFileError,
) -> dict[str, Any]:
    """``document`` checked against its schema; the first violation raised as one line."""
    found = violations(document, kind)
    if found:
        raise error(f"{source}: {found[0]}")
    return document


def load_file(
    path: str | Path,
    kind: FileKind,
    error: type[ConfigFileError] = ConfigFileError,
) -> dict[str, Any]:
    """Read, parse and check a TOML file of the given kind; any problem is one line."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as problem:
        raise error(f"{source}: cannot read {kind} file ({problem.strerror or problem})") from None
    except UnicodeDecodeError:
        raise error(f"{source}: not a UTF-8 text file") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{source}: not valid TOML ({problem})") from None
    return parse_document(document, kind, source, error)
