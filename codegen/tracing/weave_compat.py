"""Every weave internal codegen relies on (measured on weave 0.54), behind small functions.

Nothing else in codegen/ or server/ reaches past weave's public API (`weave.op`, `weave.Model`,
`weave.Object`, `weave.Scorer`, `weave.Evaluation`, `weave.Dataset`, `weave.init`,
`weave.get_current_call`). `INTERNALS` lists each internal name used here, and
tests/test_tracing.py imports every one of them, so a weave upgrade that moves one fails there.
Nothing here imports weave at module import: the language server must start fast.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..environment import temporary_environ

# (module, attribute path) of every weave internal used below; the canary test imports each.
INTERNALS = (
    ("weave.durability.wal_manager", "WAL_ROOT"),
    ("weave.durability.wal_sender", "create_sender"),
    ("weave.trace.context.weave_client_context", "get_weave_client"),
    ("weave.trace.context.weave_client_context", "set_weave_client_global"),
    ("weave.trace.weave_client", "WeaveClient"),
    ("weave.integrations", "patch_openai"),
    ("weave.integrations.openai.openai_sdk", "openai_on_finish_post_processor"),
    ("weave.vendor.weave_server_sdk.types", "FeedbackCreateResponse"),
    ("weave.trace.urls", "project_weave_root_url"),
    ("weave.trace.env", "weave_trace_server_url"),
    ("weave.trace_server_bindings.remote_http_trace_server", "RemoteHTTPTraceServer.server_info"),
    (
        "weave.trace_server_bindings.remote_http_trace_server",
        "RemoteHTTPTraceServer.ensure_project_exists",
    ),
    ("weave.compat.wandb", "Api"),
    ("weave.trace.serialization.digest", "str_digest"),
    ("weave", "Evaluation.get_eval_results"),
)
# Environment switches weave reads: the WAL (in WeaveClient.__init__) and evaluation concurrency.
WAL_SWITCHES = {"WEAVE_ENABLE_WAL": "true", "WEAVE_DISABLE_WAL_SENDER": "true"}
PARALLELISM_ENV = "WEAVE_PARALLELISM"


def install_wal_client(entity: str, project: str, server: Any, wal_root: Path) -> Any:
    """A WeaveClient writing only to its write-ahead log `<wal_root>/<entity>/<project>`, installed
    as the global client.

    The WAL switches are read once, in WeaveClient.__init__, and the WAL root once, in
    WALManager.__init__: both are set just for the construction, so nothing leaks into the
    environment of child processes (the sandboxed test run) or into a later weave.init.
    """
    import weave
    from weave.durability import wal_manager
    from weave.trace.weave_client import WeaveClient

    with temporary_environ(**WAL_SWITCHES):
        saved_root = wal_manager.WAL_ROOT
        wal_manager.WAL_ROOT = str(wal_root)
        try:
            client = WeaveClient(entity, project, server, ensure_project_exists=False)
        finally:
            wal_manager.WAL_ROOT = saved_root
    expected = wal_root / entity / project
    wal = getattr(client, "_wal", None)
    if wal is None or Path(wal.wal_dir) != expected:
        raise RuntimeError(
            f"weave did not open its write-ahead log at {expected} "
            f"(got {getattr(wal, 'wal_dir', None)}); weave's internals changed"
        )
    set_global_client(client)
    tolerate_partial_streams()
    # weave.init patches integrations itself; a hand-built client does not.
    weave.integrations.patch_openai()
    return client


def tolerate_partial_streams() -> None:
    """Let weave record a chat stream that stopped before its finish reason; call before weave
    patches the openai SDK (patch_openai, weave.init), which reads the post-processor then.

    weave turns the chunks it accumulated into a `ChatCompletion`, whose `finish_reason` may not
    be None: for a stream the server cut, or that codegen stopped for its size, that raises, and
    weave logs the traceback to the terminal as "Error capturing call output". The partial reply
    is recorded as the chunk it is instead.
    """
    from pydantic import ValidationError
    from weave.integrations.openai import openai_sdk

    original = openai_sdk.openai_on_finish_post_processor
    if getattr(original, "tolerates_partial_streams", False):
        return

    def post_process(value: Any) -> Any:
        try:
            return original(value)
        except ValidationError:
            # The chunks so far, as weave accumulated them, finish_reason None and all
            return value.model_dump(exclude_unset=True)

    post_process.tolerates_partial_streams = True  # type: ignore[attr-defined]
    openai_sdk.openai_on_finish_post_processor = post_process


def global_client() -> Any:
    from weave.trace.context import weave_client_context

    return weave_client_context.get_weave_client()


def set_global_client(client: Any) -> None:
    """Install `client` (or none) as weave's global client."""
    from weave.trace.context import weave_client_context

    # set_weave_client_global() ignores a new client while another is installed: clear first.
    weave_client_context.set_weave_client_global(None)
    if client is not None:
        weave_client_context.set_weave_client_global(client)


def feedback_response(payload: Any) -> Any:
    """The answer a trace server gives to `feedback_create`."""
    from weave.vendor.weave_server_sdk.types import FeedbackCreateResponse

    return FeedbackCreateResponse(
        id=str(uuid.uuid4()),
        created_at=datetime.datetime.now(datetime.UTC),
        payload=payload or {},
        wb_user_id="",
    )


def project_url(entity: str, project: str) -> str:
    from weave.trace.urls import project_weave_root_url

    return project_weave_root_url(entity, project)


def call_url(project_url: str, call_id: str) -> str:
    """The hosted page of one call, from the project URL `project_url` gave."""
    from weave.trace.urls import redirect_call

    entity, project = project_url.rstrip("/").removesuffix("/weave").split("/")[-2:]
    return redirect_call(entity, project, call_id)


def remote_trace_server(api_key: str) -> tuple[str, Any]:
    """The hosted trace server's URL and a client for it (its timeout read from the environment
    now)."""
    from weave.trace.env import weave_trace_server_url
    from weave.trace_server_bindings.remote_http_trace_server import RemoteHTTPTraceServer

    url = weave_trace_server_url()
    return url, RemoteHTTPTraceServer(url, password=api_key)


def drain_wal(
    directory: Path, server: Any, on_success: Callable[[str, dict[str, Any]], None]
) -> None:
    """Send every WAL record in `directory` to `server` once; weave deletes what it drained."""
    from weave.durability.wal_sender import create_sender

    create_sender(str(directory), server, on_success=on_success).drain_once()


def default_entity_name() -> str | None:
    """The W&B entity of the key in WANDB_API_KEY."""
    from weave.compat import wandb

    return wandb.Api().default_entity_name()


def object_digest(val: dict[str, Any]) -> str:
    """The ref digest weave gives a saved object (weave.trace.serialization.digest.str_digest of
    its canonical JSON), computed without importing weave, which costs ~2 s."""
    canonical = json.dumps(val, sort_keys=True).encode()
    encoded = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).decode()
    return encoded.replace("-", "X").replace("_", "Y").rstrip("=")


@contextlib.contextmanager
def evaluation_parallelism(parallel: int) -> Iterator[None]:
    """weave.Evaluation runs at most WEAVE_PARALLELISM rows at once, read from the environment per
    run."""
    with temporary_environ(**{PARALLELISM_ENV: str(parallel)}):
        yield


def evaluation_keeping_rows(plain: Callable[[Any], Any]) -> type:
    """A weave.Evaluation whose per-row results stay readable as `_rows` (each passed through
    `plain`): evaluate() itself returns only the summary."""
    import weave
    from pydantic import PrivateAttr

    class EvaluationKeepingRows(weave.Evaluation):
        _rows: list = PrivateAttr(default_factory=list)

        async def get_eval_results(self, model: Any) -> Any:
            results = await super().get_eval_results(model)
            self._rows = [plain(row) for row in results.rows]
            return results

    return EvaluationKeepingRows
