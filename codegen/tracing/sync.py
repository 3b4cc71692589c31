"""Hosted Weave for `codegen traces sync`: check the project is reachable, then replay local WAL
files to it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..environment import temporary_environ
from . import _describe, _local_project_name, configure_environment, weave_compat


class HostedWeaveError(RuntimeError):
    """Hosted Weave cannot be used right now; the message names the cause and the fix."""


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

    total = sum(_count_lines(path) for path in directory.glob("*.jsonl"))
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
