"""Keep API keys out of every output: logs, terminal lines, reports and snapshots."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

MASK: Final = "***"
_BEARER: Final = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")
_ROUTIFY_KEY: Final = re.compile(r"\brtf_[A-Za-z0-9_\-]+")


def without_credentials(url: str) -> str:
    """The URL without a ``user:password@`` part, for reports that name a target."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def mask_key(key: str) -> str:
    """A stand-in for a key that says what kind of key it was, but nothing of the key itself."""
    return "rtf_" + MASK if key.startswith("rtf_") else MASK


class Redactor:
    """Replaces known secrets, ``Bearer`` credentials and ``rtf_`` keys in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a key that contains another is replaced whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def add(self, secret: str) -> None:
        if secret and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            # Whole tokens only: the key "k" masks "k" and "Bearer k", not the k of "known".
            edges = rf"(?<![\w-]){re.escape(secret)}(?![\w-])"
            mask = mask_key(secret)
            text = re.sub(edges, lambda _match, mask=mask: mask, text)
        text = _BEARER.sub(lambda match: match.group(1) + MASK, text)
        return _ROUTIFY_KEY.sub("rtf_" + MASK, text)
