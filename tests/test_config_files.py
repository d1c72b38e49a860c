"""The one loader of target, accounts and SLO files: schemas, structured violations, one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from routify_suite.config_files import (
    ConfigFileError,
    FileViolation,
    load_file,
    parse_document,
    violations,
)
from routify_suite.paths import FIXTURES_DIR

SHIPPED = [
    *(("target", path) for path in sorted((FIXTURES_DIR / "targets").glob("*.toml"))),
    *(("accounts", path) for path in sorted((FIXTURES_DIR / "accounts").glob("*.toml"))),
    *(("slo", path) for path in sorted((FIXTURES_DIR / "slo").glob("*.toml"))),
]


@pytest.mark.parametrize(("kind", "path"), SHIPPED, ids=[p.name for _, p in SHIPPED])
def test_shipped_files_fit_their_schema(kind: str, path: Path) -> None:
    assert load_file(path, kind)  # type: ignore[arg-type]


def test_a_typo_is_an_unknown_field_not_a_default() -> None:
    document = {"accounts": [{"key": "rtf_local_x", "balance_usd": 1, "teir": "pro"}]}
    [violation] = violations(document, "accounts")
    assert violation == FileViolation(
        path="accounts[0].teir",
        validator="additionalProperties",
        value="pro",
        problem="unknown field (allowed here: key, name, balance_usd, tier, status, rate_limit)",
    )


@pytest.mark.parametrize(
    ("kind", "document", "path", "validator", "value"),
    [
        ("target", {"base_url": "http://127.0.0.1/v1"}, "name", "required", None),
        ("accounts", {"accounts": [{"key": "rtf_abcd", "balance_usd": -1}]},
         "accounts[0].balance_usd", "oneOf", -1),
        ("accounts", {"accounts": [{"key": "rtf_abcd", "balance_usd": 1, "tier": "gold"}]},
         "accounts[0].tier", "enum", "gold"),
        ("slo", {"slo": {"ttft_ms.p95": {"max": "800"}}}, "slo['ttft_ms.p95'].max", "type", "800"),
    ],
)  # fmt: skip
def test_violations_are_structured(
    kind: str, document: dict, path: str, validator: str, value: object
) -> None:
    first = violations(document, kind)[0]  # type: ignore[arg-type]
    assert (first.path, first.validator, first.value) == (path, validator, value)


def test_errors_are_one_line_in_the_callers_class(tmp_path: Path) -> None:
    class MyError(ConfigFileError):
        pass

    broken = tmp_path / "slo.toml"
    broken.write_text("[slo\n", encoding="utf-8")
    with pytest.raises(MyError) as raised:
        load_file(broken, "slo", MyError)
    assert str(raised.value).startswith(f"{broken}: not valid TOML")
    assert "\n" not in str(raised.value)
    with pytest.raises(MyError, match="cannot read slo file"):
        load_file(tmp_path / "absent.toml", "slo", MyError)
    with pytest.raises(MyError, match=r"^t\.toml: slo: required field is missing$"):
        parse_document({}, "slo", "t.toml", MyError)
