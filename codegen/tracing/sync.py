"""Hosted Weave for `codegen traces sync`: check the project is reachable, then replay a copy of the
local WAL, moved to the user's entity, to it."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..environment import temporary_environ
from ..errors import CodegenError
from . import (
    LOCAL_ENTITY,
    _describe,
    _local_project_name,
    configure_environment,
    local_trace_dir,
    weave_compat,
)
from .store import WAL_SUFFIX, read_wal_file


class HostedWeaveError(RuntimeError):
    """Hosted Weave cannot be used right now; the message names the cause and the fix."""


class TraceSyncError(CodegenError, RuntimeError):
    """Replaying local traces to hosted Weave failed; the message names the cause and the fix."""


@dataclass(frozen=True)
class HostedProject:
    """A hosted Weave project, checked reachable, that WAL records can be replayed to."""

    entity: str
    project: str
    url: str
    server: Any = field(repr=False)
    api_key: str = field(repr=False)


@dataclass(frozen=True)
class ReplayResult:
    sent: int
    failed: int
    first_error: str | None  # with the key masked


def connect_hosted(
    project: str, *, wandb_api_key: str, entity: str | None = None, http_timeout: float = 10.0
) -> HostedProject:
    """Check the trace server answers, resolve the entity and make sure the project exists.

    `entity` defaults to WANDB_ENTITY, else the key's default entity; `http_timeout` bounds each
    request unless WEAVE_HTTP_TIMEOUT is set. Raises HostedWeaveError.
    """
    if not wandb_api_key:
        raise HostedWeaveError(
            "No W&B API key: set WANDB_API_KEY (from https://wandb.ai/authorize)."
        )
    configure_environment()
    project = _local_project_name(project)
    # weave's W&B API client (entity lookup, project creation) reads the key from the
    # environment, and its trace-server client reads the timeout when it is built.
    timeout = os.environ.get("WEAVE_HTTP_TIMEOUT") or f"{http_timeout:g}"
    with temporary_environ(WANDB_API_KEY=wandb_api_key, WEAVE_HTTP_TIMEOUT=timeout):
        url, server = weave_compat.remote_trace_server(wandb_api_key)
        try:
            server.server_info()
        except Exception as error:
            raise HostedWeaveError(
                f"Cannot reach the Weave server at {url} ({_describe(error, wandb_api_key)}); "
                "check the network and WANDB_BASE_URL."
            ) from None
        entity = entity or os.environ.get("WANDB_ENTITY") or _default_entity(wandb_api_key)
        try:
            server.ensure_project_exists(entity, project)
        except Exception as error:
            raise HostedWeaveError(
                f"Cannot use the W&B project {entity}/{project}"
                f" ({_describe(error, wandb_api_key)}); check WANDB_API_KEY and WANDB_ENTITY."
            ) from None
        return HostedProject(
            entity, project, weave_compat.project_url(entity, project), server, wandb_api_key
        )


def replay_wal(directory: Path, target: HostedProject) -> ReplayResult:
    """Send every WAL file in `directory` to `target` with weave's WAL sender.

    The sender deletes the files it drained: give it a copy. Stops sending at the first failure.
    """
    gate = _FailFastServer(target.server)
    sent = 0

    def count(_record_type: str, _record: dict[str, Any]) -> None:
        nonlocal sent
        sent += 1

    total = sum(_count_lines(path) for path in directory.glob(f"*{WAL_SUFFIX}"))
    weave_compat.drain_wal(directory, gate, count)
    error = _describe(gate.first_error, target.api_key) if gate.first_error else None
    return ReplayResult(sent, max(total - sent, 0), error)


class _FailFastServer:
    """Forwards WAL records to the real server until one fails, then fails the rest at once.

    weave's drain() moves a failing record aside and carries on; without this, a network that
    dies mid-sync would cost a full timeout (with retries) per record.
    """

    def __init__(self, server: Any):
        self._server = server
        self.first_error: BaseException | None = None

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._server, name)

        def forward(*args: Any, **kwargs: Any) -> Any:
            if self.first_error is not None:
                raise RuntimeError("skipped after an earlier failure")
            try:
                return method(*args, **kwargs)
            except Exception as error:
                self.first_error = error
                raise

        return forward


def _default_entity(wandb_api_key: str) -> str:
    try:
        entity = weave_compat.default_entity_name()
    except Exception as error:
        raise HostedWeaveError(
            f"Cannot look up your W&B entity ({_describe(error, wandb_api_key)}); "
            "set WANDB_ENTITY to your W&B user or team name."
        ) from None
    if not entity:
        raise HostedWeaveError("W&B returned no default entity for this key; set WANDB_ENTITY.")
    return entity


def _count_lines(path: Path) -> int:
    with path.open("rb") as lines:
        return sum(1 for line in lines if line.strip())


def sync_to_hosted(project: str, *, wandb_api_key: str, entity: str | None = None) -> str:
    """Replay the local WAL of `project` to hosted Weave; the local files stay where they are.

    weave's WAL sender deletes what it sends, so it drains a copy in which records move from the
    `local` entity to `entity` (default: WANDB_ENTITY, else the key's default entity). Sending
    again later is harmless: calls are keyed by id, objects by digest. Returns a one-line
    summary; raises TraceSyncError naming the cause and the fix.
    """
    source = local_trace_dir(project)
    files = sorted(source.glob(f"*{WAL_SUFFIX}")) if source.is_dir() else []
    if not files:
        return f"Nothing to sync: no local traces in {source}."
    untouched = f"Your local traces are untouched in {source}."
    try:
        target = connect_hosted(project, wandb_api_key=wandb_api_key, entity=entity)
    except HostedWeaveError as error:
        raise TraceSyncError(f"Cannot sync traces: {error} Then sync again. {untouched}") from None
    copy_dir = Path(tempfile.mkdtemp(prefix="codegen-trace-sync-"))
    try:
        for path in files:
            _copy_for_entity(path, copy_dir / path.name, source.name, target.entity)
        result = replay_wal(copy_dir, target)
    finally:
        shutil.rmtree(copy_dir, ignore_errors=True)
    if result.failed:
        raise TraceSyncError(
            f"{result.failed} of {result.sent + result.failed} trace records did not reach hosted"
            f" Weave ({result.first_error}). Fix that and sync again. {untouched}"
        )
    return (
        f"Synced {result.sent} trace records from {source} to {target.url}; the local copy is kept."
    )


def _copy_for_entity(source: Path, target: Path, project: str, entity: str) -> None:
    """Copy a WAL file with its project ids and refs moved from `local/` to `<entity>/`."""
    old_id, new_id = f"{LOCAL_ENTITY}/{project}", f"{entity}/{project}"
    old_ref, new_ref = f"weave:///{old_id}/", f"weave:///{new_id}/"

    def move(value: Any) -> Any:
        if isinstance(value, str):
            if value == old_id:
                return new_id
            return new_ref + value[len(old_ref) :] if value.startswith(old_ref) else value
        if isinstance(value, dict):
            return {key: move(item) for key, item in value.items()}
        if isinstance(value, list):
            return [move(item) for item in value]
        return value

    with target.open("w", encoding="utf-8") as out:
        for record in read_wal_file(source):
            if "type" in record:
                out.write(json.dumps(move(record), separators=(",", ":")) + "\n")
