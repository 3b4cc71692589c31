"""Every LSP feature the codegen server registers; each handler hands its work to a helper
module."""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from . import __version__, scheduling
from .config import parse_options
from .constants import (
    ACTION_KIND_FUNCTION,
    ACTION_KIND_MUTANT,
    ACTION_KIND_RUNNER,
    ACTION_KIND_TESTS,
    CANCEL,
    GENERATE,
    GENERATE_TESTS,
    RUN_TESTS,
    SERVER_NAME,
    SHOW_TRACE,
)
from .editing.prompts import MAX_PROMPT_LINES, FunctionAt
from .features import commands, configuration, generation, test_explorer, trace
from .features.actions import code_actions, mutant_actions
from .features.hints import carried_hints, function_hints, lsp_inlay_hints, module_hint
from .language_server import CodegenLanguageServer

log = logging.getLogger(__name__)

SERVER = CodegenLanguageServer(SERVER_NAME, __version__)


@SERVER.feature(types.INITIALIZE)
def initialize(server: CodegenLanguageServer, params: types.InitializeParams) -> None:
    server.use_line_documents()
    server.root_uri = params.root_uri or (
        params.workspace_folders[0].uri if params.workspace_folders else None
    )
    server.initial_settings = params.initialization_options
    server.options, server.pending_problems = parse_options(
        params.initialization_options, workspace_trusted=False, from_initialization=True
    )


@SERVER.feature(types.INITIALIZED)
async def initialized(server: CodegenLanguageServer, params: types.InitializedParams) -> None:
    server.connected()
    # First: a code action picked at once should see the configuration
    await configuration.pull_configuration(server)
    # The initialization options' problems, where no configuration came
    await configuration.settle_options(server)
    server.warm_up()


@SERVER.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(
    server: CodegenLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    await configuration.pull_configuration(server, pushed=params.settings)


@SERVER.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
async def did_change_workspace_folders(
    server: CodegenLanguageServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    # pygls has updated the folders: the root follows them (the first remaining folder once the
    # root went, none once every folder went), then each folder's settings are read
    configuration.follow_workspace(server)
    await configuration.pull_configuration(server)


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(server: CodegenLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    uri = params.text_document.uri
    scheduling.schedule_diagnostics(server, uri, immediately=True)
    scheduling.rescore_modules_tested_by(server, uri)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(server: CodegenLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    server.document_changed(uri)
    scheduling.schedule_diagnostics(server, uri)
    scheduling.rescore_modules_tested_by(server, uri)


@SERVER.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(server: CodegenLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    scheduling.rescore_modules_tested_by(server, params.text_document.uri)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(server: CodegenLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    server.forget(params.text_document.uri)
    server.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
    )


@SERVER.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[
            ACTION_KIND_FUNCTION,
            ACTION_KIND_RUNNER,
            ACTION_KIND_TESTS,
            ACTION_KIND_MUTANT,
        ]
    ),
)
def code_action(
    server: CodegenLanguageServer, params: types.CodeActionParams
) -> list[types.CodeAction]:
    context = server.context_for(params.text_document.uri)
    document = context.document
    if document is None:
        return []
    line = params.range.start.line
    analysis = context.state.analysis
    function = None
    if analysis is not None and analysis.version == document.version:
        info = analysis.top_level_function(line)
        function = FunctionAt(info.name, info.start_line - 1) if info else None
    mutants = mutant_actions(
        params.context.diagnostics,
        document.uri,
        document.version,
        tagged=server.supports_llm_tag(),
        only=params.context.only,
    )
    return mutants + code_actions(
        # The prompt or def around the line is within MAX_PROMPT_LINES of it
        server.lines_of(document, through=line + MAX_PROMPT_LINES + 1),
        line,
        document.uri,
        document.version,
        tagged=server.supports_llm_tag(),
        function=function,
        only=params.context.only,
        test_file=context.is_test_file,
        running=server.jobs.tokens_by_key(),
    )


@SERVER.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
async def inlay_hint(
    server: CodegenLanguageServer, params: types.InlayHintParams
) -> list[types.InlayHint]:
    uri = params.text_document.uri
    context = server.context_for(uri)
    analysis = await scheduling.analysis_at_once(server, context)
    document = context.current()
    if analysis is None or document is None:
        return []
    first, last = params.range.start.line, params.range.end.line
    if analysis.version == document.version:
        return lsp_inlay_hints(analysis, server.results.get(uri), first, last, server.units)
    # Answered from an older version at once; a refresh follows the current version's analysis. The
    # hints' lines are the old version's: ask for a wider range, keep those now in range.
    lines = server.lines_of(document)
    delta = len(lines) - len(analysis.lines)  # where an edit above a line moved it
    low, high = max(0, min(first, first - delta)), max(last, last - delta)
    old = function_hints(analysis, server.results.get(uri), low, high, server.units)
    hints = [
        hint
        for hint in carried_hints(old, analysis.lines, lines)
        if first <= hint.position.line <= last
    ]
    module = module_hint(analysis, lines, first, last, server.units)
    return ([module] if module is not None else []) + hints


# Long commands answer at once with {started, token, message}; the work goes on in the background
# and ends with a message, the progress's end and a $/codegen/finished notification (see jobs.py).
@SERVER.command(GENERATE)
def generate(server: CodegenLanguageServer, *arguments: Any) -> dict[str, Any]:
    request = _parsed(generation.GenerationRequest.from_arguments, arguments)
    return generation.start_generation(server, server.context_for(request.uri), request)


@SERVER.command(GENERATE_TESTS)
def generate_tests(server: CodegenLanguageServer, *arguments: Any) -> dict[str, Any]:
    return _answered(commands.generate_tests, server, arguments)


@SERVER.command(RUN_TESTS)
def run_tests(server: CodegenLanguageServer, *arguments: Any) -> dict[str, Any]:
    return _answered(commands.run_tests, server, arguments)


@SERVER.command(CANCEL)
async def cancel(server: CodegenLanguageServer, *arguments: Any) -> dict[str, Any]:
    try:
        return await commands.cancel(server, arguments)
    except commands.ArgumentError as error:
        raise _invalid(error) from None


@SERVER.feature(types.WINDOW_WORK_DONE_PROGRESS_CANCEL)
def work_done_progress_cancel(
    server: CodegenLanguageServer, params: types.WorkDoneProgressCancelParams
) -> None:
    server.jobs.cancel(token=str(params.token))


@SERVER.command(SHOW_TRACE)
async def show_trace(server: CodegenLanguageServer, *arguments: Any) -> dict[str, Any]:
    return await trace.show_trace(server, arguments)


@SERVER.feature(test_explorer.TEST_ITEMS)
def test_items(server: CodegenLanguageServer, params: Any) -> dict[str, Any] | None:
    uri = test_explorer.uri_parameter(params)
    if uri is None:
        raise JsonRpcInvalidParams(message="Invalid params: expected {uri}")
    return test_explorer.items_answer(server.context_for(uri))


@SERVER.feature(types.SHUTDOWN)
async def shutdown(server: CodegenLanguageServer, params: None) -> None:
    await server.jobs.stop_all()
    await server.close_sessions()


def _parsed(parse, arguments):
    try:
        return parse(arguments)
    except ValueError as error:
        raise _invalid(error) from None


def _answered(command, server, arguments):
    try:
        return command(server, arguments)
    except commands.ArgumentError as error:
        raise _invalid(error) from None


def _invalid(error: Exception) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(message=f"Invalid params: {error}")
