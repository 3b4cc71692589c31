"""The language server survives hostile test files run by codegen.runTests, and keeps answering."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.helpers.lsp_editor import shared_editor

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor()


def write_tests(editor, uri: str, body: str) -> None:
    module = Path(uri).stem
    editor.test_file(uri).write_text(
        f"import os\nimport unittest\n\nfrom {module} import add\n\n\n" + textwrap.dedent(body)
    )


async def test_a_test_that_kills_the_server_leaves_it_running(editor):
    uri = editor.place("buggy.py")
    server_pid = editor.client._server.pid
    write_tests(
        editor,
        uri,
        f"""\
        class TestKill(unittest.TestCase):
            def test_kill(self):
                import signal
                for pid in ({server_pid}, os.getppid()):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                self.assertEqual(add(1, 2), 3)
        """,
    )
    outcome = await editor.command("codegen.runTests", uri)

    assert outcome["ran"] and outcome["run"] == 1, outcome
    assert editor.client._server.returncode is None, "the server is still running"
    # Sandboxed at whichever level the machine gives (`filesystem` without user namespaces), or
    # refused; never run without a sandbox
    message = outcome["message"]
    assert any(level in message for level in ("sandbox: full", "sandbox: filesystem")) or (
        "Tests not run" in message
    ), message
    again = await editor.command("codegen.runTests", uri)
    assert again["ran"], again


async def test_fifo_traps_do_not_stop_later_runs(editor):
    uri = editor.place("buggy.py")
    write_tests(
        editor,
        uri,
        """\
        class TestTraps(unittest.TestCase):
            def test_traps(self):
                for name in ("results.jsonl", "out.stdout", "err.stderr"):
                    os.mkfifo(name)
                os.symlink("/dev/zero", "zero")
                self.fail("traps set")
        """,
    )
    first = await editor.command("codegen.runTests", uri, timeout=40)
    assert first["ran"] and first["failed"] == 1, first

    write_tests(
        editor,
        uri,
        """\
        class TestPlain(unittest.TestCase):
            def test_plain(self):
                self.assertTrue(True)
        """,
    )
    second = await editor.command("codegen.runTests", uri, timeout=40)
    assert second["ran"] and second["passed"] == 1, second
