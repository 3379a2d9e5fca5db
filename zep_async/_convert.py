"""Moved to ``zep_async._codec``; this name stays until the transport imports from there."""

from ._codec import decode, from_dict, to_dict

__all__ = ["decode", "from_dict", "to_dict"]
