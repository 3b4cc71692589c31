"""Starting the server: stdio and --tcp, and nothing heavy imported before the first generation."""

from __future__ import annotations

import ast
import asyncio
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import codegen

HEAVY = ("openai", "weave", "pydantic", "isort", "autopep8")


def _weave_importers() -> list[str]:
    """The codegen modules that import weave as they load (only generation needs them)."""
    root = Path(codegen.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.name.split(".")[0]
            for node in tree.body
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        imported |= {
            (node.module or "").split(".")[0]
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and not node.level
        }
        if "weave" in imported:
            parts = path.relative_to(root.parent).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_server_import_stays_light():
    weave_modules = _weave_importers()
    # The modules that import weave at load: the pipeline, code finishing and the weave scorers.
    assert {"codegen.pipeline", "codegen.finishing", "codegen.scoring.scorers"} <= set(
        weave_modules
    )
    off_start = [*HEAVY, *weave_modules]
    code = (
        "import sys, codegen_lsp.server, codegen_lsp.__main__; "
        f"print([m for m in {off_start!r} if m in sys.modules])"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _connect_once_listening(process: asyncio.subprocess.Process, port: int):
    """Connect as soon as the server listens, however long its start takes under load; fail at
    once if it exits first. The bound only stops a hang: no start on a loaded machine comes near."""
    loop = asyncio.get_running_loop()
    hang_guard = loop.time() + 300
    while process.returncode is None and loop.time() < hang_guard:
        try:
            return await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
    pytest.fail(f"the server never listened on port {port} (exit code {process.returncode})")


async def test_tcp(tmp_path):
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "codegen_lsp",
        "--tcp",
        f"127.0.0.1:{port}",
        stderr=asyncio.subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    try:
        reader, writer = await _connect_once_listening(process, port)
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {"capabilities": {}, "processId": None, "rootUri": None},
            }
        ).encode()
        writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await writer.drain()
        length = 0
        while (line := await asyncio.wait_for(reader.readline(), 10)) != b"\r\n":
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        answer = json.loads(await reader.readexactly(length))
        capabilities = answer["result"]["capabilities"]
        assert capabilities["codeActionProvider"]["codeActionKinds"]
        assert set(capabilities["executeCommandProvider"]["commands"]) == {
            "codegen.generate",
            "codegen.generateTests",
            "codegen.runTests",
            "codegen.showTrace",
            "codegen.cancel",
        }
        assert capabilities["inlayHintProvider"]
        writer.close()
    finally:
        process.kill()
        await process.wait()
