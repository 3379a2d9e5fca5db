"""The codec: JSON bodies to models (``decode``) and arguments to JSON bodies (``encode``).

Resources and the transport import the codec from here only. ``decode_reply`` is
``decode`` for the transport's ``Reply``: it bounds the page and counts against the
call's deadline. With the ``speedups`` extra, bodies are read by msgspec straight into
the models (``_compiled``), with values identical to the standard path's.
"""

from ._convert import from_dict, to_dict
from ._decode import decode, decode_reply, use_compiled
from ._encode import (
    check_classify,
    check_fact_rating_instruction,
    check_messages,
    check_metadata,
)
from ._encode import encode_body as encode
from ._fastpath import json_name
from ._json import use_orjson
from ._rawjson import array_items, body_text, one_line

__all__ = [
    "array_items",
    "body_text",
    "check_classify",
    "check_fact_rating_instruction",
    "check_messages",
    "check_metadata",
    "decode",
    "decode_reply",
    "encode",
    "from_dict",
    "json_name",
    "one_line",
    "to_dict",
    "use_compiled",
    "use_orjson",
]
