"""Long work in the background: a command is answered at once, one job per anchor, cancelled by its
token."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from lsprotocol import types
from pygls.protocol import JsonRPCProtocol

from .constants import FINISHED_NOTIFICATION
from .progress import ProgressClient, TaskProgress
from .stop import GenerationStopped

log = logging.getLogger(__name__)

# What a job is for: (uri, part, detail). Two jobs with one key would edit the same place.
JobKey = tuple[str, str, Any]
Work = Callable[[TaskProgress], Awaitable[dict[str, Any]]]


def prompt_key(uri: str, prompt_text: str) -> JobKey:
    """Both prompt actions replace the prompt: one job per prompt, whichever was picked."""
    return (uri, "prompt", prompt_text)


def runner_key(uri: str) -> JobKey:
    """A module has one main(): one runner job per module."""
    return (uri, "runner", None)


def tests_key(uri: str, functions: tuple[str, ...]) -> JobKey:
    return (uri, "tests", functions)


def test_run_key(uri: str) -> JobKey:
    return (uri, "run", None)


class JobsClient(ProgressClient, Protocol):
    """What jobs need of the server: progress, messages, and the notification that a job ended."""

    @property
    def protocol(self) -> JsonRPCProtocol: ...


@dataclass
class Job:
    """One running command: its progress token, what it is for, and the task doing it."""

    key: JobKey
    title: str
    token: str
    progress: TaskProgress
    task: asyncio.Task[None]


class Jobs:
    """The server's running jobs, by token and by key."""

    def __init__(self, server: JobsClient):
        self._server = server
        self._by_token: dict[str, Job] = {}

    def running(self, key: JobKey) -> Job | None:
        return next((job for job in self._by_token.values() if job.key == key), None)

    def tokens_by_key(self) -> dict[JobKey, Job]:
        return {job.key: job for job in self._by_token.values()}

    def start(
        self,
        key: JobKey,
        title: str,
        work: Work,
        busy_message: str,
    ) -> dict[str, Any]:
        """Start `work(progress)` in the background and answer at once: the acknowledgement, or why
        not."""
        current = self.running(key)
        if current is not None:
            message = (
                f'{busy_message} Wait for it to finish, or cancel it (the "Cancel" code action'
                " there)."
            )
            self._server.show(message, types.MessageType.Warning)
            return {"started": False, "running": current.token, "message": message}
        token = f"codegen-{uuid.uuid4().hex}"
        progress = TaskProgress(self._server, title, token)
        progress.announce()
        task = asyncio.ensure_future(self._run(token, title, progress, work))
        job = self._by_token[token] = Job(key, title, token, progress, task)
        return {
            "started": True,
            "token": job.token,
            "message": f"{title}: started; the result follows as a message.",
        }

    async def _run(self, token: str, title: str, progress: TaskProgress, work: Work) -> None:
        outcome: dict[str, Any] = {"message": "Stopped."}
        try:
            outcome = await work(progress)
        except asyncio.CancelledError:
            outcome = {"message": "Stopped: the server is shutting down."}
        # The work reports its own failures; this is a bug, but never a dead server
        except Exception:
            log.exception("%s failed", title)
            outcome = {
                "message": f"{title} failed unexpectedly; nothing was changed. See the server log."
            }
            self._server.show(outcome["message"], types.MessageType.Error)
        finally:
            self._by_token.pop(token, None)
            progress.end(outcome.get("message") or "Done")
            self._server.protocol.notify(FINISHED_NOTIFICATION, {"token": token, **outcome})

    def cancel(self, token: str | None = None, uri: str | None = None) -> list[Job]:
        """Cancel the job with `token`, or every job on `uri`, or (neither given) every job."""
        chosen = [
            job
            for job in self._by_token.values()
            if job.progress.cancellable
            and (token is None or job.token == token)
            and (uri is None or job.key[0] == uri)
        ]
        for job in chosen:
            job.progress.cancelled = True
            job.task.cancel()
        return chosen

    async def ended(self, jobs: list[Job], timeout: float) -> None:
        """Wait (briefly) until cancelled jobs have ended, so their messages come before the
        cancel's answer."""
        if jobs:
            await asyncio.wait([job.task for job in jobs], timeout=timeout)

    async def stop_all(self) -> None:
        tasks = [job.task for job in self._by_token.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def reported(
    show: Callable[[str, types.MessageType], None],
    progress: TaskProgress,
    outcome: dict[str, Any],
    body: Callable[[], Awaitable[None]],
    *,
    cancelled: str,
    describe: Callable[[Exception], str | None],
) -> dict[str, Any]:
    """Run a job's `body`; however it ends, `outcome["message"]` says how and the user is told.

    A GenerationStopped is said with its own kind; a cancel by the user (not a shutdown) with
    `cancelled`; any other error with what `describe` makes of it (None: a bug, raised on to
    `Jobs`).
    """
    try:
        await body()
    except GenerationStopped as stop:
        outcome["message"] = str(stop)
        show(str(stop), stop.kind)
    except asyncio.CancelledError:
        if not progress.cancelled:
            raise  # the server is shutting down
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        outcome["message"] = cancelled
        show(cancelled, types.MessageType.Info)
    except Exception as error:
        message = describe(error)
        if message is None:
            raise
        outcome["message"] = message
        show(message, types.MessageType.Error)
    return outcome
