"""A real Chat Completions HTTP server on 127.0.0.1 for tests and benchmarks, with fault
injection."""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MOVING_AVERAGE = '''import math
from typing import List


def moving_average(series: List[float], window: int) -> List[float]:
    """Return the simple moving average of `series` over `window` consecutive points."""
    if window <= 0:
        raise ValueError("window must be positive")
    if window > len(series):
        return []
    total = sum(series[:window])
    averages = [total / window]
    for index in range(window, len(series)):
        total += series[index] - series[index - window]
        averages.append(total / window)
    return averages
'''

RUNNER = '''def main() -> None:
    """Print the moving average of a short series."""
    print(moving_average([1.0, 2.0, 3.0, 4.0, 5.0], 2))


if __name__ == "__main__":
    main()
'''

# The default answer's three test methods, which test files built with `unittest_file` pick from.
NEIGHBOURS_TEST = """    def test_window_of_two_averages_neighbours(self):
        self.assertEqual(moving_average([1.0, 2.0, 3.0, 4.0], 2), [1.5, 2.5, 3.5])
"""
SHORT_SERIES_TEST = """    def test_window_larger_than_series_gives_empty_list(self):
        self.assertEqual(moving_average([1.0], 3), [])
"""
NON_POSITIVE_TEST = """    def test_non_positive_window_is_rejected(self):
        with self.assertRaises(ValueError):
            moving_average([1.0, 2.0], 0)
"""


def unittest_file(*methods: str, module: str = "your_module") -> str:
    """A unittest file whose TestMovingAverage has `methods`, importing moving_average from
    `module`."""
    return (
        f"import unittest\n\nfrom {module} import moving_average\n\n\n"
        "class TestMovingAverage(unittest.TestCase):\n"
        + "\n".join(methods)
        + '\n\nif __name__ == "__main__":\n    unittest.main()\n'
    )


TESTS = unittest_file(NEIGHBOURS_TEST, SHORT_SERIES_TEST, NON_POSITIVE_TEST)

PYTEST_TESTS = """import pytest

from your_module import moving_average


@pytest.mark.parametrize("series, window, expected", [
    ([1.0, 2.0, 3.0, 4.0], 2, [1.5, 2.5, 3.5]),
    ([1.0, 2.0, 3.0], 3, [2.0]),
])
def test_averages_of_consecutive_points(series, window, expected):
    assert moving_average(series, window) == pytest.approx(expected)


def test_window_larger_than_series_gives_empty_list():
    assert moving_average([1.0], 3) == []


def test_non_positive_window_is_rejected():
    with pytest.raises(ValueError):
        moving_average([1.0, 2.0], 0)
"""

# The steer round's answer ("these changes go unnoticed: write tests that catch them"): tests of
# the edges TESTS leave open, each passing on MOVING_AVERAGE and failing on a mutant that survives
# TESTS (`>` → `>=` in the window-length check; `0` → `1`, `<=` → `==` in the positive-window one).
STEER_TESTS = """import unittest

from your_module import moving_average


class TestMovingAverageEdges(unittest.TestCase):
    def test_window_as_long_as_the_series_gives_one_average(self):
        self.assertEqual(moving_average([1.0, 2.0, 3.0], 3), [2.0])

    def test_window_of_one_gives_the_series(self):
        self.assertEqual(moving_average([1.0, 2.0], 1), [1.0, 2.0])

    def test_negative_window_is_rejected(self):
        with self.assertRaises(ValueError):
            moving_average([1.0, 2.0], -1)
"""

FIELD_OF = {"GeneratedCode": "code", "ProgramRunner": "main_function_code", "UnitTest": "test_code"}
DEFAULT_ANSWERS = {"GeneratedCode": MOVING_AVERAGE, "ProgramRunner": RUNNER, "UnitTest": TESTS}
CUT = "loopback-cut"  # a completion carrying this key is streamed and stopped half-way
PYTEST_KIND = (
    "UnitTest/pytest"  # the answer to a UnitTest request whose prompt asks for a pytest file
)
STEER_KIND = "UnitTest/steer"  # the answer to the steer round's UnitTest request


@dataclass
class Reply:
    """One scripted answer. `status` other than 200 sends an OpenAI-style error body."""

    status: int = 200
    content: str | None = None  # raw assistant content; None = the default answer for the kind
    refusal: str | None = None
    delay: float = 0.0
    error_message: str = "injected failure"
    kind: str | None = (
        None  # only answer requests of this kind (GeneratedCode, ProgramRunner, UnitTest)
    )
    finish_reason: str = "stop"
    # Stop the stream half-way without a finish reason: "done" ends it with `data: [DONE]` (as
    # llama-cpp-python does when it interrupts a reply), "close" drops the connection mid-body.
    cut: str | None = None

    @classmethod
    def error(cls, status: int, message: str = "injected failure", **kw: Any) -> Reply:
        return cls(status=status, error_message=message, **kw)

    @classmethod
    def code(cls, kind: str, code: str, **kw: Any) -> Reply:
        return cls(content=json.dumps({FIELD_OF[kind]: code}), kind=kind, **kw)


@dataclass(frozen=True)
class Rejection:
    """How an endpoint refuses a response format: an error status and body (raw, or an OpenAI-style
    error)."""

    status: int
    message: str = ""
    raw_body: str | None = None
    content_type: str = "application/json"


@dataclass(frozen=True)
class Profile:
    """How an OpenAI-compatible server treats each request shape, as its documentation describes.

    Shapes: json_schema, json_object+schema (`schema` inside response_format), json_object, text.
    An accepted shape is answered with the scripted reply; under a `free_form` shape the model,
    unheld by any schema, invents its own keys; a `text` shape is answered as `text_style` says.
    """

    name: str
    rejects: dict[str, Rejection] = field(default_factory=dict)
    free_form: frozenset[str] = frozenset()
    text_style: str = "json_in_prose"  # or "fenced_code"
    # OpenAI's reasoning models (o1, o3, o4-mini, gpt-5): a 400 for `max_tokens` (they take
    # `max_completion_tokens`) and for a temperature other than 1, with OpenAI's own error bodies.
    reasoning: bool = False


_LLAMA_CPP_VALIDATION = (
    "[{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
    "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
    "'ctx': {'expected': \"'text' or 'json_object'\"}}]"
)
_NO_RESPONSE_FORMAT = Rejection(400, "'response_format' is not supported by this model")

PROFILES: dict[str, Profile] = {
    # Strict json_schema; an unknown key inside response_format is a 400.
    "openai": Profile(
        "openai",
        {"json_object+schema": Rejection(400, "Unknown parameter: 'response_format.schema'.")},
    ),
    # Ollama >= 0.5 and vLLM hold json_schema with a grammar; json_object without a schema is
    # free-form.
    "ollama": Profile("ollama", free_form=frozenset({"json_object"})),
    "vllm": Profile("vllm", free_form=frozenset({"json_object"})),
    # llama-cpp-python's server 0.3: pydantic rejects json_schema with a 500; `schema` in
    # json_object is enforced by a grammar; json_object without it lets a small model invent its
    # keys.
    "llama-cpp-python": Profile(
        "llama-cpp-python",
        {"json_schema": Rejection(500, _LLAMA_CPP_VALIDATION)},
        free_form=frozenset({"json_object"}),
    ),
    # Some hosted models: 400 on json_schema, and on a schema inside json_object; plain json_object
    # works.
    "groq": Profile(
        "groq",
        {
            "json_schema": Rejection(
                400, "response_format` json_schema is not supported with this model"
            ),
            "json_object+schema": Rejection(
                400, "property 'response_format.schema' is unsupported"
            ),
        },
    ),
    # OpenAI's reasoning models: the openai profile's formats, and their sampling parameter 400s.
    "openai-reasoning": Profile(
        "openai-reasoning",
        {"json_object+schema": Rejection(400, "Unknown parameter: 'response_format.schema'.")},
        reasoning=True,
    ),
    # No response_format at all: the reply is whatever the model writes.
    "rejects-both": Profile(
        "rejects-both",
        {
            shape: _NO_RESPONSE_FORMAT
            for shape in ("json_schema", "json_object+schema", "json_object")
        },
    ),
}


def reasoning_model_rejection(body: dict[str, Any]) -> dict[str, Any] | None:
    """The 400 body OpenAI's reasoning models answer a request with, or None if they take it."""
    if "max_tokens" in body:
        return {
            "error": {
                "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead.",
                "type": "invalid_request_error",
                "param": "max_tokens",
                "code": "unsupported_parameter",
            }
        }
    temperature = body.get("temperature")
    if temperature is not None and temperature != 1:
        return {
            "error": {
                "message": f"Unsupported value: 'temperature' does not support {temperature} with "
                "this model. "
                "Only the default (1) value is supported.",
                "type": "invalid_request_error",
                "param": "temperature",
                "code": "unsupported_value",
            }
        }
    return None


@dataclass
class Exchange:
    """One chat request as the server saw it: when it arrived and when its reply ended, as
    positions in the server's one sequence of events (an order, not a time), and whether its
    stream was stopped early."""

    kind: str
    arrived: int
    ended: int | None = None
    cut: bool = False

    def overlaps(self, other: Exchange) -> bool:
        """Whether the two were in flight at the same time on the server."""
        mine_end = self.ended if self.ended is not None else float("inf")
        their_end = other.ended if other.ended is not None else float("inf")
        return self.arrived < their_end and other.arrived < mine_end


class Slots:
    """How many replies the server generates at once (0: no limit). A request that finds every
    slot taken stops the oldest open stream, without a finish reason, and waits for its slot: what
    llama-cpp-python's server does with its default `interrupt_requests=True` (one slot)."""

    def __init__(self, count: int):
        self.count = count
        self._changed = threading.Condition()
        self._open: list[Exchange] = []
        self._waiting = 0

    @contextlib.contextmanager
    def taken(self, exchange: Exchange) -> Iterator[None]:
        with self._changed:
            self._waiting += 1
            self._changed.wait_for(lambda: not self.count or len(self._open) < self.count)
            self._waiting -= 1
            self._open.append(exchange)
        try:
            yield
        finally:
            with self._changed:
                self._open.remove(exchange)
                self._changed.notify_all()

    def must_give_way(self, exchange: Exchange) -> bool:
        """Whether a waiting request stops this open stream (the oldest ones give way first)."""
        with self._changed:
            return bool(self.count) and self._open.index(exchange) < self._waiting


def request_shape(body: dict[str, Any]) -> str:
    response_format = body.get("response_format") or {}
    kind = response_format.get("type", "text")
    if kind == "json_object" and "schema" in response_format:
        return "json_object+schema"
    return kind


@dataclass
class LoopbackModel:
    """Start with `with LoopbackModel() as model:`; `model.base_url` goes to OPENAI_BASE_URL."""

    delay: float = 0.0
    piece_delay: float = 0.0  # seconds between the pieces of a streamed reply
    profile: Profile = PROFILES["openai"]
    answers: dict[str, str] = field(
        default_factory=lambda: {
            **DEFAULT_ANSWERS,
            PYTEST_KIND: PYTEST_TESTS,
            STEER_KIND: STEER_TESTS,
        }
    )
    port: int = 0
    slots: int = 0  # replies generated at once; 0 = no limit (see Slots)
    whole_replies: bool = False  # answer a streamed request with one chat.completion JSON body
    listed_models: tuple[str, ...] = ("loopback",)  # what GET /models lists
    serves_unlisted: bool = True  # False: a request naming another model gets a 404, as OpenAI's

    def __post_init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.authorizations: list[str | None] = []  # each request's Authorization header, GETs too
        self.request_times: list[float] = []  # time.perf_counter() of each request, for benchmarks
        self.exchanges: list[Exchange] = []  # one per chat request, in arrival order
        self._events = itertools.count()
        self._slots = Slots(self.slots)
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", self.port), _make_handler(self))
        self._server.daemon_threads = True
        # shutdown() waits for the serving loop to look up: every 0.5 s by default, half a second
        # added to each test that uses a model.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="loopback-model",
            daemon=True,
        )

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> LoopbackModel:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LoopbackModel:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    # -- scripting -----------------------------------------------------------------------------
    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def kinds(self) -> list[str]:
        """The kind of each request received, in order."""
        return [request_kind(r) for r in self.requests]

    def cuts(self) -> list[str]:
        """The kind of each request whose stream was stopped early, in arrival order."""
        return [exchange.kind for exchange in self.exchanges if exchange.cut]

    def overlapping(self, first: str, second: str) -> bool:
        """Whether a request of kind `first` and one of kind `second` were ever in flight at
        once."""
        return any(
            a.overlaps(b)
            for a in self.exchanges
            if a.kind == first
            for b in self.exchanges
            if b.kind == second
        )

    def arrive(self, body: dict[str, Any]) -> Exchange:
        exchange = Exchange(request_kind(body), next(self._events))
        with self._lock:
            self.exchanges.append(exchange)
        return exchange

    def end(self, exchange: Exchange, *, cut: bool = False) -> None:
        exchange.cut = cut
        exchange.ended = next(self._events)

    def _next_reply(self, kind: str) -> Reply:
        with self._lock:
            for reply in self._script:
                if reply.kind in (None, kind):
                    self._script.remove(reply)
                    return reply
        return Reply()

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
        kind = request_kind(body)
        with self._lock:
            self.requests.append(body)
            self.request_times.append(time.perf_counter())
        if not self.serves_unlisted and body.get("model") not in self.listed_models:
            message = f"The model `{body.get('model')}` does not exist"
            return 404, _error_body(message, "invalid_request_error"), self.delay
        refused = reasoning_model_rejection(body) if self.profile.reasoning else None
        if refused is not None:
            return 400, refused, self.delay
        shape = request_shape(body)
        rejection = self.profile.rejects.get(shape)
        if rejection is not None:  # rejected before any scripted reply is used
            if rejection.raw_body is not None:
                return (
                    rejection.status,
                    RawBody(rejection.raw_body, rejection.content_type),
                    self.delay,
                )
            return (
                rejection.status,
                _error_body(rejection.message, "invalid_request_error"),
                self.delay,
            )
        reply = self._next_reply(kind)
        delay = self.delay + reply.delay
        if reply.status != 200:
            return reply.status, _error_body(reply.error_message, "server_error"), delay
        if reply.refusal is not None:
            message = {"role": "assistant", "content": None, "refusal": reply.refusal}
        else:
            content = (
                reply.content
                if reply.content is not None
                else self._default_content(kind, shape, body)
            )
            message = {"role": "assistant", "content": content, "refusal": None}
        completion = {
            "id": f"chatcmpl-loopback-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "loopback"),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": reply.finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
        }
        if reply.cut:
            completion[CUT] = reply.cut  # taken out by the handler before anything is sent
        return 200, completion, delay

    def _default_content(self, kind: str, shape: str, body: dict[str, Any]) -> str:
        code = self.answers[kind]
        if kind == "UnitTest" and STEER_KIND in self.answers and asks_to_steer(body):
            code = self.answers[STEER_KIND]
        elif kind == "UnitTest" and PYTEST_KIND in self.answers and asks_for_pytest(body):
            code = self.answers[PYTEST_KIND]
        if shape in self.profile.free_form:
            return json.dumps({"python": code, "language": "python"})
        if shape == "text":
            if self.profile.text_style == "fenced_code":
                return f"Here is the code:\n\n```python\n{code}```\n"
            return (
                f"Sure! Here is the answer:\n{json.dumps({FIELD_OF[kind]: code})}\n"
                "Let me know if you need more."
            )
        return json.dumps({FIELD_OF[kind]: code})


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (codegen stopping an oversized reply) is no error to print."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass(frozen=True)
class RawBody:
    """A reply body sent as is (empty, HTML...), not as JSON."""

    text: str
    content_type: str


def request_kind(body: dict[str, Any]) -> str:
    """Which reply model a request asks for: from its json_schema name, else from the schema in the
    prompt."""
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        name = response_format.get("json_schema", {}).get("name", "")
        if name in FIELD_OF:
            return name
    text = json.dumps(body.get("messages", []))
    if "test_code" in text:
        return "UnitTest"
    if "main_function_code" in text:
        return "ProgramRunner"
    return "GeneratedCode"


def asks_for_pytest(body: dict[str, Any]) -> bool:
    """Whether a request's prompt asks for a pytest test file (codegen's pytest template says
    so)."""
    return "pytest test file" in json.dumps(body.get("messages", []))


def asks_to_steer(body: dict[str, Any]) -> bool:
    """Whether a request is the steer round's (codegen's steer template lists the changes that
    go unnoticed)."""
    return "go unnoticed" in json.dumps(body.get("messages", []))


def stream_chunks(completion: dict[str, Any], pieces: int = 40) -> list[dict[str, Any]]:
    """chat.completion.chunk objects that add up to `completion`: its content (or refusal) in up to
    `pieces` parts."""
    choice = completion["choices"][0]
    message = choice["message"]
    field = "refusal" if message.get("refusal") else "content"
    text = message.get(field) or ""
    size = max(1, -(-len(text) // pieces))
    parts = [text[index : index + size] for index in range(0, len(text), size)] or [""]
    base = {key: completion[key] for key in ("id", "created", "model")} | {
        "object": "chat.completion.chunk"
    }
    chunks = [
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {"role": "assistant", field: part} if number == 0 else {field: part},
                    "finish_reason": None,
                    "logprobs": None,
                }
            ],
        }
        for number, part in enumerate(parts)
    ]
    chunks.append(
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {},
                    "finish_reason": choice["finish_reason"],
                    "logprobs": None,
                }
            ],
            "usage": completion.get("usage"),
        }
    )
    return chunks


def _error_body(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


class _Handler(BaseHTTPRequestHandler):
    """Answers Chat Completions requests from `model` (set by `_make_handler`)."""

    protocol_version = "HTTP/1.1"
    model: LoopbackModel

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes; without this, Nagle + delayed ACK add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _send(self, status: int, payload: dict[str, Any] | RawBody) -> None:
        raw = isinstance(payload, RawBody)
        data = payload.text.encode() if raw else json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", payload.content_type if raw else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to do

    def do_GET(self) -> None:
        self.model.authorizations.append(self.headers.get("Authorization"))
        if self.path.rstrip("/").endswith("/models"):
            listed = [
                {"id": name, "object": "model", "owned_by": "tests"}
                for name in self.model.listed_models
            ]
            self._send(200, {"object": "list", "data": listed})
        else:
            self._send(404, _error_body("not found", "not_found"))

    def do_POST(self) -> None:
        self.model.authorizations.append(self.headers.get("Authorization"))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, _error_body("not found", "not_found"))
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._send(400, _error_body("body is not JSON", "invalid_request_error"))
            return
        exchange = self.model.arrive(body)
        with self.model._slots.taken(exchange):
            status, payload, delay = self.model.answer(body)
            cut = payload.pop(CUT, None) if isinstance(payload, dict) else None
            if delay:
                time.sleep(delay)
            streamed = body.get("stream") and status == 200 and isinstance(payload, dict)
            if streamed and not self.model.whole_replies:
                self.model.end(exchange, cut=self._stream(payload, exchange, cut))
                return
            self._send(status, payload)
            self.model.end(exchange)

    def _stream(
        self, completion: dict[str, Any], exchange: Exchange, cut_by_script: str | None
    ) -> bool:
        """The completion as server-sent events, in pieces, the way streaming endpoints send
        it; whether it was stopped early (a scripted cut, or a request waiting for the slot)."""
        chunks = stream_chunks(completion)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for number, chunk in enumerate(chunks[:-1]):
                self._write_event(json.dumps(chunk))
                if self.model.piece_delay:
                    time.sleep(self.model.piece_delay)
                if cut_by_script and number == len(chunks) // 2:
                    return self._stop(cut_by_script)
                if self.model._slots.must_give_way(exchange):
                    return self._stop("done")
            self._write_event(json.dumps(chunks[-1]))
            self._stop("done")
        except (BrokenPipeError, ConnectionResetError):
            return True
        return False

    def _write_event(self, data: str) -> None:
        event = f"data: {data}\n\n".encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
        self.wfile.flush()

    def _stop(self, how: str) -> bool:
        """End the stream: `data: [DONE]` and the chunked body's end, or ("close") a dropped
        connection mid-body."""
        if how == "close":
            self.close_connection = True
        else:
            self._write_event("[DONE]")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        return True


def _make_handler(model: LoopbackModel) -> type[_Handler]:
    return type("Handler", (_Handler,), {"model": model})


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Serve canned Chat Completions answers on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument(
        "--piece-delay",
        type=float,
        default=0.0,
        help="seconds between the pieces of a streamed reply (a slow model, for live progress)",
    )
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="openai",
        help="how response formats are treated",
    )
    parser.add_argument(
        "--slots",
        type=int,
        default=0,
        help="replies generated at once; a request beyond them stops the oldest stream, as"
        " llama-cpp-python's server does (default 0: no limit)",
    )
    parser.add_argument(
        "--whole-replies",
        action="store_true",
        help="answer streamed requests with one chat.completion JSON body",
    )
    parser.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="KIND=FILE",
        help=f"answer requests of KIND ({', '.join(FIELD_OF)}) with the code in FILE",
    )
    args = parser.parse_args()
    answers = {**DEFAULT_ANSWERS, PYTEST_KIND: PYTEST_TESTS, STEER_KIND: STEER_TESTS}
    for item in args.answer:
        kind, _, path = item.partition("=")
        if kind not in FIELD_OF:
            parser.error(f"--answer: unknown kind {kind!r}")
        with open(path, encoding="utf-8") as handle:
            answers[kind] = handle.read()
        if kind == "UnitTest":  # the given tests answer every test request, pytest, steer or not
            answers.pop(PYTEST_KIND, None)
            answers.pop(STEER_KIND, None)
    model = LoopbackModel(
        delay=args.delay,
        piece_delay=args.piece_delay,
        port=args.port,
        profile=PROFILES[args.profile],
        answers=answers,
        slots=args.slots,
        whole_replies=args.whole_replies,
    ).start()
    print(model.base_url, flush=True)
    try:
        model._thread.join()
    except KeyboardInterrupt:
        model.stop()


if __name__ == "__main__":
    main()
