"""Keys never survive redaction, whatever form they appear in."""

from routify_suite.redact import Redactor, mask_key


def test_known_secret_is_masked_everywhere() -> None:
    redact = Redactor(["sk-live-abc123", "rtf_abc"])
    text = redact("key sk-live-abc123 then rtf_abc and again sk-live-abc123")
    assert "abc123" not in text
    assert "rtf_abc" not in text


def test_bearer_credentials_and_routify_keys_are_masked_without_being_told() -> None:
    redact = Redactor()
    text = redact('Authorization: Bearer some-vendor-key, "x": "rtf_live_9f8e7d"')
    assert "some-vendor-key" not in text
    assert "9f8e7d" not in text
    assert "Bearer ***" in text


def test_mask_key_keeps_only_the_kind() -> None:
    assert mask_key("rtf_secret") == "rtf_***"
    assert mask_key("sk-secret") == "***"


def test_a_short_key_is_masked_as_a_whole_token_only() -> None:
    """The key "k" masks "Bearer k" and "key=k", not the k of "known"."""
    redact = Redactor(["k"])
    assert redact("Name or service not known") == "Name or service not known"
    assert redact("key=k; sent k.") == "key=***; sent ***."
