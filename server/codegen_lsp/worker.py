"""A second event loop on its own thread, so the pipeline's CPU-bound steps never stall the server's
replies."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

Result = TypeVar("Result")


class Worker:
    """Runs coroutines on a private loop; cancelling the awaiting task cancels the coroutine there
    too."""

    def __init__(self, name: str = "codegen-worker"):
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name=self._name, daemon=True)
                thread.start()
                self._loop = loop
            return self._loop

    async def run(self, make: Callable[[], Awaitable[Result]]) -> Result:
        """`await make()` on the worker loop, from any loop."""
        future = asyncio.run_coroutine_threadsafe(_call(make), self._ensure_loop())
        return await asyncio.wrap_future(future)

    def stop(self) -> None:
        with self._lock:
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._loop = None


async def _call(make: Callable[[], Awaitable[Any]]) -> Any:
    return await make()
