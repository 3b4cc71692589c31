"""When each document is analysed and its diagnostics published: the debounce, analysis in slices
between requests, outdated analyses, inlay hint refreshes."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Protocol

from lsprotocol import types
from pygls.protocol import JsonRPCProtocol
from pygls.workspace import Workspace

from codegen.scoring.quality_incremental import IncrementalModule

from . import pygls_compat
from .analysis import DocumentAnalysis
from .document_state import DocumentState
from .documents import LineDocument
from .features.diagnostics import lsp_diagnostics
from .run_results import ModuleResults
from .text import split_lines

if TYPE_CHECKING:
    from .request_context import RequestContext

log = logging.getLogger(__name__)

# Seconds of analysis between two turns of the event loop: a request arriving meanwhile waits for
# the rest of the slice. 1 ms slices measured worse on a 200,000-line file (longest codeAction
# ~200 ms against ~65 ms, alternated runs, load ~1.7 on 2 cores)
ANALYSIS_SLICE = 0.003


class DiagnosticsHost(Protocol):
    """What analysing and publishing need of the server: each request's context, the test runs'
    results, the open documents, the client and its position encoding."""

    @property
    def results(self) -> dict[str, ModuleResults]: ...

    # Whether a message waits to be read: analysis slices end early for it
    @property
    def input_waiting(self) -> Callable[[], bool] | None: ...

    @property
    def protocol(self) -> JsonRPCProtocol: ...

    @property
    def workspace(self) -> Workspace: ...

    @property
    def client_capabilities(self) -> types.ClientCapabilities: ...

    def context_for(self, uri: str) -> RequestContext: ...

    def units(self, text: str) -> int: ...

    def workspace_inlay_hint_refresh(self, params: None) -> Future[None]: ...


def schedule_diagnostics(server: DiagnosticsHost, uri: str, *, immediately: bool = False) -> None:
    """Publish diagnostics for `uri` once it has been quiet for the debounce delay."""
    context = server.context_for(uri)
    if not uri.endswith((".py", ".pyi")) and not _is_python(context.document):
        return
    context.state.cancel_debounce()
    delay = 0.0 if immediately else context.options.diagnostics_delay_ms / 1000
    context.state.debounce = asyncio.ensure_future(_diagnose_later(server, uri, delay))


async def _diagnose_later(server: DiagnosticsHost, uri: str, delay: float) -> None:
    if delay:
        await asyncio.sleep(delay)
    try:
        await publish_diagnostics(server, uri)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("Diagnostics for %s failed", uri)


async def publish_diagnostics(server: DiagnosticsHost, uri: str) -> None:
    """Analyse the current version and publish, unless the document changed meanwhile."""
    context = server.context_for(uri)
    analysis = await analysis_for(server, context)
    # Each step below takes milliseconds on a large file: requests are answered between them
    await asyncio.sleep(0)
    if not _still_current(context, analysis):
        return  # stale: a newer version has its own run coming
    assert analysis is not None
    diagnostics = lsp_diagnostics(
        analysis, server.results.get(uri), server.units, context.options.max_diagnostics
    )
    await asyncio.sleep(0)
    if not _still_current(context, analysis):
        return
    # Sent as JSON-ready dicts: lsprotocol's converter takes longer than the analysis for
    # hundreds of them.
    pygls_compat.send_raw(
        server.protocol,
        {
            "jsonrpc": "2.0",
            "method": types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
            "params": {"uri": uri, "version": analysis.version, "diagnostics": diagnostics},
        },
    )
    if context.state.stale_hints:
        context.state.stale_hints = False
        refresh_inlay_hints(server)


def _still_current(context: RequestContext, analysis: DocumentAnalysis | None) -> bool:
    document = context.current()
    return analysis is not None and document is not None and document.version == analysis.version


async def analysis_at_once(
    server: DiagnosticsHost, context: RequestContext
) -> DocumentAnalysis | None:
    """The last analysis of `uri`, whatever its version, without waiting for the current
    version's: when it is outdated, the current one is asked for and inlay hints are refreshed
    once it is published. Only a document never analysed yet waits for its first analysis
    (there is nothing to answer from; other requests are answered meanwhile)."""
    state = context.state
    analysis = state.analysis
    if analysis is None:
        return await analysis_for(server, context)
    document = context.document
    if document is not None and not _is_current(state, analysis, document):
        state.stale_hints = True
        pending = state.debounce
        if pending is None or pending.done():
            schedule_diagnostics(server, context.uri, immediately=True)
    return analysis


async def analysis_for(server: DiagnosticsHost, context: RequestContext) -> DocumentAnalysis | None:
    """The analysis of the document's current version, computed on the event loop in slices of a
    few milliseconds, so requests are answered between them; None if the document changed
    meanwhile.
    """
    document, state = context.document, context.state
    if document is None:
        return None
    async with state.analysis_lock:
        cached = state.analysis
        if cached is not None and _is_current(state, cached, document):
            return cached
        version = document.version
        test_changes = state.test_changes
        if isinstance(document, LineDocument):
            for _ in document.split_steps():
                await asyncio.sleep(0)
                if context.current() is not document:
                    return None
        tests = _tests_text(context)
        steps = _module_for(state, document).steps(
            ANALYSIS_SLICE, tests, interrupted=server.input_waiting
        )
        while True:
            try:
                next(steps)
            except StopIteration as done:
                module = done.value
                break
            # A full collection over a large file's new statements takes ~200 ms (measured at
            # 200,000 lines): freeze them as they come, so no slice pays for walking the ones
            # made before it.
            gc.freeze()
            await asyncio.sleep(0)
            if context.current() is not document or document.version != version:
                steps.close()
                return None
        # A LineDocument's lines are a tuple already (no copy); pygls's own are a list
        lines = tuple(document.lines)
        analysis = DocumentAnalysis(version, lines, module, tests, scored=not context.is_test_file)
        state.analysis = analysis
        state.analysed_with = test_changes
        # The statements' summaries live long and hold no cycles: keep the collector from
        # walking them all again on every collection (100+ ms pauses with a few large files
        # open).
        gc.freeze()
        return analysis


def _is_current(state: DocumentState, analysis: DocumentAnalysis, document) -> bool:
    """Whether `analysis` is of the document's current version and its test file's last
    change."""
    return analysis.version == document.version and state.analysed_with == state.test_changes


def _module_for(state: DocumentState, document) -> IncrementalModule:
    """The document's incremental analysis, listening to its edits (a reopened document gets a
    new one)."""
    known = state.module
    if known is not None and known[0] is document:
        return known[1]
    # A document that reports no edits: analyse it afresh
    if not isinstance(document, LineDocument):
        return IncrementalModule(split_lines(document.source))
    module = IncrementalModule(document.line_list)
    document.listeners.append(module.replace)
    state.module = (document, module)
    return module


def _tests_text(context: RequestContext) -> str | None:
    test_path = context.test_file()
    if test_path is None:
        return None
    try:
        return context.read(test_path)[0]
    except (OSError, UnicodeDecodeError) as error:
        log.warning("Cannot read %s: %s", test_path, error)
        return None


def rescore_modules_tested_by(server: DiagnosticsHost, uri: str) -> None:
    """The document at `uri` is a test file: its open modules' scores and findings change with
    it."""
    tests = server.context_for(uri)
    if not tests.is_test_file:
        return
    for other in list(server.workspace.text_documents):
        if other == uri:
            continue
        module = server.context_for(other)
        if module.test_file() == tests.module_path:
            # Its analysis still answers requests until the new one is done
            module.state.test_changes += 1
            schedule_diagnostics(server, other)


def refresh_inlay_hints(server: DiagnosticsHost) -> None:
    workspace = server.client_capabilities.workspace
    if workspace and workspace.inlay_hint and workspace.inlay_hint.refresh_support:
        server.workspace_inlay_hint_refresh(None)


def _is_python(document) -> bool:
    return document is not None and document.language_id == "python"
