"""Whether an endpoint takes requests side by side, learned from cut streams, and the gate that
sends them one at a time once it does not."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

log = logging.getLogger(__name__)

AUTO, PARALLEL, SERIAL = "auto", "parallel", "serial"


class StreamCut(Exception):
    """A streamed reply that ended without a finish reason (the server stopped it, or the
    connection closed): not a reply, and worth one more try."""

    def __init__(self, how: str):
        super().__init__(how)
        self.how = how


@dataclass
class _InFlight:
    overlapped: bool = False  # another request was in flight at some point during this one


class RequestGate:
    """One per endpoint and session (a ModelClient), like the structured-output mode.

    `auto`: requests go side by side until a stream is cut while another request was in flight:
    then the endpoint is taken to serve one request at a time (llama-cpp-python's server stops a
    reply when a second request arrives), and every later request waits for the one before it.
    `serial` starts there; `parallel` never goes there.
    """

    def __init__(self, setting: str):
        self.setting = setting
        self.serial = setting == SERIAL
        self.learned = False  # serial because a cut showed it, not because the setting said so
        self._in_flight: list[_InFlight] = []
        self._changed: asyncio.Condition | None = None  # made on the loop that first uses it

    @contextlib.asynccontextmanager
    async def slot(self, endpoint: str) -> AsyncIterator[None]:
        """Hold a place for one request: at once, or (serial) once nothing else is in flight.

        A StreamCut raised inside, while another request overlapped this one, teaches `auto` that
        the endpoint serves one request at a time.
        """
        changed = self._condition()
        request = _InFlight()
        async with changed:
            await changed.wait_for(lambda: not (self.serial and self._in_flight))
            for other in self._in_flight:
                other.overlapped = request.overlapped = True
            self._in_flight.append(request)
        try:
            yield
        except StreamCut:
            if request.overlapped:
                self._learn_serial(endpoint)
            raise
        finally:
            async with changed:
                self._in_flight.remove(request)
                changed.notify_all()

    def _learn_serial(self, endpoint: str) -> None:
        if self.setting != AUTO or self.serial:
            return
        self.serial = self.learned = True
        log.info(
            "%s stopped a reply when another request arrived: it serves one request at a time,"
            " so codegen now sends them one after the other",
            endpoint,
        )

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    def describe(self) -> str:
        """What the gate does now, for `doctor`."""
        if self.learned:
            return (
                "one request at a time: a second request stopped the first reply, so codegen"
                " sends the runner and tests requests one after the other"
            )
        if self.serial:
            return "one request at a time (the concurrency setting is serial)"
        if self.setting == PARALLEL:
            return "side by side (the concurrency setting is parallel)"
        return "side by side: two requests at once were both answered whole"
