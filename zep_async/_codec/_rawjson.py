"""The exact text of JSON values inside a response body, for output that must not change data.

The models turn timestamps into ``datetime`` (``17:56:29.000000318+02:00`` loses
its nanoseconds, ``Z`` becomes ``+00:00``) and a JSON round trip rewrites escapes
and numbers (``\\u003c``, ``1E2``). An export must write what the server sent, so
these functions cut the server's own text out of the body instead. They expect a
body that has already been decoded successfully (``_convert.decode``), so the JSON
is known to be valid; each runs one linear pass.
"""

from __future__ import annotations

import json
import re

__all__ = ["array_items", "body_text", "one_line"]

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
#: A JSON string (kept whole) or a run of whitespace between tokens (dropped).
_TOKEN = re.compile(r'("(?:[^"\\]++|\\.)*+")|[ \t\n\r]++', re.DOTALL)


def body_text(body: bytes) -> str:
    """The body as text, decoded as ``json.loads`` decodes bytes (UTF-8, a BOM skipped)."""
    return body.decode(json.detect_encoding(body), "surrogatepass").removeprefix("\ufeff")


def one_line(text: str) -> str:
    """``text`` (one JSON value) without surrounding whitespace, on one line.

    Whitespace between tokens is dropped only when the value spans lines (a
    pretty-printed answer); otherwise the text is returned as the server wrote it.
    Valid JSON has line breaks nowhere else: inside strings they are escaped.
    """
    text = text.strip(" \t\n\r")
    if "\n" not in text and "\r" not in text:
        return text
    return _TOKEN.sub(lambda match: match.group(1) or "", text)


def array_items(text: str, key: str) -> list[str]:
    """The text of each item of the array under ``key`` of the JSON object ``text``.

    As ``json.loads`` does, the last of repeated keys counts; a missing key or
    ``null`` gives no items.

    Raises:
        ValueError: ``text`` is not a JSON object, or ``key`` holds something
            other than an array or ``null``.
    """
    index = _skip(text, 0)
    if text[index : index + 1] != "{":
        raise ValueError("the body is not a JSON object")
    index = _skip(text, index + 1)
    items: list[str] = []
    if text[index : index + 1] == "}":
        return items
    while True:
        name, index = _DECODER.raw_decode(text, index)
        index = _skip(text, index)
        index = _skip(text, index + 1)  # the colon
        if name == key:
            items, index = _array(text, index, key)
        else:
            _, index = _DECODER.raw_decode(text, index)
        index = _skip(text, index)
        if text[index : index + 1] != ",":
            return items
        index = _skip(text, index + 1)


def _array(text: str, index: int, key: str) -> tuple[list[str], int]:
    """The items' text of the array (or ``null``) at ``index``, and where it ends."""
    if text.startswith("null", index):
        return [], index + 4
    if text[index : index + 1] != "[":
        raise ValueError(f"{key} is not a JSON array")
    index = _skip(text, index + 1)
    items: list[str] = []
    if text[index : index + 1] == "]":
        return items, index + 1
    while True:
        _, end = _DECODER.raw_decode(text, index)
        items.append(one_line(text[index:end]))
        index = _skip(text, end)
        if text[index : index + 1] != ",":
            return items, index + 1  # the closing bracket
        index = _skip(text, index + 1)


def _skip(text: str, index: int) -> int:
    """The index of the next token at or after ``index``."""
    match = _SPACE.match(text, index)
    assert match is not None  # the pattern matches the empty string
    return match.end()
