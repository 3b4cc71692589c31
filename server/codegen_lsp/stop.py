"""`GenerationStopped`: how any step ends a generation early, with a message for the user."""

from __future__ import annotations

from lsprotocol import types


class GenerationStopped(Exception):
    """The generation cannot go on; the message is for the user."""

    def __init__(self, message: str, kind: types.MessageType = types.MessageType.Warning):
        super().__init__(message)
        self.kind = kind
