"""Progress for one background job: `$/progress` where the client supports it, else a message at the
start."""

from __future__ import annotations

import logging
import time
from typing import Protocol

from lsprotocol import types
from pygls.progress import Progress

log = logging.getLogger(__name__)

STAGES = {
    "function": ("Generating the function", 10),
    "runner": ("Generating the main() runner", 30),
    "tests": ("Generating the unit tests", 30),
    "format": ("Formatting", 60),
    "run": ("Running the tests", 70),
    "repair": ("Repairing failing tests", 80),
    "mutation": ("Mutation testing the tests", 84),
    "steer": ("Asking for tests that catch the surviving mutants", 87),
    "score": ("Scoring", 90),
    "apply": ("Applying the edit", 95),
}


class ProgressClient(Protocol):
    """What progress needs of the server: the client's capabilities, its work-done progress and
    its messages."""

    @property
    def client_capabilities(self) -> types.ClientCapabilities: ...

    @property
    def work_done_progress(self) -> Progress: ...

    def show(self, message: str, kind: types.MessageType = ...) -> None: ...


class TaskProgress:
    """Server-created, cancellable work-done progress under `token`; the job's outcome message ends
    it."""

    def __init__(self, server: ProgressClient, title: str, token: str):
        self._server = server
        self.title = title
        self.token = token
        self.cancelled = False  # set by whoever cancels the job, so the job knows it was the user
        self._active = False
        self._stage = ""
        self._last_tokens_report = 0.0

    @property
    def supported(self) -> bool:
        capabilities = self._server.client_capabilities
        return bool(capabilities.window and capabilities.window.work_done_progress)

    def announce(self) -> None:
        """Without progress support, say that the work started; called before the command is
        answered, since eglot 1.9 reads what follows an answer in the same read only once more
        arrives."""
        if not self.supported:
            self._server.show(
                f'{self.title}: started (to stop it, pick "Cancel" in the code actions there).',
                types.MessageType.Info,
            )

    async def begin(self) -> None:
        """Create the progress (window/workDoneProgress/create) where the client supports it."""
        if not self.supported:
            return
        try:
            await self._server.work_done_progress.create_async(self.token)
        except Exception as error:  # the client refused: work on without progress
            log.warning("window/workDoneProgress/create failed: %s", error)
            return
        self._server.work_done_progress.begin(
            self.token,
            types.WorkDoneProgressBegin(title=self.title, cancellable=True, percentage=0),
        )
        self._active = True

    @property
    def cancellable(self) -> bool:
        """False once the edit is on its way to the editor: cancelling then could not undo it."""
        return self._stage != "apply"

    def stage(self, name: str) -> None:
        """Report a pipeline stage (the names codegen's on_stage callback uses)."""
        self._stage = name
        if not self._active:
            return
        message, percentage = STAGES.get(name, (name, None))
        self._server.work_done_progress.report(
            self.token,
            types.WorkDoneProgressReport(
                message=message, percentage=percentage, cancellable=self.cancellable
            ),
        )

    def tokens(self, name: str, pieces: int, seconds: float) -> None:
        """A streaming reply's progress (`generating the tests: 412 tokens, 3 s`), at most four
        reports a second."""
        now = time.monotonic()
        if not self._active or now - self._last_tokens_report < 0.25:
            return
        self._last_tokens_report = now
        message, percentage = STAGES.get(name, (name, None))
        self._server.work_done_progress.report(
            self.token,
            types.WorkDoneProgressReport(
                message=f"{message}: {pieces} tokens, {seconds:.0f} s",
                percentage=percentage,
                cancellable=self.cancellable,
            ),
        )

    def end(self, message: str) -> None:
        if not self._active:
            return
        self._active = False
        self._server.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
        self._server.work_done_progress.tokens.pop(self.token, None)
