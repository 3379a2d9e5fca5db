"""How LocalZep writes answers: JSON bodies, plain text, dropped and cut connections."""

from __future__ import annotations

import contextlib
import http
import json
from typing import Any, Final

from aiohttp import web

REQUEST_ID_HEADER: Final = "X-Zep-Request-ID"
JSON_TYPE: Final = "application/json"
TEXT_TYPE: Final = "text/plain; charset=utf-8"

#: (status, body, headers) of one answer.
Answer = tuple[int, bytes, dict[str, str]]


def phrase(status: int) -> str:
    """Return the reason phrase of ``status`` ("error" for an unknown one)."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "error"


def dumps(value: Any) -> bytes:
    """Encode a JSON value compactly, as UTF-8."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def ok(value: Any, status: int = 200) -> Answer:
    """A JSON success answer."""
    return status, dumps(value), {"Content-Type": JSON_TYPE}


def message(status: int, text: str) -> Answer:
    """A JSON error answer, ``{"message": text}``."""
    return status, dumps({"message": text}), {"Content-Type": JSON_TYPE}


def plain(status: int, text: str) -> Answer:
    """A text/plain answer (what the Community Edition sends for unknown routes)."""
    return status, text.encode("utf-8"), {"Content-Type": TEXT_TYPE}


async def read_body(request: web.BaseRequest, limit: int) -> bytes | None:
    """Read the whole request body, or return ``None`` once it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def send(request: web.BaseRequest, answer: Answer, request_id: str) -> web.StreamResponse:
    """Write the whole response here, so the connection is idle when this returns."""
    status, body, headers = answer
    response = web.Response(status=status, body=body)
    response.headers[REQUEST_ID_HEADER] = request_id
    response.headers.update(headers)
    with contextlib.suppress(ConnectionError):
        await response.prepare(request)
        await response.write_eof()
    return response


def drop(request: web.BaseRequest) -> web.StreamResponse:
    """Close the connection without a byte of answer."""
    if request.transport is not None:
        request.transport.close()
    return web.Response()  # aiohttp finds the transport closed and writes nothing


def cut(request: web.BaseRequest, answer: Answer, request_id: str) -> web.StreamResponse:
    """Send the status line, headers and half the body, then close."""
    status, body, headers = answer
    lines = [f"HTTP/1.1 {status} {phrase(status)}"]
    headers = {**headers, REQUEST_ID_HEADER: request_id, "Content-Length": str(len(body))}
    lines += [f"{name}: {value}" for name, value in headers.items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    if request.transport is not None:
        request.transport.write(head + body[: len(body) // 2])
    return drop(request)
