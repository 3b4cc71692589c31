"""Every pygls internal the server relies on (measured on pygls 2.1), behind small functions.

Nothing else in the server reaches past pygls's public API. `INTERNALS` lists each private
attribute used here, and tests/server_unit/test_pygls_compat.py checks every one of them on a real
server, so a pygls upgrade that moves one fails there instead of in a user's editor.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol
from pygls.workspace import Workspace

# (class, attribute) of every pygls internal used below; the canary test checks each exists.
INTERNALS = (
    (JsonRPCProtocol, "_send_data"),  # write one JSON-RPC message as it is, no converter
    (JsonRPCProtocol, "_send_response"),  # answer a request pygls could not structure
    (JsonRPCProtocol, "_request_futures"),  # the requests being handled
    (LanguageServerProtocol, "_workspace"),  # the workspace pygls's handlers edit
    (LanguageServer, "_stop_event"),  # set by pygls's own IO loops to stop them
)


def send_raw(protocol: JsonRPCProtocol, message: dict[str, Any]) -> None:
    """Send a JSON-ready message as it is: lsprotocol's converter takes longer than building it
    for hundreds of diagnostics."""
    protocol._send_data(message)


def answer_with_error(protocol: JsonRPCProtocol, message_id: Any, error: Any) -> None:
    """Answer request `message_id` with a ResponseError."""
    protocol._send_response(message_id, error=error)


def requests_in_flight(protocol: JsonRPCProtocol) -> list[asyncio.Task]:
    """The client's requests still being handled (the server's own requests are plain
    Futures)."""
    # typed by pygls as concurrent futures; the client's requests are asyncio Tasks at run time
    futures: list[Any] = list(protocol._request_futures.values())
    return [future for future in futures if isinstance(future, asyncio.Task)]


def replace_workspace(protocol: LanguageServerProtocol, workspace: Workspace) -> None:
    """Have pygls's document handlers edit `workspace` instead of the one it made."""
    protocol._workspace = workspace


def install_stop_event(server: LanguageServer) -> threading.Event:
    """The event pygls's `shutdown`/`exit` handling sets to stop the server's IO."""
    server._stop_event = stop = threading.Event()
    return stop
