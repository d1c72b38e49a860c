"""The kind of exchange a case looks at: the columns of the report's check × exchange matrix.

The report's rows are check ids; its columns are what was sent (a plain request, a tool call,
JSON mode, each error condition...). A case's node id says both, so the column is worked out
from it here, once, by the suite that named its cases; the report itself knows no node ids.
JSON and stream variants share a column: the check id (``response.*`` or ``stream.*``) already
tells them apart, and the cell lists both cases.
"""

from __future__ import annotations

import re
from typing import Final

ERROR_COLUMNS: Final = (
    (re.compile(r"^400"), "400 invalid body"),
    (re.compile(r"^401"), "401 bad key"),
    (re.compile(r"^402"), "402 balance"),
    (re.compile(r"^403-suspended"), "403 suspended"),
    (re.compile(r"^403"), "403 tier"),
    (re.compile(r"^404"), "unknown model"),
    (re.compile(r"^500"), "500 internal"),
    (re.compile(r"^502"), "502 upstream"),
    (re.compile(r"^503"), "503 maintenance"),
)

OTHER_TESTS: Final = {
    # test function: (column, the check it runs when it records none, e.g. not exercised)
    "test_max_tokens_caps_completion": ("max-tokens", "params.max-tokens"),
    "test_stop_ends_text": ("stop", "params.stop"),
    "test_forced_tool_call_fits_schema": ("tool-call", "params.tools"),
    "test_tool_choice_none_answers_in_text": ("tool-choice none", "params.tools"),
    "test_json_mode_yields_object": ("json-mode", "params.json-mode"),
    "test_auto_model_answers_with_concrete_model": ("auto-model", "params.auto-model"),
    "test_restricted_tier_key_served_with_allowed_model": ("403 tier", "params.model-tier"),
    "test_rate_limit": ("429 rate limit", "error.status"),
    "test_accepted": ("valid params", "params.accepted"),
    "test_rejected": ("invalid params", "params.rejected"),
    "test_valid": ("generated valid", "params.accepted"),
    "test_invalid": ("generated invalid", "params.rejected"),
    "test_parallel_streams_are_well_formed": ("concurrent", "stream.chunk-schema"),
    "test_parallel_streams_have_unique_ids": ("concurrent", "concurrency.unique-ids"),
    "test_parallel_responses_are_well_formed_with_unique_ids": (
        "concurrent",
        "concurrency.unique-ids",
    ),
}
MATRIX_PARAM: Final = re.compile(r"^(?P<kind>.+)-(?P<check>(?:response|stream)\.[a-z-]+)$")

ORDER: Final = (
    "plain",
    "minimal",
    "multi-turn",
    "include-usage",
    "capped-with-usage",
    "tool-call",
    "tool-choice none",
    "json-mode",
    "auto-model",
    "max-tokens",
    "stop",
    "valid params",
    "invalid params",
    "generated valid",
    "generated invalid",
    *(name for _, name in ERROR_COLUMNS),
    "429 rate limit",
    "concurrent",
    "other",
)
"""Column order: successful exchanges first, then each error condition, then run-wide cases."""


def _error_column(condition: str) -> str:
    for pattern, name in ERROR_COLUMNS:
        if pattern.match(condition):
            return name
    return "other"


def placement(nodeid: str) -> tuple[str, str]:
    """(column, row check) of a case from its node id; the row is the check the case runs
    by design (a case may report findings of other checks as well, e.g. the error envelope)."""
    test, _, rest = nodeid.rpartition("::")[2].partition("[")
    param = rest.removesuffix("]")
    matrix_case = MATRIX_PARAM.match(param)
    if test in ("test_response", "test_stream") and matrix_case:
        return matrix_case["kind"], matrix_case["check"]
    if test in ("test_error_condition", "test_authentication"):
        return _error_column(param.removesuffix("-json").removesuffix("-stream")), "error.status"
    if test == "test_error_shape":
        return _error_column(param), "snapshot.shape"
    if test in ("test_response_shape", "test_stream_shape"):
        return param, "snapshot.shape"
    return OTHER_TESTS.get(test, ("other", "suite.error"))


def column_order(columns: set[str]) -> list[str]:
    """Known columns in their fixed order, then any others alphabetically."""
    known = [c for c in ORDER if c in columns]
    return known + sorted(columns - set(ORDER))
