"""Reading one streamed reply: its pieces as they arrive (capped), a whole JSON body answered
instead, and a stream that stopped early told apart from a finished one."""

from __future__ import annotations

import importlib
import inspect
import json
import time
from typing import Any, cast

from ..errors import ModelReplyError
from ..progress import TokenCallback
from . import structured_output as so
from .concurrency import StreamCut
from .structured_output import Reply


class ReceivedReply:
    """A streamed reply so far: its text (capped, so an endless reply stops early) and progress
    reports."""

    def __init__(self, on_tokens: TokenCallback | None):
        self._on_tokens = on_tokens
        self._started = time.monotonic()
        self._parts: list[str] = []
        self._refusal: list[str] = []
        self.chunks = 0
        self.pieces = 0
        self.characters = 0
        self.finish_reason: str | None = None

    @property
    def content(self) -> str:
        return "".join(self._parts)

    @property
    def refusal(self) -> str:
        return "".join(self._refusal)

    def add_choice(self, choice: Any, step: str) -> None:
        """One choice of a chunk (`delta`), or of a whole chat completion (`message`)."""
        delta = getattr(choice, "delta", None) or getattr(choice, "message", None)
        text = getattr(delta, "content", None) or ""
        refusal = getattr(delta, "refusal", None) or ""
        if choice.finish_reason:
            self.finish_reason = choice.finish_reason
        if not (text or refusal):
            return
        (self._parts if text else self._refusal).append(text or refusal)
        self.pieces += 1
        self.characters += len(text) + len(refusal)
        # Room for JSON escapes and the wrapping object
        if self.characters > 2 * so.MAX_CODE_BYTES + 10_000:
            raise so.reply_too_big(self.characters, step)
        if self._on_tokens is not None:
            self._on_tokens(step, self.pieces, time.monotonic() - self._started)


async def read_stream(stream: Any, received: ReceivedReply, step: str) -> None:
    """Every chunk of `stream` into `received`; a dropped connection is a StreamCut, and a server
    that answered with one chat.completion body (some proxies do) is read from that body."""
    import openai

    timeouts, transport_errors = _transport_errors()
    dropped: tuple[type[Exception], ...] = (openai.APIConnectionError, *transport_errors)
    try:
        async for chunk in stream:
            received.chunks += 1
            for choice in chunk.choices:
                received.add_choice(choice, step)
    except openai.APITimeoutError:
        raise
    except timeouts as error:
        raise openai.APITimeoutError(request=cast(Any, error).request) from None
    except dropped as error:
        cause = error.__cause__ or error
        raise StreamCut(f"the connection closed mid-reply: {cause}") from None
    finally:
        await _close(stream)
    if received.chunks == 0:
        _read_whole_body(stream, received, step)


def _transport_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """The timeout and transport error classes of the HTTP library the SDK reads streams with:
    httpx up to openai 2, httpx2 after. Newer SDKs wrap them in APIConnectionError, older ones
    let them through."""
    timeouts: list[type[Exception]] = []
    transport: list[type[Exception]] = []
    for name in ("httpx", "httpx2"):
        try:
            library = importlib.import_module(name)
        except ImportError:
            continue
        timeouts.append(library.TimeoutException)
        transport.append(library.TransportError)
    return tuple(timeouts), tuple(transport)


async def _close(stream: Any) -> None:
    """Release the connection, also of a reply stopped half-way: weave's stream wrapper only
    finishes its trace on close(), so the SDK stream's response is closed too."""
    closing = stream.close() if hasattr(stream, "close") else None
    if inspect.isawaitable(closing):
        await closing
    response = getattr(stream, "response", None)
    if response is not None:
        await response.aclose()


def _read_whole_body(stream: Any, received: ReceivedReply, step: str) -> None:
    """A streamed request answered with one JSON chat completion: the SDK finds no events in it,
    but the body (read already by the response hook, which checked it is a JSON object) is the
    reply."""
    response = getattr(stream, "response", None)
    if response is None or "json" not in response.headers.get("content-type", ""):
        return
    from openai.types.chat import ChatCompletion

    try:
        completion = ChatCompletion.model_validate(json.loads(response.text))
    except ValueError:
        return  # not a completion: the reply stays empty, and is reported as such
    for choice in completion.choices:
        received.add_choice(choice, step)


def finished_reply(
    response_model: type[Reply], received: ReceivedReply, *, mode: str, step: str
) -> Reply:
    """The validated reply of a stream that ended; one that ended without a finish reason and
    without a whole reply is a StreamCut."""
    try:
        return so.read_reply(response_model, received.content, mode=mode, step=step)
    except ModelReplyError:
        if received.finish_reason is None:
            raise StreamCut("the stream ended without a finish reason") from None
        raise
