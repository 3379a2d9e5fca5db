"""Moved to ``zep_async._codec``; this name stays until the command line imports from there."""

from ._codec import check_messages
from ._codec import encode as encode_body

__all__ = ["check_messages", "encode_body"]
