"""The stdin reader: pygls's message loop reads the same header lines and bodies through it, however
the bytes arrive (several messages in one chunk, a header split across chunks, a body larger than a
chunk), and sees the end of input."""

from __future__ import annotations

import asyncio
import os
import threading
import time

from codegen_lsp.stdio import ChunkedStdinReader


def framed(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


async def read_messages(reader: ChunkedStdinReader) -> list[bytes]:
    """What pygls's run_async does: header lines up to a blank one, then the body."""
    bodies = []
    while True:
        header = await reader.readline()
        if not header:
            return bodies
        length = int(header.split(b":")[1])
        assert await reader.readline() == b"\r\n"
        bodies.append(await reader.readexactly(length))


def test_messages_come_through_whole_however_they_are_cut():
    bodies = [b'{"id": 1}', b'{"text": "' + b"x" * 200_000 + b'"}', b'{"id": 3}', b"{}"]
    stream = b"".join(framed(body) for body in bodies)
    # Two messages in one write, a header cut in the middle, the large body in pieces
    cuts = [0, len(framed(bodies[0])) + 7, len(framed(bodies[0])) + 30, 150_000, len(stream)]
    read_end, write_end = os.pipe()

    def write():
        for start, end in zip(cuts, cuts[1:], strict=False):
            os.write(write_end, stream[start:end])
            time.sleep(0.02)
        os.close(write_end)

    writer = threading.Thread(target=write)
    writer.start()
    with os.fdopen(read_end, "rb") as stdin:
        received = asyncio.run(read_messages(ChunkedStdinReader(stdin, chunk=4096)))
    writer.join()
    assert received == bodies


def test_the_end_of_input_ends_a_partial_body():
    read_end, write_end = os.pipe()
    os.write(write_end, b"Content-Length: 10\r\n\r\nabc")
    os.close(write_end)

    async def read():
        reader = ChunkedStdinReader(stdin)
        assert await reader.readline() == b"Content-Length: 10\r\n"
        assert await reader.readline() == b"\r\n"
        return await reader.readexactly(10), await reader.readline()

    with os.fdopen(read_end, "rb") as stdin:
        assert asyncio.run(read()) == (b"abc", b"")


def test_the_server_exits_cleanly_after_shutdown_and_exit(tmp_path):
    """The reader thread waits in a plain read of stdin: a wait inside the buffered reader aborted
    the interpreter at exit ("could not acquire lock for <stdin>", exit status -6)."""
    import json
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "WANDB_", "CODEGEN_"))}
    env.update(HOME=str(tmp_path), CODEGEN_TRACING="off")
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"processId": None, "rootUri": None, "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
    ]
    server = subprocess.Popen([sys.executable, "-P", "-m", "codegen_lsp"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, env=env)
    assert server.stdin is not None and server.stdout is not None
    for message in messages:
        server.stdin.write(framed(json.dumps(message).encode()))
    server.stdin.flush()
    while True:  # until shutdown is answered
        length = 0
        while (header := server.stdout.readline()) not in (b"\r\n", b""):
            if header.startswith(b"Content-Length:"):
                length = int(header.split(b":")[1])
        assert header, "the server ended before answering shutdown"
        if json.loads(server.stdout.read(length)).get("id") == 2:
            break
    server.stdin.write(framed(b'{"jsonrpc": "2.0", "method": "exit"}'))
    server.stdin.flush()
    server.wait(timeout=30)  # stdin still open, as an editor leaves it
    stderr = server.stderr.read() if server.stderr else b""
    server.stdin.close()
    assert server.returncode == 0, stderr.decode(errors="replace")[-2000:]
    assert b"Fatal Python error" not in stderr


def test_writes_return_before_the_client_reads_and_arrive_in_order():
    from codegen_lsp.stdio import ThreadedStdoutWriter

    messages = [framed(b"x" * 300_000), framed(b"{}"), framed(b"y" * 100_000), framed(b"[]")]  # > a pipe
    read_end, write_end = os.pipe()
    writer = ThreadedStdoutWriter(os.fdopen(write_end, "wb"))
    writing = threading.Thread(target=lambda: [writer.write(message) for message in messages])
    writing.start()
    writing.join(timeout=5)
    assert not writing.is_alive()  # nothing has read the pipe yet
    received = bytearray()
    with os.fdopen(read_end, "rb") as client:
        closing = threading.Thread(target=writer.close)  # writes what is queued, then closes
        closing.start()
        while chunk := client.read(65536):
            received += chunk
        closing.join(timeout=5)
    assert bytes(received) == b"".join(messages)
