"""Runner processes: each a private copy of the runner package; one kept started ahead per
interpreter."""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.util
import json
import marshal
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .sandbox import SupportDirectory, child_environment

RUNNER_PACKAGE = Path(__file__).with_name("runner")
COPY_NAME = "_codegen_runner"  # the package's name in a copy (runner/__init__.py checks for it)


@dataclass
class Runner:
    """A started runner: it imports unittest and its line recorder, then waits for its job."""

    process: subprocess.Popen
    results: int  # read end of the results pipe
    stdout: int  # read ends of its standard output and error
    stderr: int
    spawn_env: dict[str, str]
    started: float
    copy: Path  # the folder of its private copy of the runner package (it deletes it at start)

    def send(self, job: dict) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        with contextlib.suppress(BrokenPipeError):  # it died early: the run reports how
            try:
                stdin.write(json.dumps(job).encode("utf-8") + b"\n")
            finally:
                stdin.close()

    def release(self) -> None:
        """After it exited: close our ends of its pipes; remove its copy if it died before it
        could."""
        for fd in (self.results, self.stdout, self.stderr):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.copy, ignore_errors=True)

    def discard(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()  # an idle runner exits on end of input
        kill_group(self.process.pid)
        self.process.wait()
        self.release()


def _spawn_environment(support: Path) -> dict[str, str]:
    idle = support / "idle"
    return child_environment(os.environ, home=idle, tmpdir=idle, pythonpath=[str(support / "lib")])


@functools.cache
def _runner_sources() -> tuple[tuple[str, bytes], ...]:
    """The runner package's modules, read once: every runner gets a private copy of them."""
    return tuple((path.name, path.read_bytes()) for path in sorted(RUNNER_PACKAGE.glob("*.py")))


@functools.cache
def _runner_bytecode() -> tuple[tuple[str, bytes], ...]:
    """The runner's modules compiled once for this interpreter, as checked-hash .pyc files.

    Compiling them costs a runner ~8 ms on every start (its copy is new each time, so it never has
    a bytecode cache): a runner of this Python version loads these instead.  Another version looks
    for its own tag's files and compiles as before.  The import system checks each file's hash of
    the source beside it, so one that does not match that source is never used.
    """
    tag = sys.implementation.cache_tag
    if tag is None:
        return ()
    files = []
    for name, source in _runner_sources():
        code = compile(source, str(RUNNER_PACKAGE / name), "exec", dont_inherit=True, optimize=0)
        header = importlib.util.MAGIC_NUMBER + (0b11).to_bytes(4, "little")  # hash, checked
        pyc = header + importlib.util.source_hash(source) + marshal.dumps(code)
        files.append((f"{Path(name).stem}.{tag}.pyc", pyc))
    return tuple(files)


def _private_copy(support: Path) -> Path:
    """A new folder holding a copy of the runner package, which the runner deletes at start; its
    entry script."""
    package = Path(tempfile.mkdtemp(prefix="runner-", dir=support / "runners")) / COPY_NAME
    package.mkdir()
    for name, source in _runner_sources():
        (package / name).write_bytes(source)
    bytecode = package / "__pycache__"
    bytecode.mkdir()
    for name, pyc in _runner_bytecode():
        (bytecode / name).write_bytes(pyc)
    return package / "__main__.py"


def _spawn_runner(python: str, support: Path, env: dict[str, str]) -> Runner:
    """Start a runner from a private copy of its package, in its own process group."""
    script = _private_copy(support)
    pipes = [os.pipe() for _ in range(3)]  # results, stdout, stderr
    results_write = pipes[0][1]
    try:
        process = subprocess.Popen(
            [
                python,
                "-I",
                str(script),
                str(support / "lib"),
                str(support / "pycache"),
                str(results_write),
            ],
            cwd=support / "idle",
            env=env,
            stdin=subprocess.PIPE,
            stdout=pipes[1][1],
            stderr=pipes[2][1],
            pass_fds=(results_write,),
            start_new_session=True,  # its own process group, so a kill reaches what it started
        )
    except OSError:
        for read_end, write_end in pipes:
            os.close(read_end)
            os.close(write_end)
        shutil.rmtree(script.parent.parent, ignore_errors=True)
        raise
    for _, write_end in pipes:
        os.close(write_end)
    return Runner(
        process, pipes[0][0], pipes[1][0], pipes[2][0], env, time.monotonic(), script.parent.parent
    )


class _RunnerPool:
    """Keeps one runner started ahead of need per interpreter.

    Starting a runner (the interpreter, unittest, the runner's modules) costs ~27 ms of CPU, about a
    whole plain unittest run; a runner started while the previous job runs has paid it by the time
    the next job comes.  A spare is used only if
    it was started with the same environment and is younger than ``MAX_AGE`` seconds.
    """

    MAX_AGE = 300.0

    def __init__(self) -> None:
        self.enabled = True
        self._lock = threading.Lock()
        self._spares: dict[str, Runner] = {}
        self._owner = os.getpid()
        self._refills: set[threading.Thread] = set()  # spares being started

    def take(self, python: str) -> Runner:
        """A runner for one job: the spare if it fits, else a new one (OSError if none starts)."""
        support = SupportDirectory.get()
        env = _spawn_environment(support)
        with self._lock:
            if self._owner != os.getpid():  # a forked copy of the parent: the spares are not ours
                self._spares, self._owner = {}, os.getpid()
            spare = self._spares.pop(python, None)
        if spare is not None and not self._fits(spare, env):
            spare.discard()
            spare = None
        return spare or _spawn_runner(python, support, env)

    def refill(self, python: str) -> None:
        """Start the next spare in the background, after a job, so it does not compete with one."""
        if self.enabled:
            thread = threading.Thread(target=self._replace, args=(python,), daemon=True)
            with self._lock:
                self._refills.add(thread)
            thread.start()

    def _fits(self, spare: Runner, env: dict[str, str]) -> bool:
        return (
            spare.process.poll() is None
            and spare.spawn_env == env
            and time.monotonic() - spare.started < self.MAX_AGE
        )

    def _replace(self, python: str) -> None:
        try:
            support = SupportDirectory.get()
            replacement = _spawn_runner(python, support, _spawn_environment(support))
        except OSError:
            return
        finally:
            with self._lock:
                self._refills.discard(threading.current_thread())
        with self._lock:
            unwanted = [self._spares.pop(python, None)]  # another job got there first
            if self.enabled:
                self._spares[python] = replacement
            else:  # turned off meanwhile
                unwanted.append(replacement)
        for runner in unwanted:
            if runner is not None:
                runner.discard()

    def wait_for_refills(self, timeout: float) -> None:
        """Let spares being started finish (they write their copy into the support directory),
        so it can be removed whole after them."""
        with self._lock:
            refills = list(self._refills)
        for thread in refills:
            thread.join(timeout)

    def set_enabled(self, enabled: bool) -> None:
        with self._lock:
            self.enabled = enabled
        if not enabled:
            self.clear()

    def clear(self) -> None:
        """Stop all idle runners."""
        with self._lock:
            spares, self._spares = list(self._spares.values()), {}
            owned = self._owner == os.getpid()
        if owned:
            for spare in spares:
                spare.discard()


POOL = _RunnerPool()


@atexit.register
def _shut_down() -> None:
    """Stop idle runners first, then remove the directory they run from."""
    POOL.set_enabled(False)
    if POOL._owner == os.getpid():
        POOL.wait_for_refills(timeout=10)  # a spare that finishes now is discarded: turned off
        SupportDirectory.remove()


def prestart_runners(enabled: bool) -> None:
    """Turn on (the default) or off keeping a runner started ahead of the next test run."""
    POOL.set_enabled(enabled)


def warm_up(python: str | None = None) -> None:
    """Start a runner for ``python`` now, so even the first test run skips its start-up cost.

    Call it only where running tests is allowed: it starts that interpreter (no user code).
    """
    POOL.refill(python or sys.executable)


def kill_group(pgid: int) -> None:
    """SIGKILL the runner's process group: the runner if alive and whatever it left running."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
