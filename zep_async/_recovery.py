"""Writes that recover themselves: resent after an ambiguous failure, applied once.

A write whose outcome the resource can confirm is sent with ``Resend.RECOVERABLE``,
so the transport resends it after a failure that may have applied it (a 5xx, a
timeout, a connection lost after sending). What makes the resend safe:

- a create carries its natural key (``session_id``, ``user_id``): a resend that meets
  "already exists" after such a failure met this call's own first attempt, so the
  object is read back and returned;
- ``memory.add`` gives every message a uuid before the first attempt (the caller's
  own are kept) and sends the same uuids on every resend: the server refuses to
  store a uuid twice, so a refused resend is confirmed by reading each message back;
- a metadata merge (``update_session``, ``update_message_metadata``, ``user.update``)
  sent twice leaves what it left once (docs/retries.md#recovered-writes).

``recover_writes=False`` (per call, else the client's) turns all of it off.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from ._codec import encode
from ._hooks import RecoveryEvent, emit
from ._raw import RECORDER
from ._reply import Reply, Resend
from ._uuids import with_unique_uuids
from ._validate import id_segment
from .errors import AlreadyExistsError, ClientClosedError, NotFoundError, ZepError
from .models import AddMemoryResponse, Message

if TYPE_CHECKING:
    from ._options import CheckedOptions
    from ._transport import Transport

__all__ = [
    "Caller",
    "add_messages",
    "create",
    "recovery_on",
    "session_differs",
    "update",
    "user_differs",
]

T = TypeVar("T")

log = logging.getLogger("zep_async")

#: Clients whose server was seen to drop client-set message uuids: their ``memory.add``
#: is no longer resent after an ambiguous failure (a resend could store it twice).
_UUIDS_DROPPED: weakref.WeakSet[Transport] = weakref.WeakSet()


class Caller(Protocol):
    """What a resource offers here: its transport and its one call helper (``Resource``)."""

    _transport: Transport

    async def _call(
        self,
        method: str,
        path: str,
        cls: type[T],
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: CheckedOptions | None = None,
        resend: Resend | None = None,
        reply_to: list[Reply] | None = None,
    ) -> T: ...


def recovery_on(transport: Transport, options: CheckedOptions | None) -> bool:
    """Whether this call's writes recover: ``request_options``, else the client's switch."""
    if options and "recover_writes" in options:
        return options["recover_writes"]
    return bool(transport._config.recover_writes)


def _recovered(
    transport: Transport,
    method: str,
    url: str,
    attempts: int,
    *,
    read_back: bool,
    confirmed: bool = True,
) -> None:
    """Tell the raw response, the hooks and the log that this write was recovered."""
    recorder = RECORDER.get()
    if recorder is not None:
        recorder.recovered, recorder.read_back, recorder.attempts = True, read_back, attempts
    hooks = transport._config.hooks
    if hooks is not None and hooks.on_recovery is not None:
        event = RecoveryEvent(
            method=method, url=url, attempts=attempts, read_back=read_back, confirmed=confirmed
        )
        emit(hooks.on_recovery, event)
    how = "read back after its resend met it" if read_back else "resent"
    log.info("recovered %s %s (%s; %d attempts)", method, url, how, attempts)


def _own_write_met(error: AlreadyExistsError, recover: bool) -> bool:
    """Whether "already exists" answered a resend after an attempt that may have applied it."""
    return recover and error.may_have_been_applied and error.attempts > 1


def _note(error: ZepError, text: str) -> None:
    error.message = f"{error.message}; {text}"
    error.args = (error.message,)


def _closed_under(failure: ZepError) -> None:
    """Raise ``failure`` if the client was closed under a read-back: what ``aclose`` promises.

    The write before it may have been applied, and the error says so.
    """
    if isinstance(failure, ClientClosedError):
        failure.may_have_been_applied = True
        raise failure


def _deadline(transport: Transport, options: CheckedOptions | None) -> float | None:
    """When a call starting now with ``options`` must end, on the transport's clock."""
    budget = transport.total_timeout(options)
    return None if budget is None else transport.clock() + budget


def _left(
    transport: Transport, options: CheckedOptions | None, deadline: float | None
) -> tuple[bool, CheckedOptions | None]:
    """Whether time is left of the write's ``total_timeout``, and the options of a read-back.

    The read-back is part of the call: it gets what is left of the budget, not a new one.
    """
    if deadline is None:
        return True, options
    left = deadline - transport.clock()
    if left <= 0:
        return False, options
    return True, cast("CheckedOptions", {**(options or {}), "total_timeout_in_seconds": left})


def _out_of_time(transport: Transport, options: CheckedOptions | None) -> str:
    return (
        f"total_timeout={transport.total_timeout(options):g} s ran out before it could "
        "be read back to confirm it"
    )


async def create(
    resource: Caller,
    path: str,
    body: bytes,
    cls: type[T],
    options: CheckedOptions | None,
    *,
    read_path: str,
    differs: Callable[[T], str | None],
) -> T:
    """POST a create keyed by the caller's own id; recover it as the module says.

    ``read_path`` is the created object's GET path; ``differs`` says how a read-back
    object differs from what this call sent (``None``: it does not), which proves
    that another writer made it.

    Raises:
        AlreadyExistsError: The first attempt met an existing object (someone
            else's), or the read-back object is not this call's, or reading it
            back failed (``may_have_been_applied`` is then ``True``).
    """
    transport = resource._transport
    recover = recovery_on(transport, options)
    resend = Resend.RECOVERABLE if recover else Resend.IF_UNSENT
    replies: list[Reply] = []
    deadline = _deadline(transport, options)
    try:
        model = await resource._call(
            "POST", path, cls, body=body, options=options, resend=resend, reply_to=replies
        )
    except AlreadyExistsError as error:
        if not _own_write_met(error, recover):
            raise
        in_time, read_options = _left(transport, options, deadline)
        if not in_time:
            _note(error, _out_of_time(transport, options))
            raise
        try:
            read = await resource._call("GET", read_path, cls, options=read_options)
        except ZepError as failure:
            _closed_under(failure)
            _note(error, f"reading it back to confirm it failed too: {failure}")
            raise error from failure
        other = differs(read)
        if other is not None:
            _note(
                error,
                f"the one that exists is not this call's ({other}): another writer "
                "created it between this call's attempts",
            )
            raise
        _recovered(resource._transport, "POST", error.url or path, error.attempts, read_back=True)
        return read
    _note_resent(resource._transport, replies[0])
    return model


def _note_resent(transport: Transport, reply: Reply) -> bool:
    """Report a success after a resend that followed a possibly applied attempt; say if so."""
    if reply.attempts > 1 and reply.may_have_been_applied:
        _recovered(transport, reply.method, reply.url, reply.attempts, read_back=False)
        return True
    return False


def _differs(sent: Mapping[str, str | None]) -> Callable[[Any], str | None]:
    """How a read-back object's fields differ from the ones this call sent, or ``None``."""

    def differs(read: Any) -> str | None:
        for name, value in sent.items():
            if value is not None and getattr(read, name, None) != value:
                return f"its {name} is {getattr(read, name, None)!r}, not {value!r}"
        return None

    return differs


def _message_differs(sent: Message) -> Callable[[Any], str | None]:
    """How a message read back differs from the one this call sent under its uuid."""
    return _differs({"role_type": sent.role_type, "role": sent.role, "content": sent.content})


def session_differs(user_id: str | None) -> Callable[[Any], str | None]:
    """``create``'s ``differs`` for a session created with ``user_id``."""
    return _differs({"user_id": user_id})


def user_differs(
    email: str | None, first_name: str | None, last_name: str | None
) -> Callable[[Any], str | None]:
    """``create``'s ``differs`` for a user created with these fields."""
    return _differs({"email": email, "first_name": first_name, "last_name": last_name})


async def update(
    resource: Caller, path: str, body: bytes, cls: type[T], options: CheckedOptions | None
) -> T:
    """PATCH a metadata merge, resent after an ambiguous failure unless recovery is off."""
    recover = recovery_on(resource._transport, options)
    resend = Resend.RECOVERABLE if recover else Resend.IF_UNSENT
    replies: list[Reply] = []
    model = await resource._call(
        "PATCH", path, cls, body=body, options=options, resend=resend, reply_to=replies
    )
    _note_resent(resource._transport, replies[0])
    return model


async def add_messages(
    resource: Caller,
    session_path: str,
    messages: Sequence[Message],
    fields: Mapping[str, Any],
    options: CheckedOptions | None,
) -> AddMemoryResponse:
    """POST messages to ``session_path + "/memory"``, each with a uuid, recovered as said above.

    ``fields`` are the body's other keys. A recovered call that met its own first
    attempt returns an empty ``AddMemoryResponse`` (no ``context``).

    Raises:
        ValueError: Two messages share a uuid, before anything is sent.
        AlreadyExistsError: A uuid was stored before this call, or a refused resend
            could not be confirmed (``may_have_been_applied`` is then ``True``).
    """
    transport = resource._transport
    recover = recovery_on(transport, options) and transport not in _UUIDS_DROPPED
    sent = with_unique_uuids(messages, assign=recover)
    body = encode({"messages": sent, **fields})
    resend = Resend.RECOVERABLE if recover else Resend.IF_UNSENT
    path = session_path + "/memory"
    replies: list[Reply] = []
    deadline = _deadline(transport, options)
    try:
        result = await resource._call(
            "POST",
            path,
            AddMemoryResponse,
            body=body,
            options=options,
            resend=resend,
            reply_to=replies,
        )
    except AlreadyExistsError as error:
        if not _own_write_met(error, recover):
            raise
        await _confirm_stored(resource, session_path, sent, options, deadline, error)
        _recovered(transport, "POST", error.url or path, error.attempts, read_back=True)
        return AddMemoryResponse()
    reply = replies[0]
    if recover and reply.attempts > 1 and reply.may_have_been_applied:
        kept = await _uuid_kept(resource, session_path, sent[0].uuid, options, deadline)
        if not kept:
            _UUIDS_DROPPED.add(transport)
            log.warning(
                "POST %s was resent after a failure that may have stored it, and the server "
                "did not keep the message uuids the SDK set: the messages may now be stored "
                "twice; this client no longer resends memory.add after such a failure",
                reply.url,
            )
        _recovered(transport, "POST", reply.url, reply.attempts, read_back=False, confirmed=kept)
    return result


async def _confirm_stored(
    resource: Caller,
    session_path: str,
    sent: Sequence[Message],
    options: CheckedOptions | None,
    deadline: float | None,
    error: AlreadyExistsError,
) -> None:
    """Read every message ``sent`` back from the session, or raise ``error`` saying why.

    Every one is read: the contract does not promise that one call's messages are
    stored together. One stored under its uuid with another role or content is an
    earlier call's (a uuid the caller reused), not this call's.
    """
    missing: list[str] = []
    transport = resource._transport
    for message in sent:
        message_uuid = str(message.uuid)
        path = f"{session_path}/messages/{id_segment('message_uuid', message_uuid)}"
        in_time, read_options = _left(transport, options, deadline)
        if not in_time:
            _note(error, _out_of_time(transport, options))
            raise error
        try:
            read = await resource._call("GET", path, Message, options=read_options)
        except NotFoundError:
            missing.append(message_uuid)
            continue
        except ZepError as failure:
            _closed_under(failure)
            _note(error, f"reading the messages back to confirm them failed too: {failure}")
            raise error from failure
        other = _message_differs(message)(read)
        if other is not None:
            _note(error, f"the message {message_uuid} stored is not this call's ({other})")
            raise error
    if missing:
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        _note(
            error,
            f"{len(missing)} of the call's {len(sent)} messages are not in the session "
            f"({shown}): a uuid refused was stored by another call",
        )
        raise error


async def _uuid_kept(
    resource: Caller,
    session_path: str,
    message_uuid: str | None,
    options: CheckedOptions | None,
    deadline: float | None,
) -> bool:
    """Whether the session holds the message with this uuid (``True`` if it cannot be told,
    e.g. no time is left of the call's ``total_timeout``)."""
    in_time, read_options = _left(resource._transport, options, deadline)
    if not message_uuid or not in_time:
        return True
    try:
        path = f"{session_path}/messages/{id_segment('message_uuid', message_uuid)}"
        token = RECORDER.set(None)  # a raw response shows the write's own answer
        try:
            await resource._call("GET", path, Message, options=read_options)
        finally:
            RECORDER.reset(token)
    except NotFoundError:
        return False
    except ZepError as failure:  # the write itself succeeded: do not fail it over this
        log.info("could not confirm the uuid %s was kept: %s", message_uuid, failure)
    return True
