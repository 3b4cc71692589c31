"""Serving LSP over stdin/stdout with stdin read by a thread of its own, in chunks, and stdout
written by another.

pygls's stdio reader runs `readline` and `read` in its thread pool, one executor round trip per
header line and per body: each round trip waits for the event loop to come round, so while the loop
works through an analysis in slices a request waits for four or five of them before it is even
read. Here a thread reads whatever stdin has (a whole message, usually) and hands it to the loop at
once; pygls's message loop then finds its header lines and body already there.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import sys
import threading
from typing import BinaryIO

from pygls.io_ import run_async

from .language_server import CodegenLanguageServer

log = logging.getLogger(__name__)

CHUNK = 1 << 16  # bytes read from stdin at most at a time


class ChunkedStdinReader:
    """pygls's AsyncReader (`readline`, `readexactly`) over the chunks a reader thread receives."""

    def __init__(self, stdin: BinaryIO, chunk: int = CHUNK):
        self._stdin = stdin
        self._chunk = chunk
        self._buffer = bytearray()
        self._start = 0  # where the unread part of `_buffer` starts
        self._eof = False
        self._coming = False  # set by the reader thread as soon as a chunk is read
        self._arrived: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    def _started(self) -> asyncio.Event:
        if self._arrived is None:
            self._arrived = asyncio.Event()
            loop = asyncio.get_running_loop()
            self._thread = threading.Thread(
                target=self._read_all, args=(loop,), name="codegen-stdin", daemon=True
            )
            self._thread.start()
        return self._arrived

    def _read_all(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the reader thread: pass every chunk to the loop, then b"" at the end of input."""
        while True:
            try:
                data = self._read()
            except (OSError, ValueError):  # closed under us: the end of input
                data = b""
            self._coming = True
            try:
                loop.call_soon_threadsafe(self._received, data)
            except RuntimeError:  # the loop is closed: the server is stopping
                return
            if not data:
                return

    def _read(self) -> bytes:
        """Up to a chunk of what stdin has, waiting for at least a byte; b"" at its end.

        A plain read of the file descriptor: a daemon thread waiting inside a buffered reader holds
        its lock, and the interpreter aborts at exit ("could not acquire lock for stdin")."""
        try:
            descriptor = self._stdin.fileno()
        except (AttributeError, OSError, ValueError):  # no file descriptor (a BytesIO, say)
            return self._stdin.read(self._chunk)
        return os.read(descriptor, self._chunk)

    def _received(self, data: bytes) -> None:
        if data:
            if self._start > len(self._buffer) // 2:  # drop what was read, now and then
                del self._buffer[: self._start]
                self._start = 0
            self._buffer += data
        else:
            self._eof = True
        self._coming = False
        assert self._arrived is not None
        self._arrived.set()

    def waiting(self) -> bool:
        """Whether input is waiting to be read: work on the loop in slices can stop early for it.
        Safe to call from any thread (a read of two attributes)."""
        return self._coming or self._start < len(self._buffer)

    async def _more(self) -> bool:
        """Wait for the next chunk; False at the end of input."""
        arrived = self._started()
        if self._eof:
            return False
        arrived.clear()
        await arrived.wait()
        return True

    async def readline(self) -> bytes:
        while True:
            end = self._buffer.find(b"\n", self._start)
            if end >= 0:
                return self._take(end + 1)
            if not await self._more():
                return self._take(len(self._buffer))

    async def readexactly(self, n: int) -> bytes:
        while len(self._buffer) - self._start < n:
            if not await self._more():
                break
        return self._take(min(len(self._buffer), self._start + n))

    def _take(self, end: int) -> bytes:
        data = bytes(self._buffer[self._start : end])
        self._start = end
        return data


class ThreadedStdoutWriter:
    """pygls's writer, in the order given: a message larger than `direct` bytes is written by a
    thread of its own, and so is any message behind it. Such a message (500 diagnostics are
    ~100 KB, a pipe holds 64 KB) blocks its write until the client has read the rest, and on a
    loaded machine that held the event loop for 10-150 ms; a small one is written at once, without
    waking a thread."""

    def __init__(self, stdout: BinaryIO, direct: int = 16_384):
        self._stdout = stdout
        self._direct = direct
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._queued = 0  # messages given to the thread and not yet written
        self._lock = threading.Lock()
        self._broken = False
        self._thread = threading.Thread(target=self._write_all, name="codegen-stdout", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        if self._broken:
            return
        with self._lock:
            direct = not self._queued and len(data) <= self._direct
            if not direct:
                self._queued += 1
        if not direct:
            self._queue.put(data)
            return
        try:
            self._write(data)
        except (OSError, ValueError) as error:  # the client is gone
            log.error("Cannot write to the client (%s): dropping what follows", error)
            self._broken = True

    def _write(self, data: bytes) -> None:
        """Write to the file descriptor itself, as the reader reads: a daemon thread inside the
        buffered writer would hold its lock when the interpreter flushes stdout at exit."""
        try:
            descriptor = self._stdout.fileno()
        except (AttributeError, OSError, ValueError):  # no file descriptor (a BytesIO, say)
            self._stdout.write(data)
            self._stdout.flush()
            return
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]

    def close(self) -> None:
        """Write what is queued (for a second at most), then close stdout."""
        self._queue.put(None)
        self._thread.join(timeout=1)
        try:
            self._stdout.close()
        except OSError:
            pass

    def _write_all(self) -> None:
        while (data := self._queue.get()) is not None:
            try:
                self._write(data)
            except (OSError, ValueError) as error:  # the client is gone
                log.error("Cannot write to the client (%s): dropping what follows", error)
                self._broken = True
                return
            finally:
                with self._lock:
                    self._queued -= 1


def serve_stdio(server: CodegenLanguageServer) -> None:
    """pygls's `start_io`, with stdin read by `ChunkedStdinReader`."""
    log.info("Starting IO server")
    server._stop_event = threading.Event()
    reader = ChunkedStdinReader(sys.stdin.buffer)
    server.input_waiting = reader.waiting
    server.protocol.set_writer(ThreadedStdoutWriter(sys.stdout.buffer))
    try:
        asyncio.run(
            run_async(
                stop_event=server._stop_event,
                reader=reader,
                protocol=server.protocol,
                logger=logging.getLogger("pygls.server"),
                error_handler=server.report_server_error,
            )
        )
    except BrokenPipeError:
        log.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()
