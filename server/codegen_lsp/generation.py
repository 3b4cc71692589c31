"""Running a generation: model stages with progress, then one workspace edit checked against the current text."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types

from . import placement
from .anchors import Anchor, anchor_for_request, refind
from .constants import (ACTION_TITLES, GENERATION_KINDS, KIND_ALL, KIND_FUNCTION, KIND_RUNNER, TRUST_HOWTO)
from .edits import preview_annotation
from .jobs import JobKey, prompt_key, runner_key, tests_key
from .merging import has_runner
from .plans import Generated, edit_for, plan, write_new_file
from .progress import TaskProgress
from .run_results import module_results
from .test_explorer import publish_results
from .stop import GenerationStopped

log = logging.getLogger(__name__)

# How long to wait for the client's didChange after it applied our edit, before the next edit.
EDIT_ECHO_TIMEOUT = 2.0


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


def start_generation(server, request: GenerationRequest, anchor: Anchor | None = None) -> dict[str, Any]:
    """Check the request, then answer at once: the work goes on in the background (see jobs.py)."""
    try:
        anchor, module_path = _prepare(server, request, anchor)
    except GenerationStopped as stop:
        server.show(str(stop), stop.kind)
        return {"started": False, "applied": False, "message": str(stop)}
    title = f"codegen: {ACTION_TITLES[request.kind].lower()} in {module_path.name}"
    key, busy = _job_key(request, anchor, module_path)
    return server.jobs.start(key, title, lambda progress: _generate(server, request, anchor, module_path, progress),
                             busy_message=busy)


def _prepare(server, request: GenerationRequest, anchor: Anchor | None) -> tuple[Anchor, Path]:
    """The anchor and the module's path; GenerationStopped when there is nothing to do."""
    document = server.document(request.uri)
    if document is None:
        raise GenerationStopped("Open the file before generating code for it.")
    anchor = anchor or anchor_for_request(request, document.source)
    module_path = server.module_path(request.uri)
    if module_path is None:
        raise GenerationStopped("codegen can only generate into files on disk (file:// URIs).")
    if request.kind == KIND_RUNNER and has_runner(document.source):
        raise GenerationStopped(
            f"{module_path.name} already has a main() or an `if __name__ == \"__main__\":` guard; left unchanged.",
            types.MessageType.Info,
        )
    return anchor, module_path


def _job_key(request: GenerationRequest, anchor: Anchor, module_path: Path) -> tuple[JobKey, str]:
    """What the job edits (one job at a time there), and what to say when one already runs."""
    if anchor.prompt is not None:
        return prompt_key(request.uri, anchor.prompt.text), "A generation for this prompt is already running."
    if request.kind == KIND_RUNNER:
        return runner_key(request.uri), f"A main() runner for {module_path.name} is already being generated."
    functions = anchor.functions or (anchor.function,)
    return tests_key(request.uri, functions), f"Tests for {', '.join(functions)} are already being generated."


async def _generate(server, request: GenerationRequest, anchor: Anchor, module_path: Path,
                    progress: TaskProgress) -> dict[str, Any]:
    """Run one request to the end; returns {"applied": bool, "message": str} and tells the user."""
    outcome: dict[str, Any] = {"applied": False, "message": ""}
    try:
        await progress.begin()
        settings = await server.worker.run(lambda: _settings(server))  # the first call imports pydantic
        document = server.document(request.uri)
        if document is None:
            raise GenerationStopped("The file was closed before the model was asked; nothing was changed.")
        generated = await _run_model(server, request, anchor, settings, progress, document.source,
                                     placement.module_name(module_path))
        progress.stage("format")
        results, not_run = None, None
        if generated.tests:
            results, not_run = await _run_tests(server, request, anchor, generated, progress)
        progress.stage("score")
        summary = _summary(generated, module_path, results, not_run)
        progress.stage("apply")
        await _apply(server, request, anchor, generated)
        if results is not None:
            server.results[request.uri] = results
            publish_results(server, results.explorer)
        outcome.update(applied=True, message=summary, testsRun=results is not None)
        server.show(summary, types.MessageType.Info)
    except GenerationStopped as stop:
        outcome["message"] = str(stop)
        server.show(str(stop), stop.kind)
    except asyncio.CancelledError:
        if not progress.cancelled:
            raise  # the server is shutting down
        asyncio.current_task().uncancel()
        outcome["message"] = "Generation cancelled; nothing was changed."
        server.show(outcome["message"], types.MessageType.Info)
    except Exception as error:
        outcome["message"] = _error_message(error)
        if not _is_codegen_error(error):
            log.exception("Generation failed")
        server.show(outcome["message"], types.MessageType.Error)
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

    def on_tokens(name: str, pieces: int, seconds: float) -> None:
        loop.call_soon_threadsafe(progress.tokens, name, pieces, seconds)

    return await server.worker.run(lambda: _model_stages(server, request, anchor, settings, (on_stage, on_tokens), text, module_name))


async def _model_stages(server, request: GenerationRequest, anchor: Anchor, settings, callbacks, text: str,
                        module_name: str) -> Generated:
    session = server.session_for(settings)
    pipeline = session.pipeline(*callbacks)
    generated = Generated()
    from_prompt = request.kind in (KIND_FUNCTION, KIND_ALL)
    generated.runner_skipped = request.kind == KIND_ALL and has_runner(text)
    source = anchor.prompt.text if from_prompt else anchor.function_source
    prompt = source if from_prompt else f"{request.kind} for {anchor.function or ', '.join(anchor.functions)}"
    output = await pipeline.generate_for_editor(request.kind, prompt, source, module_name,
                                                runner_exists=generated.runner_skipped)
    session.last_call_id = pipeline.call_id or session.last_call_id
    generated.code, generated.runner, generated.tests = (
        output["generated_code"], output["program_runner"], output["unit_tests"])
    return generated


async def _run_tests(server, request: GenerationRequest, anchor: Anchor, generated: Generated,
                     progress: TaskProgress) -> tuple[Any, str | None]:
    """Run the planned test file against the planned module, in codegen's sandbox: (results, None), or
    (None, why the tests were not run)."""
    refusal = tests_refused(server.options)
    if refusal is not None:
        return None, refusal
    try:
        from codegen.execution import run_tests_async
    except ImportError as error:
        log.warning("Tests not run: %s", error)
        return None, f"the test runner could not be loaded ({error}); see the server log"
    progress.stage("run")
    document = server.document(request.uri)
    if document is None:
        raise GenerationStopped("The file was closed while the model worked; nothing was changed.")
    anchor = refind(anchor, document.source)
    module_change, test_change = await asyncio.to_thread(plan, server, request.uri, anchor, generated)
    module_path = server.module_path(request.uri)
    run = await server.worker.run(lambda: run_tests_async(
        module_change.new_text, test_change.new_text,
        module_name=placement.module_name(module_path),
        test_module_name=Path(test_change.uri).stem,
        python=server.options.interpreter, allow_unsandboxed=server.options.allow_unsandboxed_tests,
        timeout=server.options.test_timeout,
        repeats=1,
        extra_paths=tuple(str(p) for p in {module_path.parent, server.root} if p is not None),
    ))
    return module_results(module_change.new_text, test_change.new_text, run, module_uri=request.uri,
                          test_uri=test_change.uri), None


def tests_refused(options) -> str | None:
    """Why tests must not run after a generation, or None when they may."""
    if not options.workspace_trusted:
        return f"this workspace is not trusted, and running them runs its code. {TRUST_HOWTO}"
    if not options.runs_tests_after_generation:
        return "codegen.runTestsAfterGeneration is off; run them with the codegen.runTests command"
    return None


async def _apply(server, request: GenerationRequest, anchor: Anchor, generated: Generated) -> None:
    """Re-find the anchor in the current text, build the edit against that version, and apply it."""
    capabilities = server.client_capabilities.workspace
    edit_capabilities = capabilities.workspace_edit if capabilities else None
    document_changes = bool(edit_capabilities and edit_capabilities.document_changes)
    creates = document_changes and bool(edit_capabilities.resource_operations and types.ResourceOperationKind.Create
                                        in edit_capabilities.resource_operations)
    # A preview where asked for and the client can show one; others get the plain edit.
    annotation = preview_annotation(ACTION_TITLES[request.kind]) if (
        server.options.preview_edits and document_changes and edit_capabilities.change_annotation_support is not None
    ) else None
    async with server.apply_lock(request.uri):
        for _ in range(3):
            document = server.document(request.uri)
            if document is None:
                raise GenerationStopped("The file was closed while the model worked; nothing was changed.")
            version = document.version
            # Merging, sorting imports and diffing a long file take a while: off the event loop.
            changes, edit = await asyncio.to_thread(
                lambda: edit_for(server, request.uri, anchor, generated, document_changes=document_changes, creates=creates,
                                 annotation=annotation))
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
                write_new_file(change)
        if any(change.uri == request.uri and change.old_text != change.new_text for change in changes):
            await server.wait_for_change(request.uri, version, EDIT_ECHO_TIMEOUT)


def _summary(generated: Generated, module_path: Path, results, not_run: str | None) -> str:
    made = [part for part, text in (("function", generated.code), ("main() runner", generated.runner),
                                     ("tests", generated.tests)) if text]
    message = f"Generated the {', '.join(made)} for {module_path.name}."
    if generated.code or generated.tests:
        from codegen.scoring import quality

        scores = quality.seed_scores(generated.code or "", generated.tests) if generated.code else None
        if scores is not None:
            message += f" Quality {scores.code_quality_score:.2g}, overall {scores.overall_score:.2g}."
    if generated.runner_skipped:
        message += f" {module_path.name} already has a main(); it was left unchanged."
    if results is not None:
        message += f" Tests: {results.summary}."
    elif not_run is not None:
        message += f" Tests not run: {not_run.rstrip('.')}."
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
