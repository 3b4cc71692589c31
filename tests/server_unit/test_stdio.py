"""The stdin reader: pygls's message loop reads the same header lines and bodies through it, however
the bytes arrive (several messages in one chunk, a header split across chunks, a body larger than a
chunk), and sees the end of input, whether the event loop reads stdin or a thread does; the
writers; and the server over real pipes and over files."""

from __future__ import annotations

import asyncio
import json
import os
import select
import subprocess
import sys
import threading
import time

import pytest

from codegen_lsp.stdio import ChunkedStdinReader, LoopStdoutWriter, ThreadedStdoutWriter

READERS = ["loop", "thread"]


async def attached(reader: ChunkedStdinReader, how: str) -> ChunkedStdinReader:
    if how == "loop":
        await reader.read_on_loop()
    return reader


def framed(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


async def read_messages(reader: ChunkedStdinReader, how: str = "thread") -> list[bytes]:
    """What pygls's run_async does: header lines up to a blank one, then the body."""
    await attached(reader, how)
    bodies = []
    while True:
        header = await reader.readline()
        if not header:
            return bodies
        length = int(header.split(b":")[1])
        assert await reader.readline() == b"\r\n"
        bodies.append(await reader.readexactly(length))


@pytest.mark.parametrize("how", READERS)
def test_messages_come_through_whole_however_they_are_cut(how):
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
        received = asyncio.run(read_messages(ChunkedStdinReader(stdin, chunk=4096), how))
    writer.join()
    assert received == bodies


@pytest.mark.parametrize("how", READERS)
def test_the_end_of_input_ends_a_partial_body(how):
    read_end, write_end = os.pipe()
    os.write(write_end, b"Content-Length: 10\r\n\r\nabc")
    os.close(write_end)

    async def read():
        reader = await attached(ChunkedStdinReader(stdin), how)
        assert await reader.readline() == b"Content-Length: 10\r\n"
        assert await reader.readline() == b"\r\n"
        return await reader.readexactly(10), await reader.readline()

    with os.fdopen(read_end, "rb") as stdin:
        assert asyncio.run(read()) == (b"abc", b"")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are set on Linux only")
def test_the_loop_takes_a_large_message_from_the_client_in_few_writes():
    """stdin's pipe grows to a megabyte: the client writes half a megabyte of a didOpen at once,
    where a 64 KB pipe took it 64 KB at a time, each waiting for the server to read."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)

    async def attach_and_write() -> int:
        with os.fdopen(read_end, "rb", closefd=False) as stdin:
            await ChunkedStdinReader(stdin).read_on_loop()
            return os.write(write_end, b"x" * 512 * 1024)

    try:
        assert asyncio.run(attach_and_write()) == 512 * 1024
    finally:
        os.close(write_end)
        os.close(read_end)


def server_env(home) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "WANDB_", "CODEGEN_"))
    }
    env.update(HOME=str(home), CODEGEN_TRACING="off")
    return env


START = [
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"processId": None, "rootUri": None, "capabilities": {}},
    },
    {"jsonrpc": "2.0", "method": "initialized", "params": {}},
    {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
]


SERVER = [sys.executable, "-P", "-m", "codegen_lsp"]
# Four messages, more than a pipe holds: writes that wait for the reader would block.
MORE_THAN_A_PIPE = [
    framed(b"x" * 300_000),
    framed(b"{}"),
    framed(b"y" * 100_000),
    framed(b"[]"),
]


def start_server(tmp_path, stdin, stdout, stderr) -> subprocess.Popen:
    """The server as an editor starts it, on the given streams, its HOME in `tmp_path`."""
    return subprocess.Popen(
        SERVER, stdin=stdin, stdout=stdout, stderr=stderr, cwd=tmp_path, env=server_env(tmp_path)
    )


def replies(stdout) -> list[dict]:
    """The messages in a server's output, up to its end or the answer to `shutdown` (id 2)."""
    messages = []
    while True:
        length = 0
        while (header := stdout.readline()) not in (b"\r\n", b""):
            if header.startswith(b"Content-Length:"):
                length = int(header.split(b":")[1])
        if not header:
            return messages
        messages.append(json.loads(stdout.read(length)))
        if messages[-1].get("id") == 2:
            return messages


def connected(how: str):
    """(the server's stdin, its stdout, the client's writing end, the client's reading end)."""
    import socket

    if how == "pipes":  # Emacs
        server_in, client_out = os.pipe()
        client_in, server_out = os.pipe()
        return server_in, server_out, client_out, client_in
    if how == "socketpairs":  # one per stream: Node (VS Code) and Neovim, through libuv
        ours_in, theirs_in = socket.socketpair()
        ours_out, theirs_out = socket.socketpair()
        return ours_in.detach(), ours_out.detach(), theirs_in.detach(), theirs_out.detach()
    ours, theirs = socket.socketpair()  # one socket for both streams
    server_end, client_end = ours.detach(), theirs.detach()
    return server_end, server_end, client_end, os.dup(client_end)


@pytest.mark.parametrize("how", ["pipes", "socketpairs", "one socket"])
def test_the_server_exits_cleanly_after_shutdown_and_exit(tmp_path, how):
    """Over the streams editors give it; the loop serves them, except one socket for both, which
    threads serve. (A reader thread waiting inside the buffered reader once aborted the interpreter
    at exit: "could not acquire lock for <stdin>", exit status -6.)"""
    server_in, server_out, client_out, client_in = connected(how)
    server = start_server(tmp_path, stdin=server_in, stdout=server_out, stderr=subprocess.PIPE)
    for descriptor in {server_in, server_out}:
        os.close(descriptor)
    with os.fdopen(client_out, "wb") as to_server, os.fdopen(client_in, "rb") as from_server:
        for message in START:
            to_server.write(framed(json.dumps(message).encode()))
        to_server.flush()
        answered = replies(from_server)
        assert answered and answered[-1].get("id") == 2, (
            "the server ended before answering shutdown"
        )
        to_server.write(framed(b'{"jsonrpc": "2.0", "method": "exit"}'))
        to_server.flush()
        server.wait(timeout=30)  # stdin still open, as an editor leaves it
    stderr = server.stderr.read() if server.stderr else b""
    assert server.returncode == 0, stderr.decode(errors="replace")[-2000:]
    assert b"Fatal Python error" not in stderr
    assert (b"reading and writing on threads" in stderr) == (how == "one socket")


@pytest.mark.skipif(os.name != "posix", reason="terminals as POSIX has them")
def test_the_server_leaves_a_terminal_as_it_found_it(tmp_path):
    """Run by hand in a terminal, stdin, stdout and stderr share one open terminal: a loop
    transport would make it non-blocking for the shell and every program after the server too
    (and stderr's logging could fail with EAGAIN). Threads serve a terminal."""
    import pty
    import tty

    client, terminal = pty.openpty()
    tty.setraw(terminal)  # no echo, no line editing, no newline translation: the bytes as sent
    server = start_server(tmp_path, stdin=terminal, stdout=terminal, stderr=terminal)
    try:
        os.write(client, b"".join(framed(json.dumps(message).encode()) for message in START))
        received = b""
        while b'"id": 2' not in received:
            assert select.select([client], [], [], 30)[0], (
                f"no answer to shutdown; got {received[-500:]!r}"
            )
            received += os.read(client, 65536)
        os.write(client, framed(b'{"jsonrpc": "2.0", "method": "exit"}'))
        assert server.wait(timeout=30) == 0
        assert os.get_blocking(terminal), "the server left the terminal non-blocking"
    finally:
        server.kill()
        os.close(terminal)
        os.close(client)


def test_the_server_answers_over_files_too(tmp_path):
    """stdin and stdout as regular files (a script's redirections), which the loop cannot watch:
    threads read and write them, and every reply is there (the input ends after `shutdown`: a
    client sends `exit` only once `shutdown` is answered)."""
    script = tmp_path / "in.jsonrpc"
    script.write_bytes(b"".join(framed(json.dumps(message).encode()) for message in START))
    with open(script, "rb") as stdin, open(tmp_path / "out.jsonrpc", "wb") as stdout:
        completed = subprocess.run(
            SERVER,
            stdin=stdin,
            stdout=stdout,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env=server_env(tmp_path),
            timeout=60,
        )
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")[-2000:]
    assert b"reading and writing on threads" in completed.stderr
    with open(tmp_path / "out.jsonrpc", "rb") as output:
        answered = replies(output)
    assert [message.get("id") for message in answered if "result" in message] == [1, 2]
    assert answered[0]["result"]["serverInfo"]["name"]


def test_the_loop_sees_input_it_has_not_read_yet():
    """Analysis slices stop early for a request: `waiting` also counts bytes still in the pipe."""
    read_end, write_end = os.pipe()

    async def check():
        reader = await attached(ChunkedStdinReader(stdin), "loop")
        before = reader.waiting()
        os.write(write_end, framed(b"{}"))
        return before, reader.waiting()  # the loop has not run meanwhile: the bytes are unread

    with os.fdopen(read_end, "rb") as stdin:
        assert asyncio.run(check()) == (False, True)
    os.close(write_end)


def test_writes_return_before_the_client_reads_and_arrive_in_order():
    messages = MORE_THAN_A_PIPE
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


def test_loop_writes_return_before_the_client_reads_and_arrive_in_order():
    messages = MORE_THAN_A_PIPE
    read_end, write_end = os.pipe()
    received = bytearray()

    def read():
        with os.fdopen(read_end, "rb") as client:
            time.sleep(0.2)  # the writes below return meanwhile
            while chunk := client.read(65536):
                received.extend(chunk)

    async def write():
        loop = asyncio.get_running_loop()
        with os.fdopen(write_end, "wb") as stdout:
            transport, _ = await loop.connect_write_pipe(asyncio.Protocol, stdout)
            writer = LoopStdoutWriter(transport, loop)
            started = time.perf_counter()
            for message in messages:
                writer.write(message)
            returned = time.perf_counter() - started
            await writer.drain(timeout=10)
            writer.close()
            await asyncio.sleep(0)
        return returned

    client = threading.Thread(target=read)
    client.start()
    assert asyncio.run(write()) < 0.1
    client.join(timeout=10)
    assert bytes(received) == b"".join(messages)
