"""Start, stop and locate Weave tracing (weave's internals are in `weave_compat`).

Nothing here imports weave at module import: the language server imports our package and must
start fast.

Modes:
- ``local``: no network, no account. weave has no supported local mode in 0.54, so we build the
  client ourselves with its write-ahead log (WAL) on and the WAL sender off; every call, object,
  table and file is then appended as JSON lines under ``local_trace_dir(project)``
  (``~/.weave/wal/local/<project>/`` unless ``CODEGEN_TRACE_DIR`` relocates the root).
- ``wandb``: hosted Weave through ``weave.init``, bounded by a timeout; any failure falls back to
  ``local`` and says why.
- ``off``: ``WEAVE_DISABLED=true``; ops still run, nothing is recorded.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..environment import EnvironmentChanges
from . import weave_compat

# Root of local traces (replaces weave's ~/.weave/wal); ours, because weave reads its root
# from the home directory once, when `weave.durability` is first imported.
TRACE_DIR_ENV = "CODEGEN_TRACE_DIR"
LOCAL_ENTITY = "local"
MODES = ("local", "wandb", "off")

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class TracingStatus:
    """Where traces go, said once for the CLI, `doctor` and the language server."""

    mode: str  # "local" | "wandb" | "off"
    location: str  # the local WAL directory, the hosted project URL, or "disabled"
    detail: str  # one user-facing sentence


@dataclass
class _Active:
    requested_mode: str
    project: str
    status: TracingStatus
    client: Any = None  # weave's WeaveClient, when one is installed


logger = logging.getLogger(__name__)
_lock = threading.RLock()
_active: _Active | None = None
# Environment variables we changed for the current mode, put back by stop_tracing().
_mode_environment = EnvironmentChanges()
_atexit_registered = False


def configure_environment() -> None:
    """Set weave's environment defaults; call before `import weave` (the user's values win)."""
    # weave opens an error-reporting session at import and reports home at exit unless this is
    # false; our users did not opt in to that.
    os.environ.setdefault("WANDB_ERROR_REPORTING", "false")


def local_trace_dir(project: str = "codegen") -> Path:
    """The directory local mode writes to: `<root>/local/<project>`, root ~/.weave/wal by
    default."""
    root = os.environ.get(TRACE_DIR_ENV, "").strip()
    base = Path(root).expanduser() if root else Path.home() / ".weave" / "wal"
    return base / LOCAL_ENTITY / _local_project_name(project)


def start_tracing(
    mode: str,
    *,
    project: str = "codegen",
    wandb_api_key: str | None = None,
    init_timeout: float = 10.0,
) -> TracingStatus:
    """Start tracing in `mode` and say where traces go; never raises for tracing trouble.

    Idempotent per process: a second call with the same mode and project returns the first
    status (a `wandb` start that fell back to local is not retried). A different mode or project
    stops the current tracing (flushing it) and starts the new one.
    """
    if mode not in MODES:
        raise ValueError(f"Unknown tracing mode {mode!r}: use one of {', '.join(MODES)}.")
    global _active, _atexit_registered
    with _lock:
        if _active is not None:
            if _active.requested_mode == mode and _active.project == project:
                return _active.status
            stop_tracing()
        configure_environment()
        if mode == "off":
            _active = _start_off(project, "tracing is off: nothing is recorded")
        elif _env_flag("WEAVE_DISABLED"):
            _active = _Active(
                mode,
                project,
                TracingStatus(
                    "off",
                    "disabled",
                    "tracing is off because WEAVE_DISABLED is set in the environment; "
                    "unset it to record traces",
                ),
            )
        elif mode == "local":
            _active = _start_local(mode, project, reason=None)
        else:
            _active = _start_wandb(project, wandb_api_key, init_timeout)
        if not _atexit_registered:
            # A safety net for the language server; the CLI calls stop_tracing() itself.
            atexit.register(stop_tracing)
            _atexit_registered = True
        return _active.status


def stop_tracing() -> None:
    """Flush and close the client so every trace is on disk (or sent); safe to call twice."""
    global _active
    with _lock:
        active, _active = _active, None
        if active is not None and active.client is not None:
            try:
                active.client.finish(use_progress_bar=False)
            except Exception as error:  # at exit, a failed flush must not hide the real outcome
                logger.warning(
                    "Weave could not flush its traces: %s: %s", type(error).__name__, error
                )
            finally:
                if weave_compat.global_client() is active.client:
                    weave_compat.set_global_client(None)
        _mode_environment.restore()


def tracing_status() -> TracingStatus | None:
    """The status of the running tracing, or None before start_tracing()."""
    with _lock:
        return _active.status if _active is not None else None


# -- off -------------------------------------------------------------------------------------


def _start_off(project: str, detail: str, requested_mode: str = "off") -> _Active:
    _mode_environment.set("WEAVE_DISABLED", "true")
    return _Active(requested_mode, project, TracingStatus("off", "disabled", detail))


# -- local -----------------------------------------------------------------------------------


class LocalTraceServer:
    """The trace server a WAL-writing client talks to when traces stay on this machine.

    With the WAL on, `WeaveClient` writes calls, objects, tables and files to disk without
    asking the server. The one write it still sends directly is feedback (scorer results an
    evaluation attaches to a call), answered here so evaluations run; the scorer calls
    themselves are in the WAL. Everything else (reading traces back, deleting) needs hosted
    Weave, and says so.
    """

    def __init__(self, trace_dir: Path):
        self.trace_dir = trace_dir

    def feedback_create(self, req: Any) -> Any:
        payload = req.get("payload") if isinstance(req, dict) else getattr(req, "payload", None)
        return weave_compat.feedback_response(payload)

    def __getattr__(self, name: str) -> Any:
        # AttributeError (not NotImplementedError) so weave's hasattr() probes for optional
        # features (batch processors, project-id resolver) see "not supported" and move on.
        raise AttributeError(
            f"{name!r} is not available with local tracing (traces are only written to "
            f"{self.trace_dir}); set WANDB_API_KEY and use hosted Weave for it"
        )


def _start_local(requested_mode: str, project: str, *, reason: str | None) -> _Active:
    """Install a WAL-only WeaveClient; `reason` explains a fallback from hosted mode."""
    trace_dir = local_trace_dir(project)
    prefix = f"{reason}; " if reason else ""
    try:
        client = _install_local_client(project, trace_dir)
    except Exception as error:  # tracing must never stop the pipeline
        return _start_off(
            project,
            f"{prefix}local tracing could not start ({type(error).__name__}: {error}), so nothing "
            f"is recorded; check that {trace_dir} is writable",
            requested_mode,
        )
    detail = f"{prefix}traces are written to {_home_relative(trace_dir)}"
    return _Active(requested_mode, project, TracingStatus("local", str(trace_dir), detail), client)


def _install_local_client(project: str, trace_dir: Path) -> Any:
    server = LocalTraceServer(trace_dir)
    return weave_compat.install_wal_client(
        LOCAL_ENTITY, _local_project_name(project), server, trace_dir.parent.parent
    )


# -- wandb -----------------------------------------------------------------------------------


def _start_wandb(project: str, wandb_api_key: str | None, init_timeout: float) -> _Active:
    key = wandb_api_key or os.environ.get("WANDB_API_KEY") or None
    if not key:
        return _start_local(
            "wandb",
            project,
            reason=(
                "hosted Weave needs a W&B API key (set WANDB_API_KEY, from "
                "https://wandb.ai/authorize)"
            ),
        )
    # weave.init reads the key from the environment; without it, it would prompt for a login.
    _mode_environment.set("WANDB_API_KEY", key)
    # weave's HTTP timeout is 30 s and, with retries, a dead network costs minutes; the user's
    # own WEAVE_HTTP_TIMEOUT wins.
    os.environ.setdefault("WEAVE_HTTP_TIMEOUT", f"{max(init_timeout, 1.0):g}")
    import weave  # here, so that the import is not charged to init_timeout

    weave_compat.tolerate_partial_streams()  # before weave.init patches the openai SDK
    outcome: dict[str, Any] = {}

    def run_init() -> None:
        try:
            outcome["client"] = weave.init(project)
        except BaseException as error:  # reported to the caller below
            outcome["error"] = error

    worker = threading.Thread(target=run_init, name="codegen-weave-init", daemon=True)
    worker.start()
    worker.join(init_timeout)
    if worker.is_alive():
        # The worker keeps trying in the background. If it ever succeeds it cannot take over:
        # set_weave_client_global() ignores a new client while ours is installed.
        reason = f"hosted Weave did not answer within {init_timeout:g} s (check the network)"
        return _start_local("wandb", project, reason=reason)
    client = outcome.get("client")
    if "error" in outcome or client is None or client.entity == "DISABLED":
        error = outcome.get("error")
        cause = _describe(error, key) if error else "the server refused this client"
        _forget_client(client)
        reason = f"hosted Weave could not start ({cause}); check WANDB_API_KEY and the network"
        return _start_local("wandb", project, reason=reason)
    url = weave_compat.project_url(client.entity, client.project)
    status = TracingStatus("wandb", url, f"traces are sent to hosted Weave at {url}")
    return _Active("wandb", project, status, client)


def _forget_client(client: Any) -> None:
    current = weave_compat.global_client()
    if current is not None and (client is None or current is client):
        weave_compat.set_global_client(None)


# -- helpers ---------------------------------------------------------------------------------


def _local_project_name(project: str) -> str:
    # "team/codegen" names a hosted entity; locally the entity is always "local".
    return project.rsplit("/", 1)[-1]


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def _describe(error: BaseException, secret: str) -> str:
    """`Type: message`, with `secret` masked wherever the message echoes it."""
    from ..settings import mask_secret

    text = f"{type(error).__name__}: {error}"
    return text.replace(secret, mask_secret(secret)) if secret else text


def _home_relative(path: Path) -> str:
    try:
        return f"~/{path.relative_to(Path.home())}"
    except ValueError:
        return str(path)
