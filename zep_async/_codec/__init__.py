"""The codec: JSON bodies to models (``decode``) and arguments to JSON bodies (``encode``).

Resources and the transport import the codec from here only.
"""

from .._convert import decode, from_dict, to_dict
from .._encode import (
    check_classify,
    check_fact_rating_instruction,
    check_messages,
    check_metadata,
)
from .._encode import encode_body as encode
from .._rawjson import array_items, body_text, one_line

__all__ = [
    "array_items",
    "body_text",
    "check_classify",
    "check_fact_rating_instruction",
    "check_messages",
    "check_metadata",
    "decode",
    "encode",
    "from_dict",
    "one_line",
    "to_dict",
]
