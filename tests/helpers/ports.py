"""Ports on 127.0.0.1 that nobody listens on: an endpoint a test can name but never reach."""

from __future__ import annotations

import socket


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port_url() -> str:
    """A Chat Completions base URL on a closed port: a request to it is refused at once."""
    return f"http://127.0.0.1:{closed_port()}/v1"
