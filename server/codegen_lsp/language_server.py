"""The server object: options, documents, test results, model sessions, warm-up; when documents
are analysed is scheduling.py's."""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import Workspace

from . import pygls_compat
from .config import FolderOptions, ServerOptions, codegen_settings
from .document_state import DocumentState
from .documents import LineDocument, LineWorkspace, open_document
from .jobs import Jobs
from .log_forwarding import ClientLogHandler
from .protocol import CodegenProtocol
from .request_context import RequestContext
from .run_results import ModuleResults
from .worker import Worker

if TYPE_CHECKING:
    from codegen.session import GenerationSession

log = logging.getLogger(__name__)

WARM_UP_DONE = "Warm-up done in"  # the log lines benchmarks wait for
WARM_UP_SKIPPED = "Warm-up skipped"
WARM_UP_SWITCH_INTERVAL = 0.0005  # seconds; Python's default is 0.005


class CodegenLanguageServer(LanguageServer):
    """A pygls LanguageServer that remembers what it knows about each document."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("protocol_cls", CodegenProtocol)
        super().__init__(*args, **kwargs)
        self.options = ServerOptions()  # the root folder's; files outside every folder use them
        self.folder_options = FolderOptions()
        # What the server keeps about each open document; `forget` drops it in one pop
        self.documents: dict[str, DocumentState] = {}
        # The last full test run of each module, kept while the module is closed: a run from the
        # test explorer needs no open document, and reopening the module shows its results again
        self.results: dict[str, ModuleResults] = {}
        self.last_session: GenerationSession | None = None
        self._scratch: Path | None = None
        self.root_uri: str | None = None
        self.pending_problems: list[str] = []
        self.initial_settings: Any = None
        self.log_handler: ClientLogHandler | None = None
        self._sessions: dict[str, GenerationSession] = {}
        self.worker = Worker()
        self.jobs = Jobs(self)
        self.warm: asyncio.Future | None = None
        # Whether a message waits to be read (stdio.py sets it): analysis slices end early for it
        self.input_waiting: Callable[[], bool] | None = None

    # -- lifecycle and configuration -------------------------------------------------------------
    def use_line_documents(self) -> None:
        """Keep open documents as lists of lines that incremental changes edit in place (see
        documents.py)."""
        pygls_compat.replace_workspace(self.protocol, LineWorkspace.like(self.workspace))

    def connected(self) -> None:
        """After `initialized`: the client can now hear log records and messages."""
        if self.log_handler is not None:
            self.log_handler.loop = asyncio.get_running_loop()

    def report_server_error(self, error: Exception, source) -> None:
        """Log unexpected errors instead of pygls's default pop-up; the handler's caller gets its
        error."""
        level = logging.WARNING if isinstance(error, JsonRpcInvalidParams) else logging.ERROR
        log.log(level, "%s (%s)", error, getattr(source, "__name__", source))

    def supports_show_document(self) -> bool:
        window = self.client_capabilities.window
        return bool(window and window.show_document and window.show_document.support)

    def scratch_dir(self) -> Path:
        """A folder of this server's own for files it shows the user (trace pages); removed at
        exit."""
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="codegen-lsp-"))
            atexit.register(shutil.rmtree, self._scratch, True)
        return self._scratch

    def supports_llm_tag(self) -> bool:
        document = self.client_capabilities.text_document
        action = document.code_action if document else None
        tags = action.tag_support if action else None
        return bool(tags and types.CodeActionTag.LlmGenerated in tags.value_set)

    # -- documents -------------------------------------------------------------------------------
    @property
    def root(self) -> Path | None:
        """The root folder: from `initialize`, then the first remaining one once it is removed."""
        path = to_fs_path(self.root_uri) if self.root_uri else None
        return Path(path) if path else None

    def context_for(self, uri: str) -> RequestContext:
        """What a request on `uri` works with, resolved once where it enters (see
        request_context.py)."""
        workspace = self._workspace()
        document = open_document(workspace, uri)
        path = self.module_path(uri)
        return RequestContext(
            uri,
            document,
            path,
            self.folder_options.folder_of(path) or self.root,
            self.folder_options.options_for(path, self.options),
            # A closed document's context gets a state of its own that nothing keeps
            self.state(uri) if document is not None else DocumentState(),
            workspace,
        )

    def _workspace(self) -> Workspace | None:
        try:
            return self.workspace
        except RuntimeError:  # not initialized
            return None

    def state(self, uri: str) -> DocumentState:
        """What the server keeps about the open document at `uri`, made on first use."""
        state = self.documents.get(uri)
        if state is None:
            state = self.documents[uri] = DocumentState()
        return state

    def forget(self, uri: str) -> None:
        """The document was closed: drop what the server kept about it, and its pending analysis."""
        state = self.documents.pop(uri, None)
        if state is not None:
            state.cancel_debounce()

    def lines_of(self, document, through: int | None = None) -> Sequence[str]:
        """The document's lines as LSP counts them: for a LineDocument its live list, no copy (read
        it before any await: later edits change it), split at least past line `through` when given
        (a large file just opened is split in slices); else a list cached per version."""
        if isinstance(document, LineDocument):
            return document.line_list if through is None else document.lines_through(through)
        state = self.state(document.uri)
        cached = state.lines
        if cached is None or cached[0] != document.version or document.version is None:
            cached = state.lines = (document.version, list(document.lines))
        return cached[1]

    def units(self, text: str) -> int:
        """Length of `text` in the negotiated position encoding (UTF-16 unless the client chose
        otherwise)."""
        try:
            return self.workspace.position_codec.client_num_units(text)
        except RuntimeError:  # not initialized: LSP's default, UTF-16
            return len(text.encode("utf-16-le")) // 2

    def module_path(self, uri: str) -> Path | None:
        path = to_fs_path(uri)
        return Path(path) if path else None

    # -- messages --------------------------------------------------------------------------------
    def show(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        log.log(logging.ERROR if kind == types.MessageType.Error else logging.INFO, "%s", message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    # -- generation ------------------------------------------------------------------------------
    def settings(self):
        """codegen Settings for the current options; raises codegen's ConfigurationError."""
        return codegen_settings(self.options, self.root)

    def session_for(self, settings):
        """One GenerationSession per distinct configuration; called on the worker loop, which owns
        them."""
        secret = settings.api_key.get_secret_value() if settings.api_key else ""
        key = hashlib.sha256((settings.model_dump_json() + secret).encode()).hexdigest()
        session = self._sessions.get(key)
        if session is None:
            from codegen.session import GenerationSession

            session = self._sessions[key] = GenerationSession(settings)
        self.last_session = session
        return session

    async def close_sessions(self) -> None:
        """Close every session on the worker loop, then stop it."""

        async def close_all():
            for session in self._sessions.values():
                try:
                    await session.close()
                except Exception:
                    log.exception("Closing a generation session failed")
            self._sessions.clear()

        if self._sessions:
            await self.worker.run(close_all)
        self.worker.stop()

    def warm_up(self) -> None:
        """After `initialized`: import the pipeline and open the model client and tracing on the
        worker thread, so the first generation asks the model at once. A generation picked meanwhile
        queues behind it on the worker loop instead of doing the same work twice."""

        async def prepare():
            from codegen.errors import ConfigurationError

            started = time.perf_counter()
            # Importing holds the GIL in long stretches; switching threads more often meanwhile
            # keeps the event loop's replies (code actions, diagnostics) from waiting behind it.
            switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(WARM_UP_SWITCH_INTERVAL)
            try:
                settings = self.settings()
                settings.require_endpoint()
                self.session_for(settings).prepare()
                import codegen.execution  # noqa: F401  (the test runner, for the first test run)
            except ConfigurationError as error:  # said when a generation is asked for, not at start
                log.info("%s: %s", WARM_UP_SKIPPED, error)
                return
            finally:
                sys.setswitchinterval(switch_interval)
            log.info(
                "%s %.2f s: the model client and tracing are ready",
                WARM_UP_DONE,
                time.perf_counter() - started,
            )

        self.warm = asyncio.ensure_future(self.worker.run(prepare))
        self.warm.add_done_callback(_log_warm_up_failure)

    def document_changed(self, uri: str) -> None:
        state = self.documents.get(uri)
        if state is not None:
            state.changed()


def _log_warm_up_failure(future: asyncio.Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning(
            "Warm-up failed (the first generation will set up instead): %s", future.exception()
        )
