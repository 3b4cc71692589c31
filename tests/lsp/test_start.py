"""Starting the server: stdio and --tcp, and nothing heavy imported before the first generation."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys

import pytest


def test_server_import_stays_light():
    code = ("import sys, codegen_lsp.server, codegen_lsp.__main__; "
            "heavy = [m for m in ('openai', 'weave', 'pydantic', 'isort', 'autopep8', 'codegen.pipeline') "
            "if m in sys.modules]; print(heavy)")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_tcp(tmp_path):
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "codegen_lsp", "--tcp", f"127.0.0.1:{port}",
        stderr=asyncio.subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    try:
        for _ in range(100):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.05)
        else:
            pytest.fail("the server did not listen")
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                           "params": {"capabilities": {}, "processId": None, "rootUri": None}}).encode()
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
            "codegen.generate", "codegen.generateTests", "codegen.runTests", "codegen.showTrace", "codegen.cancel"}
        assert capabilities["inlayHintProvider"]
        writer.close()
    finally:
        process.kill()
        await process.wait()
