"""Per-call options, spelled as the official SDK spells them so migrating code keeps working."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from . import _validate

__all__ = ["RequestOptions"]


class RequestOptions(TypedDict, total=False):
    """Options for one call; each key overrides the client's setting for that call only.

    Keys:
        timeout_in_seconds: Time limit of each attempt.
        total_timeout_in_seconds: Time limit of the whole call, retries and waits included.
        connect_timeout_in_seconds: Time limit of getting a connection in each attempt
            (a free pool slot, DNS, TCP and TLS set-up); when it runs out the request was
            not sent, so even a write is retried.
        max_retries: Retries after the first attempt; ``0`` means exactly one attempt.
        additional_headers: Extra headers; they win over the client's headers and the
            SDK's own (``Authorization`` included), names compared case-insensitively.
        additional_query_parameters: Extra query parameters; they win over the call's own.
        retry_writes: ``True`` to let a POST or PATCH be resent after a failure that
            may have applied it (a 5xx, a timeout, a lost connection), accepting
            duplicates; ``False`` to forbid it even if the client allows it. Without
            it the client's ``retry_writes`` holds. Reads are unaffected.
        recover_writes: ``False`` to send a write the SDK confirms itself (one with a
            natural key or client-set uuids, read back after "already exists") again
            only when it provably was not sent, as any other write; ``True`` (the
            client's default) to resend it after an ambiguous failure too.
    """

    timeout_in_seconds: float
    total_timeout_in_seconds: float
    connect_timeout_in_seconds: float
    max_retries: int
    additional_headers: Mapping[str, str]
    additional_query_parameters: Mapping[str, str | int | float | bool]
    retry_writes: bool
    recover_writes: bool


_KNOWN = frozenset(RequestOptions.__annotations__)


class CheckedOptions(TypedDict, total=False):
    """``RequestOptions`` after validation, in plain types."""

    timeout_in_seconds: float
    total_timeout_in_seconds: float
    connect_timeout_in_seconds: float
    max_retries: int
    additional_headers: dict[str, str]
    additional_query_parameters: dict[str, str]
    retry_writes: bool
    recover_writes: bool


def check_request_options(options: object) -> CheckedOptions:
    """Validate ``request_options`` before anything is sent.

    Raises:
        TypeError: Not a mapping, an unknown key, or a value of the wrong type.
        ValueError: A value out of range.
    """
    if not isinstance(options, Mapping):
        raise TypeError(f"request_options must be a dict, not {_validate.type_name(options)}")
    unknown = sorted(_validate.show_text(key) for key in options if key not in _KNOWN)
    if unknown:
        raise TypeError(
            f"request_options has unknown key(s) {', '.join(unknown)}; "
            f"known keys are {', '.join(sorted(_KNOWN))}"
        )
    checked: CheckedOptions = {}
    if "timeout_in_seconds" in options:
        checked["timeout_in_seconds"] = _validate.check_seconds(
            "request_options['timeout_in_seconds']", options["timeout_in_seconds"]
        )
    if "total_timeout_in_seconds" in options:
        checked["total_timeout_in_seconds"] = _validate.check_seconds(
            "request_options['total_timeout_in_seconds']", options["total_timeout_in_seconds"]
        )
    if "connect_timeout_in_seconds" in options:
        checked["connect_timeout_in_seconds"] = _validate.check_seconds(
            "request_options['connect_timeout_in_seconds']", options["connect_timeout_in_seconds"]
        )
    if "max_retries" in options:
        checked["max_retries"] = _validate.check_int(
            "request_options['max_retries']", options["max_retries"], minimum=0
        )
    if "additional_headers" in options:
        checked["additional_headers"] = _validate.check_headers(
            "request_options['additional_headers']", options["additional_headers"]
        )
    if "additional_query_parameters" in options:
        checked["additional_query_parameters"] = _validate.check_query(
            "request_options['additional_query_parameters']",
            options["additional_query_parameters"],
        )
    if "retry_writes" in options:
        checked["retry_writes"] = _validate.check_bool(
            "request_options['retry_writes']", options["retry_writes"]
        )
    if "recover_writes" in options:
        checked["recover_writes"] = _validate.check_bool(
            "request_options['recover_writes']", options["recover_writes"]
        )
    return checked
