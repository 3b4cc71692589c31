"""Serving LSP over stdin/stdout from the event loop's own thread.

pygls's stdio reader runs `readline` and `read` in its thread pool, one executor round trip per
header line and per body: each round trip waits for the event loop to come round, so while the loop
works through an analysis in slices a request waits for four or five of them before it is even
read. Here the loop reads stdin and writes stdout itself, through non-blocking pipe transports, and
pygls's message loop finds a whole message's header lines and body already read.

No other thread touches the protocol. Reading and writing on threads of their own (this module's
first design) made every message a handoff of the GIL: a thread back from `read` or `write` waits
for the loop's thread to let go of the GIL, and the loop's thread then waits for the OS to run that
thread. On a 2-core machine that took 10-60 ms: codeAction p99 43-72 ms while typing, with the loop
busy less than 1 ms of it (bench_incremental); 1.4-4 ms with the loop's transports. Threads
remain the fallback where the loop cannot or should not watch stdin and stdout (a regular file, a
socket shared by both, a terminal, Windows).
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import select
import stat
import sys
import threading
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # Windows, where stdin is served by a thread
    fcntl = None  # type: ignore[assignment]

from pygls.io_ import run_async

from . import pygls_compat
from .language_server import CodegenLanguageServer

log = logging.getLogger(__name__)

CHUNK = 1 << 16  # bytes read from stdin at most at a time, by the fallback thread
PIPE_SIZE = 1 << 20  # what stdin's pipe may hold: Linux's limit for unprivileged processes


class ChunkedStdinReader:
    """pygls's AsyncReader (`readline`, `readexactly`) over the chunks stdin gives: read by the
    loop once `read_on_loop` has attached it, else by a thread of its own."""

    def __init__(self, stdin: BinaryIO, chunk: int = CHUNK):
        self._stdin = stdin
        self._chunk = chunk
        self._buffer = bytearray()
        self._start = 0  # where the unread part of `_buffer` starts
        self._eof = False
        self._coming = False  # set by the reader thread as soon as a chunk is read
        self._arrived: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._poll: select.poll | None = None  # stdin's readiness, when the loop reads it

    async def read_on_loop(self) -> None:
        """Have the running loop read stdin (a pipe or socket) as data comes."""
        loop = asyncio.get_running_loop()
        self._arrived = asyncio.Event()
        widen_pipe(self._stdin)
        await loop.connect_read_pipe(lambda: _Feed(self), self._stdin)
        self._poll = select.poll()
        self._poll.register(self._stdin.fileno(), select.POLLIN)

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
        A message read but not yet handled counts, and so do bytes stdin holds that the loop has
        not read yet (a poll without waiting, ~1 µs)."""
        if self._coming or self._start < len(self._buffer):
            return True
        return self._poll is not None and bool(self._poll.poll(0))

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


def widen_pipe(stream: BinaryIO, size: int = PIPE_SIZE) -> None:
    """Have the pipe behind `stream` hold `size` bytes (Linux), where it may: a 6.5 MB didOpen
    then comes in 25 reads, not 100 of 64 KB, and the request behind it waits 7 ms less for its
    transfer (14 -> 7 ms, bench_incremental's 200,000-line file)."""
    if fcntl is None or not hasattr(fcntl, "F_SETPIPE_SZ"):
        return
    try:
        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, size)
    except (AttributeError, OSError, ValueError):  # not a pipe, or above the system's limit
        pass


class _Feed(asyncio.Protocol):
    """Hands what the loop reads from stdin to a ChunkedStdinReader; b"" at the end of input."""

    def __init__(self, reader: ChunkedStdinReader):
        self._reader = reader

    def data_received(self, data: bytes) -> None:
        self._reader._received(data)

    def eof_received(self) -> bool:
        self._reader._received(b"")
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._reader._eof:
            self._reader._received(b"")


class LoopStdoutWriter:
    """pygls's writer over the loop's non-blocking transport on stdout: a write never waits for
    the client to read (what the pipe cannot take yet is kept and written when it can)."""

    def __init__(self, transport: asyncio.WriteTransport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._loop_thread = threading.get_ident()

    def write(self, data: bytes) -> None:
        if threading.get_ident() != self._loop_thread:  # a transport is not thread-safe
            self._loop.call_soon_threadsafe(self.write, data)
        elif not self._transport.is_closing():
            self._transport.write(data)

    async def drain(self, timeout: float = 1.0) -> None:
        """Wait (for `timeout` seconds at most) until what is kept is written."""
        deadline = self._loop.time() + timeout
        while self._transport.get_write_buffer_size() and self._loop.time() < deadline:
            await asyncio.sleep(0.01)

    def close(self) -> None:
        self._transport.close()


class ThreadedStdoutWriter:
    """The fallback writer, in the order given: a message larger than `direct` bytes is written by a
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


def loop_can_serve(stdin: BinaryIO, stdout: BinaryIO) -> bool:
    """Whether the loop's pipe transports can read `stdin` and write `stdout`: a pipe or socket
    each (Node and Neovim give a socket per stream, Emacs pipes), on a POSIX system.

    Not one socket for both: the transport writing a socket watches it for the peer closing, and
    would take the client's first message for that. Not a terminal: a transport makes its file
    non-blocking, and a terminal is shared with stderr, the shell and every program run after the
    server, which would find it still so."""
    if os.name != "posix":
        return False
    try:
        given, taken = (os.fstat(stream.fileno()) for stream in (stdin, stdout))
    except (AttributeError, OSError, ValueError):  # no file descriptor
        return False
    streams = (stat.S_ISFIFO, stat.S_ISSOCK)
    if not any(kind(given.st_mode) for kind in streams):
        return False
    if not any(kind(taken.st_mode) for kind in streams):
        return False
    shared = (given.st_dev, given.st_ino) == (taken.st_dev, taken.st_ino)
    return not (shared and stat.S_ISSOCK(taken.st_mode))


async def _serve(
    server: CodegenLanguageServer, stop: threading.Event, stdin: BinaryIO, stdout: BinaryIO
) -> None:
    reader = ChunkedStdinReader(stdin)
    writer: LoopStdoutWriter | ThreadedStdoutWriter
    if loop_can_serve(stdin, stdout):
        loop = asyncio.get_running_loop()
        await reader.read_on_loop()
        transport, _ = await loop.connect_write_pipe(asyncio.Protocol, stdout)
        writer = LoopStdoutWriter(transport, loop)
    else:
        log.info("stdin and stdout are not a pipe or socket each: reading and writing on threads")
        writer = ThreadedStdoutWriter(stdout)
    server.protocol.set_writer(writer)
    server.input_waiting = reader.waiting
    try:
        await run_async(
            stop_event=stop,
            reader=reader,
            protocol=server.protocol,
            logger=logging.getLogger("pygls.server"),
            error_handler=server.report_server_error,
        )
    finally:  # the last replies (to `shutdown`, say) reach the client before the process ends
        await _answer_pending(server)
        if isinstance(writer, LoopStdoutWriter):
            await writer.drain()
        else:
            writer.close()


async def _answer_pending(server: CodegenLanguageServer, timeout: float = 1.0) -> None:
    """Let the requests still being handled at the end of input finish (within `timeout`), so
    their answers are written: a script's input can end right after its last request."""
    handling = pygls_compat.requests_in_flight(server.protocol)
    if handling:
        await asyncio.wait(handling, timeout=timeout)


def serve_stdio(server: CodegenLanguageServer) -> None:
    """pygls's `start_io`, with stdin and stdout served by the event loop (`_serve`)."""
    log.info("Starting IO server")
    stop = pygls_compat.install_stop_event(server)
    try:
        asyncio.run(_serve(server, stop, sys.stdin.buffer, sys.stdout.buffer))
    except BrokenPipeError:
        log.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()
