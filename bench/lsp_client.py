"""A minimal LSP client over stdio for benchmarks: exact timing, no framework in the measured
path."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

CLIENT_CAPABILITIES = {
    "window": {"workDoneProgress": True, "showMessage": {}},
    "workspace": {
        "applyEdit": True,
        "configuration": True,
        "workspaceEdit": {"documentChanges": True, "resourceOperations": ["create"]},
        "inlayHint": {"refreshSupport": True},
    },
    "textDocument": {
        "codeAction": {
            "codeActionLiteralSupport": {
                "codeActionKind": {"valueSet": ["refactor", "source", "quickfix"]}
            },
            "tagSupport": {"valueSet": [1]},
        },
        "publishDiagnostics": {"versionSupport": True},
        "inlayHint": {},
    },
}


class StdioClient:
    """Speaks JSON-RPC to a server subprocess; answers the server's own requests sensibly."""

    def __init__(
        self,
        command: list[str],
        *,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        stderr: Path | None = None,
    ):
        self.command, self.env, self.cwd, self.stderr = command, env, cwd, stderr
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future] = {}
        self._waiters: list[tuple[Callable[[str, Any], bool], asyncio.Future]] = []
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=self.stderr.open("ab") if self.stderr else asyncio.subprocess.DEVNULL,
            env=self.env,
            cwd=self.cwd,
        )
        self._reader = asyncio.create_task(self._read_loop())

    def _server_gone(self) -> None:
        """The server closed its output: every request and wait fails now instead of waiting
        forever."""
        where = f"; its log: {self.stderr}" if self.stderr else ""
        error = ConnectionError(
            f"the server closed its output (exit code {self.process.returncode}){where}"
        )
        for future in [*self._pending.values(), *(future for _, future in self._waiters)]:
            if not future.done():
                future.set_exception(error)
        self._pending.clear()
        self._waiters.clear()

    def _send(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def request(self, method: str, params: Any = None) -> Any:
        if self._reader.done():
            raise ConnectionError(
                f"the server has exited (exit code {self.process.returncode}); {method} not sent"
            )
        request_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        return await future

    def notify(self, method: str, params: Any = None) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, predicate: Callable[[str, Any], bool]) -> asyncio.Future:
        """A future for the next notification matching `predicate(method, params)`."""
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        return future

    async def _read_loop(self) -> None:
        stdout = self.process.stdout
        while True:
            try:
                header = await stdout.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                await asyncio.sleep(0.1)  # let the exit code arrive
                self._server_gone()
                return
            length = next(
                int(line.split(b":")[1])
                for line in header.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            message = json.loads(await stdout.readexactly(length))
            if "method" in message and "id" in message:
                self._send(
                    {
                        "jsonrpc": "2.0",
                        "id": message["id"],
                        "result": self._answer(message["method"]),
                    }
                )
            elif "method" in message:
                for waiter in list(self._waiters):
                    predicate, future = waiter
                    if not future.done() and predicate(message["method"], message.get("params")):
                        future.set_result(message.get("params"))
                        self._waiters.remove(waiter)
            else:
                future = self._pending.pop(message["id"], None)
                if future is not None and not future.done():
                    if "error" in message:
                        future.set_exception(RuntimeError(message["error"]))
                    else:
                        future.set_result(message.get("result"))

    @staticmethod
    def _answer(method: str) -> Any:
        if method == "workspace/applyEdit":
            return {"applied": True}
        if method == "workspace/configuration":
            return [None]
        return None

    async def initialize(self, root: Path, options: dict[str, Any] | None = None) -> Any:
        result = await self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "capabilities": CLIENT_CAPABILITIES,
                "initializationOptions": options or {},
            },
        )
        self.notify("initialized", {})
        return result

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.request("shutdown"), 5)
            self.notify("exit")
            await asyncio.wait_for(self.process.wait(), 5)
        except (TimeoutError, RuntimeError, ConnectionError):
            self.process.kill()
        self._reader.cancel()

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return (
            int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
            / 1024
        )
