"""A logging handler that also sends the server's log records to the client as window/logMessage."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:  # the server imports this module
    from pygls.lsp.server import LanguageServer

_LEVELS = {
    logging.ERROR: types.MessageType.Error,
    logging.WARNING: types.MessageType.Warning,
    logging.INFO: types.MessageType.Info,
}


class ClientLogHandler(logging.Handler):
    """Forwards records once the client is connected; records from other threads go through the
    loop."""

    def __init__(self, server: LanguageServer, level: int = logging.INFO):
        super().__init__(level)
        self.server = server
        self.loop: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.loop is None or self.loop.is_closed():
            return
        try:
            message = self.format(record)
        except Exception:
            return
        kind = _LEVELS.get(
            record.levelno,
            types.MessageType.Log if record.levelno < logging.INFO else types.MessageType.Error,
        )
        params = types.LogMessageParams(type=kind, message=message)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self._send(params)
        else:
            self.loop.call_soon_threadsafe(self._send, params)

    def _send(self, params: types.LogMessageParams) -> None:
        try:
            self.server.window_log_message(params)
        except Exception:  # never let logging take the server down
            pass
