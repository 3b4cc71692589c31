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
