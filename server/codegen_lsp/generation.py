"""Running a generation: model stages with progress, then one workspace edit checked against the current text."""

from __future__ import annotations

import ast
import asyncio
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from . import placement
from .constants import (ACTION_TITLES, GENERATION_KINDS, KIND_ALL, KIND_FUNCTION, KIND_RUNNER, KIND_TESTS)
from .edits import FileChange, workspace_edit
from .merging import (MergeError, append_runner, has_runner, merge_imports, merge_test_file, place_function,
                      split_imports, split_lines)
from .progress import TaskProgress
from .prompts import Prompt, find_prompt, function_at, function_block, prompt_at
from .run_results import module_results

log = logging.getLogger(__name__)

# How long to wait for the client's didChange after it applied our edit, before the next edit.
EDIT_ECHO_TIMEOUT = 2.0


class GenerationStopped(Exception):
    """The generation cannot go on; the message is for the user."""

    def __init__(self, message: str, kind: types.MessageType = types.MessageType.Warning):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class GenerationRequest:
    """What `codegen.generate` was asked for: a kind of code, for a document, at a line."""

    uri: str
    kind: str
    line: int = 0
    version: int | None = None
    function: str | None = None

    @classmethod
    def from_arguments(cls, arguments: tuple[Any, ...]) -> "GenerationRequest":
        """From `[{uri, kind, line, version, function}]`; raises ValueError saying what is wrong."""
        if len(arguments) != 1 or not isinstance(arguments[0], dict):
            raise ValueError("expected one argument: {uri, kind, line, version?, function?}")
        data = arguments[0]
        uri, kind, line = data.get("uri"), data.get("kind", KIND_ALL), data.get("line", 0)
        version, function = data.get("version"), data.get("function")
        if not isinstance(uri, str) or not uri:
            raise ValueError("uri must be a document URI")
        if kind not in GENERATION_KINDS:
            raise ValueError(f"kind must be one of {', '.join(GENERATION_KINDS)}")
        if isinstance(line, bool) or not isinstance(line, int) or line < 0:
            raise ValueError("line must be a non-negative integer")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
            raise ValueError("version must be an integer")
        if function is not None and (not isinstance(function, str) or not function.isidentifier()):
            raise ValueError("function must be a function name")
        return cls(uri, kind, line, version, function)


@dataclass
class Generated:
    """What the model made, formatted; empty strings for parts not asked for."""

    code: str = ""
    runner: str = ""
    tests: str = ""
    runner_skipped: bool = False


@dataclass(frozen=True)
class Anchor:
    """Where the result goes: the prompt comment, or the function the code was made for."""

    prompt: Prompt | None = None
    function: str | None = None
    function_source: str = ""
    functions: tuple[str, ...] = ()  # for tests of several functions at once


async def generate(server, request: GenerationRequest, anchor: Anchor | None = None) -> dict[str, Any]:
    """Run one request to the end; returns {"applied": bool, "message": str} and tells the user."""
    progress = TaskProgress(server, f"codegen: {ACTION_TITLES[request.kind].lower()}")
    outcome = {"applied": False, "message": ""}
    try:
        document = server.document(request.uri)
        if document is None:
            raise GenerationStopped("Open the file before generating code for it.")
        anchor = anchor or _anchor(request, document.source)
        module_path = server.module_path(request.uri)
        if module_path is None:
            raise GenerationStopped("codegen can only generate into files on disk (file:// URIs).")
        if request.kind == KIND_RUNNER and has_runner(document.source):
            raise GenerationStopped(
                f"{module_path.name} already has a main() or an `if __name__ == \"__main__\":` guard; left unchanged.",
                types.MessageType.Info,
            )
        settings = await server.worker.run(lambda: _settings(server))  # the first call imports pydantic
        await progress.begin()
        generated = await _run_model(server, request, anchor, settings, progress, document.source,
                                     placement.module_name(module_path))
        progress.stage("format")
        results = None
        if generated.tests and server.options.runs_tests_after_generation:
            results = await _run_tests(server, request, anchor, generated, progress)
        progress.stage("score")
        summary = _summary(generated, module_path, results)
        progress.stage("apply")
        await _apply(server, request, anchor, generated)
        if results is not None:
            server.results[request.uri] = results
        outcome.update(applied=True, message=summary)
        server.show(summary, types.MessageType.Info)
    except GenerationStopped as stop:
        outcome["message"] = str(stop)
        server.show(str(stop), stop.kind)
    except asyncio.CancelledError:
        if not progress.cancelled:
            raise  # the request itself was cancelled ($/cancelRequest, shutdown)
        asyncio.current_task().uncancel()
        outcome["message"] = "Generation cancelled; nothing was changed."
        server.show(outcome["message"], types.MessageType.Info)
    except Exception as error:
        outcome["message"] = _error_message(error)
        if not _is_codegen_error(error):
            log.exception("Generation failed")
        server.show(outcome["message"], types.MessageType.Error)
    finally:
        progress.end(outcome["message"] or "Done")
    if outcome["applied"]:
        server.schedule_diagnostics(request.uri)
        server.refresh_inlay_hints()
    return outcome


async def _settings(server):
    from codegen.errors import ConfigurationError

    try:
        settings = server.settings()
        settings.require_endpoint()
    except ConfigurationError as error:
        raise GenerationStopped(str(error), types.MessageType.Error) from None
    return settings


async def _run_model(server, request: GenerationRequest, anchor: Anchor, settings, progress: TaskProgress,
                     text: str, module_name: str) -> Generated:
    """The model stages, on the worker loop: formatting generated code there cannot delay other requests."""
    loop = asyncio.get_running_loop()

    def on_stage(name: str) -> None:
        loop.call_soon_threadsafe(progress.stage, name)

    return await server.worker.run(lambda: _model_stages(server, request, anchor, settings, on_stage, text, module_name))


async def _model_stages(server, request: GenerationRequest, anchor: Anchor, settings, on_stage, text: str,
                        module_name: str) -> Generated:
    pipeline = server.session_for(settings).pipeline(on_stage)
    generated = Generated()
    if request.kind in (KIND_FUNCTION, KIND_ALL):
        generated.code = await pipeline.function_for(anchor.prompt.text)
    if request.kind == KIND_ALL:
        generated.runner_skipped = has_runner(text)
        runner = pipeline.runner_for(generated.code) if not generated.runner_skipped else _nothing()
        generated.runner, generated.tests = await _gather(runner, pipeline.tests_for(generated.code, module_name))
    elif request.kind == KIND_RUNNER:
        generated.runner = await pipeline.runner_for(anchor.function_source)
    elif request.kind == KIND_TESTS:
        generated.tests = await pipeline.tests_for(anchor.function_source, module_name)
    return generated


async def _nothing() -> str:
    return ""


async def _gather(*coroutines):
    """asyncio.gather whose first failure cancels the others."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _run_tests(server, request: GenerationRequest, anchor: Anchor, generated: Generated, progress: TaskProgress):
    """Run the planned test file against the planned module, in codegen's sandbox."""
    try:
        from codegen.execution import run_tests_async
    except ImportError as error:
        log.warning("Tests not run: %s", error)
        return None
    progress.stage("run")
    document = server.document(request.uri)
    if document is None:
        raise GenerationStopped("The file was closed while the model worked; nothing was changed.")
    anchor = _refind(anchor, document.source)
    module_change, test_change = await asyncio.to_thread(_plan, server, request, anchor, generated)
    module_path = server.module_path(request.uri)
    run = await server.worker.run(lambda: run_tests_async(
        module_change.new_text, test_change.new_text,
        module_name=placement.module_name(module_path),
        test_module_name=Path(test_change.uri).stem,
        python=server.options.interpreter,
        timeout=server.options.test_timeout,
        repeats=1,
        extra_paths=tuple(str(p) for p in {module_path.parent, server.root} if p is not None),
    ))
    return module_results(module_change.new_text, test_change.new_text, run)


async def _apply(server, request: GenerationRequest, anchor: Anchor, generated: Generated) -> None:
    """Re-find the anchor in the current text, build the edit against that version, and apply it."""
    capabilities = server.client_capabilities.workspace
    edit_capabilities = capabilities.workspace_edit if capabilities else None
    document_changes = bool(edit_capabilities and edit_capabilities.document_changes)
    creates = document_changes and bool(edit_capabilities.resource_operations and types.ResourceOperationKind.Create
                                        in edit_capabilities.resource_operations)
    async with server.apply_lock(request.uri):
        for _ in range(3):
            document = server.document(request.uri)
            if document is None:
                raise GenerationStopped("The file was closed while the model worked; nothing was changed.")
            version = document.version
            # Merging, sorting imports and diffing a long file take a while: off the event loop.
            changes, edit = await asyncio.to_thread(_edit, server, request, anchor, generated, document_changes, creates)
            if server.document(request.uri) is document and document.version == version:
                break
        else:
            raise GenerationStopped("The file kept changing while the generated code was being merged; "
                                    "nothing was changed. Try again.")
        result = await server.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=f"codegen: {ACTION_TITLES[request.kind].lower()}")
        )
        if not result.applied:
            reason = f" ({result.failure_reason})" if result.failure_reason else ""
            raise GenerationStopped(f"The editor did not apply the generated code{reason}; nothing was changed.")
        for change in changes:
            if change.old_text is None and not creates:
                _write_new_file(change)  # the client cannot create files: write the new test file ourselves
        if any(change.uri == request.uri and change.old_text != change.new_text for change in changes):
            await server.wait_for_change(request.uri, version, EDIT_ECHO_TIMEOUT)


def _edit(server, request: GenerationRequest, anchor: Anchor, generated: Generated, document_changes: bool,
          creates: bool) -> tuple[list[FileChange], types.WorkspaceEdit]:
    document = server.document(request.uri)
    anchor = _refind(anchor, document.source)
    changes = [change for change in _plan(server, request, anchor, generated) if change is not None]
    in_edit = [change for change in changes if change.old_text is not None or creates]
    return changes, workspace_edit(in_edit, server.units, document_changes=document_changes)


def _write_new_file(change: FileChange) -> None:
    path = Path(to_fs_path(change.uri))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite
        handle.write(change.new_text)


def _anchor(request: GenerationRequest, text: str) -> Anchor:
    lines = split_lines(text)
    if request.kind in (KIND_FUNCTION, KIND_ALL):
        prompt = prompt_at(lines, request.line)
        if prompt is None:
            raise GenerationStopped(f"There is no comment prompt at line {request.line + 1}; "
                                    "write a comment describing the function and try again there.")
        return Anchor(prompt=prompt)
    name = request.function
    if name is None:
        found = function_at(lines, request.line)
        if found is None:
            raise GenerationStopped(f"There is no function at line {request.line + 1}.")
        name = found.name
    block = function_span(text, lines, name)
    if block is None:
        raise GenerationStopped(f"There is no top-level function named {name}.")
    return Anchor(function=name, function_source="".join(lines[block[0]:block[1]]))


def function_span(text: str, lines: list[str], name: str) -> tuple[int, int] | None:
    """[start, end) lines of top-level function `name`, decorators included: by the AST when the file
    parses, else by indentation."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return function_block(lines, name)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            return first - 1, node.end_lineno
    return None


def anchor_for_functions(text: str, names: list[str]) -> Anchor:
    """The anchor for tests of several functions at once (codegen.generateTests on a whole file)."""
    lines = split_lines(text)
    sources = []
    for name in names:
        block = function_span(text, lines, name)
        if block is not None:
            sources.append("".join(lines[block[0]:block[1]]).strip("\n"))
    return Anchor(function=names[0], function_source="\n\n\n".join(sources) + "\n", functions=tuple(names))


def _refind(anchor: Anchor, text: str) -> Anchor:
    """The same anchor in the current text; GenerationStopped when it is gone or changed."""
    lines = split_lines(text)
    if anchor.prompt is not None:
        prompt = find_prompt(lines, anchor.prompt)
        if prompt is None:
            raise GenerationStopped("The prompt comment changed while the model was working, so nothing was changed. "
                                    "Run the action again on the new prompt.")
        return replace(anchor, prompt=prompt)
    current = anchor_for_functions(text, list(anchor.functions)) if anchor.functions else None
    if current is None:
        block = function_span(text, lines, anchor.function)
        source = "".join(lines[block[0]:block[1]]) if block else None
    else:
        source = current.function_source
    if source != anchor.function_source:
        raise GenerationStopped(f"{anchor.function} changed while the model was working, so nothing was changed. "
                                "Run the action again.")
    return anchor


def _plan(server, request: GenerationRequest, anchor: Anchor, generated: Generated):
    """(module change, test file change or None) from the current texts; raises GenerationStopped."""
    document = server.document(request.uri)
    text = document.source
    new_text = text
    if generated.code:
        imports, body = split_imports(generated.code)
        new_text = place_function(new_text, anchor.prompt, body, keep_prompt=server.options.keep_prompt_comment)
        new_text = merge_imports(new_text, imports)
    if generated.runner:
        imports, body = split_imports(generated.runner)
        new_text = merge_imports(append_runner(new_text, body), imports)
    module_change = FileChange(request.uri, text, new_text, document.version)
    if not generated.tests:
        return module_change, None
    module_path = server.module_path(request.uri)
    test_path = placement.existing_test_file(module_path, server.root, server.options.test_location) \
        or placement.test_file_path(module_path, server.root, server.options.test_location)
    try:
        existing, version = server.text_and_version(test_path)
    except (OSError, UnicodeDecodeError) as error:
        raise GenerationStopped(f"Cannot read {test_path.name} ({error}); nothing was changed.") from None
    if existing is None:
        test_change = FileChange(from_fs_path(str(test_path)), None, generated.tests, None)
    else:
        try:
            merged = merge_test_file(existing, generated.tests, module_name=placement.module_name(module_path))
        except MergeError as error:
            raise GenerationStopped(f"{test_path.name}: {error}.") from None
        test_change = FileChange(from_fs_path(str(test_path)), existing, merged, version)
    return module_change, test_change


def _summary(generated: Generated, module_path: Path, results) -> str:
    made = [part for part, text in (("function", generated.code), ("main() runner", generated.runner),
                                     ("tests", generated.tests)) if text]
    message = f"Generated the {', '.join(made)} for {module_path.name}."
    if generated.code or generated.tests:
        from codegen import quality

        scores = quality.seed_scores(generated.code or "", generated.tests) if generated.code else None
        if scores is not None:
            message += f" Quality {scores.code_quality_score:.2g}, overall {scores.overall_score:.2g}."
    if generated.runner_skipped:
        message += f" {module_path.name} already has a main(); it was left unchanged."
    if results is not None:
        message += f" Tests: {results.summary}."
    return message


def _is_codegen_error(error: BaseException) -> bool:
    try:
        from codegen.errors import CodegenError
    except ImportError:
        return False
    return isinstance(error, CodegenError)


def _error_message(error: BaseException) -> str:
    if _is_codegen_error(error):
        return str(error)
    return f"codegen failed unexpectedly ({type(error).__name__}: {error}); nothing was changed. See the server log."
