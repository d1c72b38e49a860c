"""Target files: the shipped ones validate; a broken one is one line naming the field."""

from __future__ import annotations

import pytest

from routify_suite.paths import TARGETS_DIR
from routify_suite.target import LOCAL_TARGET, TargetError, load_target, parse_target

VALID = {
    "name": "staging",
    "base_url": "https://staging.example/v1",
    "keys": {"valid": "rtf_staging_key"},
    "models": {"default": "deepseek-v3.2"},
}


def test_local_target_validates_and_names_every_trigger() -> None:
    target = load_target(LOCAL_TARGET)
    assert target.profile == "routify"
    assert set(target.triggers) == {
        "rate_limit",
        "internal_error",
        "upstream_failure",
        "maintenance",
    }
    assert target.triggers["internal_error"].key == target.keys["valid"]


def test_openai_example_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_COMPATIBLE_API_KEY", "sk-example")
    target = load_target(TARGETS_DIR / "openai-compatible.example.toml")
    assert target.profile == "openai"
    assert target.keys["valid"] == "sk-example"
    assert target.triggers == {}


def test_strict_from_the_file_or_an_override() -> None:
    assert parse_target(VALID).strict is False
    assert parse_target({**VALID, "strict": True}).strict is True
    assert parse_target(VALID).with_overrides(strict=True).strict is True
    with pytest.raises(TargetError, match="strict"):
        parse_target({**VALID, "strict": "yes"})


def test_defaults_and_env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGING_KEY", "rtf_from_env")
    document = {
        **VALID,
        "keys": {"valid": "env:STAGING_KEY", "suspended": "rtf_s"},
        "triggers": {"rate_limit": {"key": "suspended"}, "maintenance": {"model": "m"}},
    }
    target = parse_target(document)
    assert target.profile == "routify"
    assert target.keys["valid"] == "rtf_from_env"
    assert target.triggers["rate_limit"].key == "rtf_s"
    assert target.triggers["rate_limit"].requests == 30
    assert target.triggers["maintenance"].key == "rtf_from_env"
    assert target.url == "https://staging.example/v1/chat/completions"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("name"), "name: required field is missing"),
        (lambda d: d.update(base_url="staging.example"), "base_url:"),
        (lambda d: d.update(profile="azure"), "profile:"),
        (lambda d: d["keys"].pop("valid"), "keys.valid: required field is missing"),
        (lambda d: d["keys"].update(valid=""), "keys.valid:"),
        (lambda d: d["models"].update(defualt="x"), "models.defualt: unknown field"),
        (
            lambda d: d.update(triggers={"rate_limit": {"requests": 0}}),
            "triggers.rate_limit.requests:",
        ),
        (lambda d: d.update(triggers={"outage": {"model": "x"}}), "triggers.outage: unknown field"),
        (
            lambda d: d.update(keys={"valid": "env:SURELY_UNSET_VARIABLE_1"}),
            "keys.valid: environment variable SURELY_UNSET_VARIABLE_1",
        ),
    ],
)
def test_bad_target_names_the_field(change, field: str) -> None:
    document = {**VALID, "keys": dict(VALID["keys"]), "models": dict(VALID["models"])}
    change(document)
    with pytest.raises(TargetError) as raised:
        parse_target(document, "t.toml")
    message = str(raised.value)
    assert message.startswith(f"t.toml: {field}") or f"t.toml: {field}" in message
    assert "\n" not in message


def test_unreadable_and_not_toml(tmp_path) -> None:
    with pytest.raises(TargetError, match="cannot read target file"):
        load_target(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n")
    with pytest.raises(TargetError, match="not valid TOML"):
        load_target(broken)


def test_overrides() -> None:
    target = load_target(LOCAL_TARGET)
    moved = target.with_overrides(
        base_url="http://127.0.0.1:1234/v1", api_key="rtf_other", profile="openai"
    )
    assert moved.base_url == "http://127.0.0.1:1234/v1"
    assert moved.keys["valid"] == "rtf_other"
    assert moved.triggers["internal_error"].key == "rtf_other"  # followed keys.valid
    assert moved.triggers["rate_limit"].key == target.triggers["rate_limit"].key
    assert moved.profile == "openai"
    with pytest.raises(TargetError, match="--base-url"):
        target.with_overrides(base_url="ftp://x")
    with pytest.raises(TargetError, match="--profile"):
        target.with_overrides(profile="azure")


def test_redactor_masks_every_key() -> None:
    target = load_target(LOCAL_TARGET)
    text = " ".join(target.keys.values()) + " " + target.triggers["rate_limit"].key
    assert "local" not in target.redactor()(text)
