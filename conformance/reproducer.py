"""A curl command that sends an exchange's request again, byte for byte, without its key.

Every failing case, fixed or generated, carries one (results.json, the report's case detail, the
terminal summary). The body is the exact bytes the suite sent, single-quoted for a POSIX shell;
a key of the target never appears: the valid key is read from ``$ROUTIFY_API_KEY``, the
target's other keys from ``$ROUTIFY_API_KEY_<NAME>`` (e.g. ``$ROUTIFY_API_KEY_SUSPENDED``).
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Final

from routify_suite.conformance.client import build_request
from routify_suite.conformance.exchange import Exchange
from routify_suite.target import Target

if TYPE_CHECKING:
    from routify_suite.conformance.findings import CaseLog

KEY_VARIABLE: Final = "ROUTIFY_API_KEY"
LEFT_OUT: Final = frozenset({"user-agent", "content-length", "host"})
"""Headers curl sets itself, which no server's verdict depends on."""


def key_variables(target: Target) -> dict[str, str]:
    """Each secret of the target and the shell variable that stands for it."""
    names = {target.keys["valid"]: KEY_VARIABLE}
    for name, key in target.keys.items():
        names.setdefault(key, f"{KEY_VARIABLE}_{name.upper()}")
    for name, trigger in target.triggers.items():
        names.setdefault(trigger.key, f"{KEY_VARIABLE}_{name.upper()}")
    return names


def _header(name: str, value: str, variables: dict[str, str]) -> str:
    """``-H 'name: value'``, or double-quoted with ``$VARIABLE`` where a key was."""
    text = f"{name}: {value}"
    secrets = [secret for secret in variables if secret and secret in text]
    if not secrets:
        return f"-H {shlex.quote(text)}"
    escaped = "".join(f"\\{c}" if c in '"\\$`' else c for c in text)
    for secret in sorted(secrets, key=len, reverse=True):
        escaped = escaped.replace(
            "".join(f"\\{c}" if c in '"\\$`' else c for c in secret), f"${variables[secret]}"
        )
    return f'-H "{escaped}"'


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


def curl_command(exchange: Exchange, url: str, target: Target) -> str:
    """The command that sends ``exchange``'s request to ``url`` again (one line)."""
    _, content = build_request(exchange.request, None, None)
    variables = key_variables(target)
    parts = ["curl", "-sS", "-i"]
    if exchange.wants_stream:
        parts.append("-N")
    parts += ["-X", "POST", shlex.quote(url)]
    for name, value in exchange.sent_headers.items():
        if name.lower() not in LEFT_OUT:
            parts.append(_header(_title(name), value, variables))
    body = content.decode("utf-8", errors="surrogateescape")
    parts += ["--data-binary", shlex.quote(body)]
    command = " ".join(parts)
    if any(secret and secret in command for secret in variables):  # never expected: mask it
        command = target.redactor()(command)
    return command


def case_reproducer(log: CaseLog | None, target: Target | None) -> str:
    """The command that sends a case's failing request again; "" without one."""
    exchange = log.reproduced() if log else None
    if exchange is None or target is None:
        return ""
    return curl_command(exchange, target.url, target)
