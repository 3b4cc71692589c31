"""A generation: the pipeline's one traced predict with progress, then one workspace edit checked
against the current text."""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from .. import scheduling
from ..config import ServerOptions, codegen_settings, tests_refused
from ..constants import (
    ACTION_TITLES,
    CATCH_MUTANT_TITLE,
    GENERATION_KINDS,
    KIND_ALL,
    KIND_FUNCTION,
    KIND_RUNNER,
    KIND_TESTS,
    METHOD_TITLES,
)
from ..editing.anchors import Anchor, anchor_for_request, class_source, refind
from ..editing.merging import has_runner
from ..editing.plans import FilesSnapshot, Generated, plan
from ..jobs import JobKey, prompt_key, reported, runner_key, tests_key
from ..progress import TaskProgress
from ..run_results import module_results
from ..stop import GenerationStopped
from .applying import apply_generated, files_snapshot
from .context_sources import context_fields
from .test_explorer import publish_results

if TYPE_CHECKING:  # the server imports this module
    from ..language_server import CodegenLanguageServer
    from ..request_context import RequestContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GenerationRequest:
    """What `codegen.generate` was asked for: a kind of code, for a document, at a line."""

    uri: str
    kind: str
    line: int = 0
    version: int | None = None
    function: str | None = None
    # A surviving mutant to catch: (its 1-based line, its change "`<` → `<=`"); tests kind only
    mutant: tuple[int, str] | None = None

    @classmethod
    def from_arguments(cls, arguments: tuple[Any, ...]) -> GenerationRequest:
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
        return cls(uri, kind, line, version, function, _mutant_argument(data.get("mutant"), kind))


def _mutant_argument(value: Any, kind: str) -> tuple[int, str] | None:
    """`{line, description}` of a surviving mutant, from its diagnostic's code action."""
    if value is None:
        return None
    line = value.get("line") if isinstance(value, dict) else None
    description = value.get("description") if isinstance(value, dict) else None
    if kind != KIND_TESTS or not isinstance(line, int) or not isinstance(description, str):
        raise ValueError("mutant must be {line, description}, with kind tests")
    return line, description


def start_generation(
    server: CodegenLanguageServer,
    context: RequestContext,
    request: GenerationRequest,
    anchor: Anchor | None = None,
) -> dict[str, Any]:
    """Check the request, then answer at once: the work goes on in the background (see jobs.py).
    `context`: the request's document, resolved where it entered."""
    try:
        anchor, module_path = _prepare(context, request, anchor)
    except GenerationStopped as stop:
        server.show(str(stop), stop.kind)
        return {"started": False, "applied": False, "message": str(stop)}
    title = f"codegen: {_title(request, anchor).lower()} in {module_path.name}"
    key, busy = _job_key(request, anchor, module_path)
    return server.jobs.start(
        key,
        title,
        lambda progress: _generate(server, context, request, anchor, module_path, progress),
        busy_message=busy,
    )


def _prepare(
    context: RequestContext, request: GenerationRequest, anchor: Anchor | None
) -> tuple[Anchor, Path]:
    """The anchor and the module's path; GenerationStopped when there is nothing to do."""
    document = context.document
    if document is None:
        raise GenerationStopped("Open the file before generating code for it.")
    anchor = anchor or anchor_for_request(request, document.source)
    module_path = context.module_path
    if module_path is None:
        raise GenerationStopped("codegen can only generate into files on disk (file:// URIs).")
    if request.kind == KIND_RUNNER and has_runner(document.source):
        raise GenerationStopped(
            f'{module_path.name} already has a main() or an `if __name__ == "__main__":` guard;'
            " left unchanged.",
            types.MessageType.Info,
        )
    return anchor, module_path


def _title(request: GenerationRequest, anchor: Anchor) -> str:
    """The action's title: "Generate method" for a prompt in a class body."""
    if request.mutant is not None:
        return CATCH_MUTANT_TITLE
    if anchor.prompt is not None and anchor.prompt.class_name and request.kind in METHOD_TITLES:
        return METHOD_TITLES[request.kind]
    return ACTION_TITLES[request.kind]


def _method_of(request: GenerationRequest, anchor: Anchor, text: str):
    """The class a prompt in its body asks method(s) of, or None."""
    from codegen.generation import MethodOf

    prompt = anchor.prompt
    if prompt is None or prompt.class_name is None or request.kind not in METHOD_TITLES:
        return None
    return MethodOf(prompt.class_name, class_source(text, prompt.class_name))


def _job_key(request: GenerationRequest, anchor: Anchor, module_path: Path) -> tuple[JobKey, str]:
    """What the job edits (one job at a time there), and what to say when one already runs."""
    if anchor.prompt is not None:
        return (
            prompt_key(request.uri, anchor.prompt.text),
            "A generation for this prompt is already running.",
        )
    if request.kind == KIND_RUNNER:
        return (
            runner_key(request.uri),
            f"A main() runner for {module_path.name} is already being generated.",
        )
    functions = anchor.functions or ((anchor.function,) if anchor.function else ())
    return (
        tests_key(request.uri, functions),
        f"Tests for {', '.join(functions)} are already being generated.",
    )


async def _generate(
    server: CodegenLanguageServer,
    context: RequestContext,
    request: GenerationRequest,
    anchor: Anchor,
    module_path: Path,
    progress: TaskProgress,
) -> dict[str, Any]:
    """Run one request to the end; returns {"applied": bool, "message": str} and tells the user."""
    outcome: dict[str, Any] = {"applied": False, "message": ""}

    async def generate_and_apply() -> None:
        await progress.begin()
        options, folder = context.options, context.folder
        # The first call imports pydantic
        settings = await server.worker.run(lambda: _settings(options, folder))
        files = files_snapshot(
            context, "The file was closed before the model was asked; nothing was changed."
        )
        generated, scores, run = await _run_pipeline(
            server, context, request, anchor, settings, progress, files
        )
        # Off the loop: finding the functions scans the whole (maybe long) module
        results = (
            None
            if run is None
            else await asyncio.to_thread(
                functools.partial(
                    module_results,
                    run[0].module_code,
                    run[0].test_code,
                    run[2],
                    module_uri=request.uri,
                    test_uri=run[1],
                    mutation=run[3],
                )
            )
        )
        not_run = tests_refused(options) if generated.tests and run is None else None
        method = anchor.prompt is not None and anchor.prompt.class_name is not None
        summary = _summary(generated, module_path, scores, results, not_run, method=method)
        progress.stage("apply")
        await apply_generated(server, context, _title(request, anchor), anchor, generated)
        if results is not None:
            server.results[request.uri] = results
            publish_results(server.protocol, results.explorer)
        outcome.update(applied=True, message=summary, testsRun=results is not None)
        server.show(summary, types.MessageType.Info)

    await reported(
        server.show,
        progress,
        outcome,
        generate_and_apply,
        cancelled="Generation cancelled; nothing was changed.",
        describe=_error_message,
    )
    if outcome["applied"]:
        # Analysed before the job is reported finished (as runTests does): requests answer from the
        # last analysis at once, so hints asked for then show the new code's results
        await scheduling.publish_diagnostics(server, request.uri)
        scheduling.refresh_inlay_hints(server)
    return outcome


async def _settings(options: ServerOptions, folder: Path | None):
    """The pipeline's Settings for the document's folder; GenerationStopped when unusable."""
    from codegen.errors import ConfigurationError

    try:
        settings = codegen_settings(options, folder)
        settings.require_endpoint()
    except ConfigurationError as error:
        raise GenerationStopped(str(error), types.MessageType.Error) from None
    return settings


async def _run_pipeline(
    server: CodegenLanguageServer,
    context: RequestContext,
    request: GenerationRequest,
    anchor: Anchor,
    settings,
    progress: TaskProgress,
    files: FilesSnapshot,
):
    """The pipeline's one traced `predict`, on the worker loop (formatting there cannot delay other
    requests).

    Its tests run against the module and test file as merged at that moment, read back on the
    server's loop. Returns (what to apply, the seed scores or None, (files, test URI, TestRunResult)
    of the kept run or None).
    """
    loop = asyncio.get_running_loop()
    folder = context.folder
    test_uris: dict[str, str] = {}  # test file text -> its URI, for the results of the run kept

    def on_stage(name: str) -> None:
        loop.call_soon_threadsafe(progress.stage, name)

    def on_tokens(name: str, pieces: int, seconds: float) -> None:
        loop.call_soon_threadsafe(progress.tokens, name, pieces, seconds)

    async def now() -> FilesSnapshot:
        return files_snapshot(
            context, "The file was closed while the model worked; nothing was changed."
        )

    async def compose(code: str, runner: str, tests: str):
        from codegen.generation import SavedFiles

        current = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(now(), loop))
        module_change, test_change = await asyncio.to_thread(
            plan, current, refind(anchor, current.text), _generated(request, code, runner, tests)
        )
        if test_change is None:  # the pipeline composes only to run tests
            raise ValueError("composed files without tests")
        test_uris[test_change.new_text] = test_change.uri
        return SavedFiles(module_change.new_text, test_change.new_text, current.test_path.stem)

    where = context_fields(context, anchor, files)

    async def predict():
        from codegen.generation import Destination, SavedFiles

        session = server.session_for(settings)
        extra_paths = tuple(str(p) for p in {files.module_path.parent, folder} if p is not None)
        pipeline = session.pipeline(
            on_stage,
            on_tokens,
            project_dir=folder,
            destination=Destination(
                files.module_name, compose, extra_paths, files.test_text, **where
            ),
        )
        if request.mutant is not None and anchor.function is not None:
            output = await pipeline.catch_mutant(
                SavedFiles(files.text, files.test_text or "", files.test_path.stem),
                anchor.function,
                *request.mutant,
            )
            return output, pipeline.last_run
        prompt = anchor.prompt if request.kind in (KIND_FUNCTION, KIND_ALL) else None
        functions = anchor.function or ", ".join(anchor.functions)
        output = await pipeline.predict(
            prompt.text if prompt else f"{request.kind} for {functions}",
            code=None if prompt else anchor.function_source,
            parts="all" if request.kind == KIND_ALL else request.kind,
            runner_exists=request.kind == KIND_ALL and has_runner(files.text),
            method_of=method_of,
        )
        session.last_call_id = pipeline.call_id or session.last_call_id
        return output, pipeline.last_run

    method_of = _method_of(request, anchor, files.text)
    output, kept = await server.worker.run(predict)
    generated = _generated(
        request, output["generated_code"], output["program_runner"], output["unit_tests"]
    )
    generated.runner_skipped = (
        request.kind == KIND_ALL and method_of is None and has_runner(files.text)
    )
    run = (
        None
        if kept is None
        else (kept[0], test_uris[kept[0].test_code], kept[1], output.get("mutation"))
    )
    scores = output["scores"] if generated.code else None
    return generated, scores, run


def _generated(request: GenerationRequest, code: str, runner: str, tests: str) -> Generated:
    """What to merge: the function only where it was generated (else `code` is the existing one)."""
    return Generated(code if request.kind in (KIND_FUNCTION, KIND_ALL) else "", runner, tests)


def _summary(
    generated: Generated,
    module_path: Path,
    scores: dict[str, float] | None,
    results,
    not_run: str | None,
    *,
    method: bool = False,
) -> str:
    made = [
        part
        for part, text in (
            ("method" if method else "function", generated.code),
            ("main() runner", generated.runner),
            ("tests", generated.tests),
        )
        if text
    ]
    message = f"Generated the {', '.join(made)} for {module_path.name}."
    if scores is not None:
        message += (
            f" Quality {scores['code_quality_score']:.2g}, overall {scores['overall_score']:.2g}."
        )
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
    log.exception("Generation failed", exc_info=error)
    return (
        f"codegen failed unexpectedly ({type(error).__name__}: {error}); nothing was changed. See"
        " the server log."
    )
