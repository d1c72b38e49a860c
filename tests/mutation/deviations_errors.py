"""Deviations of error responses and authentication."""

from __future__ import annotations

from tests.mutation import transforms as t
from tests.mutation.deviation import Deviation
from tests.mutation.entries import AUTH, ERRORS, deviation

ERROR_DEVIATIONS: tuple[Deviation, ...] = (
    deviation(
        "error-unwrapped",
        "errors",
        "error fields without the error envelope",
        ERRORS,
        ("error.envelope",),
        reply=t.on_error(t.unwrap_error),
    ),
    deviation(
        "error-html",
        "errors",
        "errors as an HTML page",
        ERRORS,
        ("error.envelope", "error.content-type"),
        reply=t.on_error(t.html_error),
    ),
    deviation(
        "error-as-200",
        "errors",
        "errors sent with status 200",
        ERRORS,
        ("error.status",),
        reply=t.on_error(t.error_as_200),
    ),
    deviation(
        "error-without-type",
        "errors",
        "the error object has no type",
        ERRORS,
        ("error.envelope",),
        reply=t.on_error(t.error_without_type),
    ),
    deviation(
        "status-402-as-400",
        "errors",
        "insufficient balance answered 400",
        "402",
        ("error.status",),
        reply=t.on_error(t.remap_status({402: 400})),
    ),
    deviation(
        "status-503-as-500",
        "errors",
        "maintenance answered 500",
        "503",
        ("error.status",),
        reply=t.on_error(t.remap_status({503: 500})),
    ),
    deviation(
        "status-401-as-403",
        "errors",
        "a bad key answered 403",
        AUTH,
        ("error.status",),
        reply=t.on_error(t.remap_status({401: 403})),
    ),
    deviation(
        "status-502-as-500",
        "errors",
        "all upstreams down answered 500",
        "502",
        ("error.status",),
        reply=t.on_error(t.remap_status({502: 500})),
    ),
    # Authentication
    deviation(
        "auth-not-enforced",
        "auth",
        "any key, or none, is accepted",
        AUTH,
        ("error.status",),
        request=t.any_key_accepted,
    ),
)
