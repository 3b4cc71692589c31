"""When each document is analysed and its diagnostics published: the debounce, analysis in slices
between requests, outdated analyses, inlay hint refreshes."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from codegen.scoring.quality_incremental import IncrementalModule

from . import pygls_compat
from .analysis import DocumentAnalysis
from .document_state import DocumentState
from .documents import LineDocument
from .features.diagnostics import lsp_diagnostics
from .text import split_lines

if TYPE_CHECKING:  # the server's methods call these
    from .language_server import CodegenLanguageServer

log = logging.getLogger(__name__)

# Seconds of analysis between two turns of the event loop: a request arriving meanwhile waits for
# the rest of the slice. 1 ms slices measured worse on a 200,000-line file (longest codeAction
# ~200 ms against ~65 ms, alternated runs, load ~1.7 on 2 cores)
ANALYSIS_SLICE = 0.003


def schedule_diagnostics(
    server: CodegenLanguageServer, uri: str, *, immediately: bool = False
) -> None:
    """Publish diagnostics for `uri` once it has been quiet for the debounce delay."""
    if not uri.endswith((".py", ".pyi")) and not _is_python(server.document(uri)):
        return
    state = server.state(uri)
    state.cancel_debounce()
    delay = 0.0 if immediately else server.options_for(uri).diagnostics_delay_ms / 1000
    state.debounce = asyncio.ensure_future(_diagnose_later(server, uri, delay))


async def _diagnose_later(server: CodegenLanguageServer, uri: str, delay: float) -> None:
    if delay:
        await asyncio.sleep(delay)
    try:
        await publish_diagnostics(server, uri)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("Diagnostics for %s failed", uri)


async def publish_diagnostics(server: CodegenLanguageServer, uri: str) -> None:
    """Analyse the current version and publish, unless the document changed meanwhile."""
    analysis = await analysis_for(server, uri)
    # Each step below takes milliseconds on a large file: requests are answered between them
    await asyncio.sleep(0)
    if not _still_current(server, uri, analysis):
        return  # stale: a newer version has its own run coming
    assert analysis is not None
    diagnostics = lsp_diagnostics(
        analysis, server.results.get(uri), server.units, server.options_for(uri).max_diagnostics
    )
    await asyncio.sleep(0)
    if not _still_current(server, uri, analysis):
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
    state = server.documents.get(uri)
    if state is not None and state.stale_hints:
        state.stale_hints = False
        refresh_inlay_hints(server)


def _still_current(
    server: CodegenLanguageServer, uri: str, analysis: DocumentAnalysis | None
) -> bool:
    document = server.document(uri)
    return analysis is not None and document is not None and document.version == analysis.version


async def analysis_at_once(server: CodegenLanguageServer, uri: str) -> DocumentAnalysis | None:
    """The last analysis of `uri`, whatever its version, without waiting for the current
    version's: when it is outdated, the current one is asked for and inlay hints are refreshed
    once it is published. Only a document never analysed yet waits for its first analysis
    (there is nothing to answer from; other requests are answered meanwhile)."""
    state = server.documents.get(uri)
    analysis = state.analysis if state is not None else None
    if state is None or analysis is None:
        return await analysis_for(server, uri)
    document = server.document(uri)
    if document is not None and not _is_current(state, analysis, document):
        state.stale_hints = True
        pending = state.debounce
        if pending is None or pending.done():
            schedule_diagnostics(server, uri, immediately=True)
    return analysis


async def analysis_for(server: CodegenLanguageServer, uri: str) -> DocumentAnalysis | None:
    """The analysis of the document's current version, computed on the event loop in slices of a
    few milliseconds, so requests are answered between them; None if the document changed
    meanwhile.
    """
    document = server.document(uri)
    if document is None:
        return None
    state = server.state(uri)
    async with state.analysis_lock:
        cached = state.analysis
        if cached is not None and _is_current(state, cached, document):
            return cached
        version = document.version
        test_changes = state.test_changes
        if isinstance(document, LineDocument):
            for _ in document.split_steps():
                await asyncio.sleep(0)
                if server.document(uri) is not document:
                    return None
        tests = _tests_text(server, uri)
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
            if server.document(uri) is not document or document.version != version:
                steps.close()
                return None
        analysis = DocumentAnalysis(
            version, document.lines, module, tests, scored=not server.is_test_file(uri)
        )
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


def _tests_text(server: CodegenLanguageServer, uri: str) -> str | None:
    test_path = server.test_file(uri)
    if test_path is None:
        return None
    try:
        return server.text_and_version(test_path)[0]
    except (OSError, UnicodeDecodeError) as error:
        log.warning("Cannot read %s: %s", test_path, error)
        return None


def rescore_modules_tested_by(server: CodegenLanguageServer, uri: str) -> None:
    """The document at `uri` is a test file: its open modules' scores and findings change with
    it."""
    if not server.is_test_file(uri):
        return
    path = server.module_path(uri)
    for other in list(server.workspace.text_documents):
        if other != uri and server.test_file(other) == path:
            # Its analysis still answers requests until the new one is done
            server.state(other).test_changes += 1
            schedule_diagnostics(server, other)


def refresh_inlay_hints(server: CodegenLanguageServer) -> None:
    workspace = server.client_capabilities.workspace
    if workspace and workspace.inlay_hint and workspace.inlay_hint.refresh_support:
        server.workspace_inlay_hint_refresh(None)


def _is_python(document) -> bool:
    return document is not None and document.language_id == "python"
