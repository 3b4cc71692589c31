"""The hostile suites' stage: a project and HOME holding secrets, hostile test files run on it
through the real `codegen score --run`, and what the world outside shows afterwards."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from codegen import execution

SECRET = "sk-hostile-test-secret-0123456789"
MODULE = "def add(a, b):\n    return a - b  # wrong on purpose\n"
TIMEOUT = 120  # seconds for one `codegen score --run`
# The probes name the secret without spelling it, so a traceback quoting their source does not leak
# it.
SECRET_EXPRESSION = f'("{SECRET[:9]}" + "{SECRET[9:]}")'


@pytest.fixture(scope="module")
def isolation() -> execution.Isolation:
    return asyncio.run(execution.probe_isolation())


@pytest.fixture
def scene(tmp_path: Path):
    """A project with a module, a .env and a file to keep; a HOME with an SSH key; a private
    TMPDIR."""
    project, home, tmp = tmp_path / "project", tmp_path / "home", tmp_path / "tmp"
    for folder in (project, home / ".ssh", tmp):
        folder.mkdir(parents=True)
    (project / "victim.py").write_text(MODULE)
    (project / ".env").write_text(f"OPENAI_API_KEY={SECRET}-dotenv\n")
    (project / "keep.txt").write_text("keep me\n")
    (home / ".ssh" / "id_rsa").write_text(f"-----BEGIN KEY----- {SECRET}-ssh\n")
    return {"project": project, "home": home, "tmp": tmp}


def score_run(
    scene: dict,
    body: str,
    *extra: str,
    prefix: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> dict:
    """Write `body` as test_victim.py, run `codegen score --run --json` on it (started under
    `prefix`, with `env` added to an environment full of secrets); the report's execution part.

    Asserts what must hold whatever the attack: no secret in the CLI's output, no traceback, exit
    0, nothing left in TMPDIR."""
    tests = scene["project"] / "test_victim.py"
    tests.write_text(textwrap.dedent(body))
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(scene["home"]),
        "TMPDIR": str(scene["tmp"]),
        "OPENAI_API_KEY": SECRET,
        "WANDB_API_KEY": SECRET + "-wandb",
        "DATABASE_URL": f"postgres://app:{SECRET}@db/app",
        "GH_PAT": SECRET + "-gh",
        "CODEGEN_TRACING": "off",
        "WANDB_ERROR_REPORTING": "false",
        **(env or {}),
    }
    command = [sys.executable, "-m", "codegen", "score", str(scene["project"] / "victim.py")]
    command += ["--tests", str(tests), "--run", "--repeats", "1", "--json", *extra]
    completed = subprocess.run(
        [*prefix, *command],
        capture_output=True,
        text=True,
        env=environment,
        cwd=scene["project"],
        timeout=TIMEOUT,
    )
    assert SECRET not in completed.stdout + completed.stderr, "a secret reached the CLI's output"
    assert "Traceback" not in completed.stderr, completed.stderr
    assert completed.returncode == 0, completed.stderr
    assert list(scene["tmp"].iterdir()) == [], "the run left files in TMPDIR"
    return json.loads(completed.stdout)["execution"]


def probe(scene: dict, body: str, *extra: str, **options) -> dict:
    """`score_run` on the attack `body` after PROBE_HEADER (its imports and `attempt`)."""
    return score_run(scene, PROBE_HEADER + body, *extra, **options)


def outcomes(run: dict) -> dict[str, tuple[str, str]]:
    return {test["test_id"]: (test["outcome"], test["message"]) for test in run["tests"]}


def reached(run: dict, expected_level: str) -> bool:
    """True when the run was sandboxed (every level but none has Landlock and the seccomp filter);
    otherwise assert it was refused."""
    assert run["isolation"] == expected_level
    if expected_level == "none":
        assert run["not_run"] and "Tests not run" in run["problem"]
        return False
    return True


def confined(run: dict, isolation: execution.Isolation, layer: str) -> bool:
    """True when the run had `layer`; otherwise assert the run said it lacked it (and, at none,
    refused)."""
    return reached(run, isolation.level) and layer in isolation.layers


PROBE_HEADER = """\
    import os
    import unittest

    from victim import add


    def attempt(action):
        try:
            return "LEAKED: " + repr(action())
        except Exception as error:
            return "blocked: " + type(error).__name__
"""


class RecordingListener:
    """Sockets served on a thread until `close()`; `received` holds whatever reached them."""

    def __init__(self, *sockets: socket.socket):
        for listening in sockets:
            listening.settimeout(0.2)
        self._sockets = sockets
        self.received: list[bytes] = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop:
            self._serve_once()

    def _serve_once(self):
        raise NotImplementedError

    def close(self):
        self._stop = True
        self._thread.join()
        for listening in self._sockets:
            listening.close()


class Listener(RecordingListener):
    """A TCP and a UDP socket on 127.0.0.1 that record whatever reaches them."""

    def __init__(self):
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        super().__init__(self.udp, self.tcp)

    def _serve_once(self):
        try:
            connection, _ = self.tcp.accept()
            self.received.append(connection.recv(4096) or b"(connected)")
            connection.close()
        except OSError:
            pass
        try:
            self.received.append(self.udp.recvfrom(4096)[0])
        except OSError:
            pass


def marked(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX":
                    pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def assert_none_left(marker: str) -> None:
    """No process whose command line carries `marker` outlives the run by 5 s (any that does is
    killed, so that a failure leaves nothing behind)."""
    deadline = time.monotonic() + 5
    while marked(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    leftovers = marked(marker)
    for pid in leftovers:
        os.kill(pid, 9)
    assert leftovers == []
