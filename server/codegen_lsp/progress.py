"""Cancellable work-done progress for one asyncio task: a report per stage, cancel cancels the task."""

from __future__ import annotations

import asyncio
import logging
import uuid

from lsprotocol import types

log = logging.getLogger(__name__)

STAGES = {
    "function": ("Generating the function", 10),
    "runner": ("Generating the main() runner", 30),
    "tests": ("Generating the unit tests", 30),
    "format": ("Formatting", 60),
    "run": ("Running the tests", 70),
    "repair": ("Repairing failing tests", 80),
    "score": ("Scoring", 90),
    "apply": ("Applying the edit", 95),
}


class TaskProgress:
    """`$/progress` for the current task; the client's cancel button cancels that task."""

    def __init__(self, server, title: str):
        self._server = server
        self.title = title
        self.token = f"codegen-{uuid.uuid4().hex}"
        self.cancelled = False
        self._active = False
        self._task = asyncio.current_task()

    async def begin(self) -> None:
        capabilities = self._server.client_capabilities
        if not (capabilities.window and capabilities.window.work_done_progress):
            return
        try:
            await self._server.work_done_progress.create_async(self.token)
        except Exception as error:  # the client refused: work on without progress
            log.warning("window/workDoneProgress/create failed: %s", error)
            return
        self._server.work_done_progress.begin(
            self.token, types.WorkDoneProgressBegin(title=self.title, cancellable=True, percentage=0)
        )
        self._active = True
        future = self._server.work_done_progress.tokens.get(self.token)
        if future is not None:
            loop = asyncio.get_running_loop()
            future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._on_done, f))

    def stage(self, name: str) -> None:
        """Report a pipeline stage (the names codegen's on_stage callback uses)."""
        if not self._active:
            return
        message, percentage = STAGES.get(name, (name, None))
        self._server.work_done_progress.report(
            self.token, types.WorkDoneProgressReport(message=message, percentage=percentage, cancellable=True)
        )

    def end(self, message: str) -> None:
        if not self._active:
            return
        self._active = False
        self._server.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
        self._server.work_done_progress.tokens.pop(self.token, None)

    def _on_done(self, future) -> None:
        if future.cancelled() and self._active and self._task is not None:
            self.cancelled = True
            self._task.cancel()
