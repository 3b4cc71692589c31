"""Waiting for a runner to exit and reading its pipes, without blocking the event loop."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess

from .pool import Runner
from .runner.channel import EVENTS, MAX_LINE_BYTES, MAX_NESTING

TAIL_BYTES = 4096
MAX_RESULTS_BYTES = 16 * 1024 * 1024  # what the parent reads back from the results pipe
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(rb"[][{}]")


def _open_pidfd(process: subprocess.Popen) -> int | None:
    """A descriptor that becomes readable when the process exits, without reaping it."""
    try:
        return os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # not Linux 5.3+: callers fall back to Popen.wait
        return None


async def wait_for_exit_async(
    process: subprocess.Popen, timeout: float | None, stop: asyncio.Event | None = None
) -> bool:
    """Wait until the runner exits, ``timeout`` passes or ``stop`` is set, without blocking the
    loop.

    True if it exited.
    """
    pidfd = _open_pidfd(process)
    if pidfd is None:
        return await _wait_in_thread(process, timeout)
    loop = asyncio.get_running_loop()
    exited = loop.create_future()

    def mark_exited() -> None:
        if not exited.done():
            exited.set_result(None)

    try:
        loop.add_reader(pidfd, mark_exited)
    except NotImplementedError:  # an event loop without add_reader
        os.close(pidfd)
        return await _wait_in_thread(process, timeout)
    waiters = {exited} | ({asyncio.ensure_future(stop.wait())} if stop is not None else set())
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        return exited.done()
    finally:
        for waiter in waiters:
            waiter.cancel()
        loop.remove_reader(pidfd)
        os.close(pidfd)


async def _wait_in_thread(process: subprocess.Popen, timeout: float | None) -> bool:
    try:
        await asyncio.wait_for(asyncio.to_thread(process.wait), timeout)
        return True
    except TimeoutError:
        return False


def _nesting(line: bytes) -> int:
    """How deep the brackets of a JSON text nest (those inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub(b'""', line)):
        depth += 1 if bracket in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _parse_event(line: bytes) -> dict | None:
    """The event a results line holds, or None for anything the protocol does not define (no
    longer than a line may be, nested no deeper than its events, named as one of them)."""
    if len(line) > MAX_LINE_BYTES:
        return None
    if line.count(b"[") + line.count(b"{") > MAX_NESTING and _nesting(line) > MAX_NESTING:
        return None
    try:
        event = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(event, dict) or event.get("event") not in EVENTS:
        return None
    return event


class Collector:
    """Reads a runner's three pipes without blocking the loop: bounded results, output tails."""

    def __init__(self, runner: Runner, token: str):
        self._loop = asyncio.get_running_loop()
        self._token = token
        self.events: list[dict] = []
        self.foreign_lines = 0
        self.overflowed = asyncio.Event()
        self._partial = b""
        self._overlong = False  # within a line past MAX_LINE_BYTES: dropped up to its end
        self._received = 0
        self._tails = {runner.stdout: bytearray(), runner.stderr: bytearray()}
        self._fds = (runner.results, runner.stdout, runner.stderr)
        self._watched: set[int] = set()
        for fd in self._fds:
            os.set_blocking(fd, False)
            try:
                self._loop.add_reader(fd, self._readable, fd)
                self._watched.add(fd)
            except NotImplementedError:  # a loop without add_reader: read what is there at the end
                pass
        self._results_fd = runner.results

    def _readable(self, fd: int) -> None:
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._unwatch(fd)
                return
            if fd == self._results_fd:
                self._take_results(data)
            else:
                tail = self._tails[fd]
                tail += data
                del tail[:-TAIL_BYTES]

    def _unwatch(self, fd: int) -> None:
        if fd in self._watched:
            self._watched.discard(fd)
            self._loop.remove_reader(fd)

    def _take_results(self, data: bytes) -> None:
        self._received += len(data)
        if self._received > MAX_RESULTS_BYTES:
            self._unwatch(self._results_fd)
            self.overflowed.set()
            return
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            if self._overlong:
                self._overlong = False  # the end of a line already counted as foreign
            else:
                self._take_line(line)
        if len(self._partial) > MAX_LINE_BYTES:
            if not self._overlong:
                self.foreign_lines += 1
            self._partial, self._overlong = b"", True

    def _take_line(self, line: bytes) -> None:
        event = _parse_event(line)
        if event is None or event.get("token") != self._token:
            self.foreign_lines += 1
            return
        self.events.append(event)

    def finish(self) -> None:
        """Read what is left (the runner has exited), then stop watching."""
        for fd in self._fds:
            if fd != self._results_fd or not self.overflowed.is_set():
                self._readable(fd)
            self._unwatch(fd)
        if self._partial.strip() and not self._overlong:
            self._take_line(self._partial)
        self._partial = b""

    def tail(self, fd: int) -> str:
        return self._tails[fd].decode("utf-8", "replace")
