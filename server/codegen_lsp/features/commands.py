"""The palette commands: tests for a function or a whole file, a sandboxed test run, cancel (the
trace is in trace.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

from .. import placement, scheduling
from ..config import ServerOptions, codegen_settings
from ..constants import KIND_TESTS, TRUST_HOWTO
from ..editing.anchors import anchor_for_functions
from ..editing.prompts import function_at
from ..jobs import reported, test_run_key
from ..progress import TaskProgress
from ..run_results import module_results, top_level_functions
from ..stop import GenerationStopped
from ..text import split_lines
from .generation import GenerationRequest, start_generation
from .test_explorer import publish_results

if TYPE_CHECKING:  # the server imports this module
    from ..language_server import CodegenLanguageServer
    from ..request_context import RequestContext

# How long `codegen.cancel` waits for the jobs to end before it answers.
CANCEL_WAIT = 2.0


class ArgumentError(ValueError):
    """A command was called with arguments it cannot use; answered as Invalid Params."""


def _uri_argument(arguments: tuple[Any, ...]) -> tuple[str, Any]:
    """(uri, the optional second argument); ValueError when the first is not a URI."""
    if not arguments:
        raise ArgumentError("expected a document URI")
    first = arguments[0]
    uri = first.get("uri") if isinstance(first, dict) else first
    if not isinstance(uri, str) or not uri:
        raise ArgumentError("the first argument must be a document URI")
    rest = arguments[1] if len(arguments) > 1 else None
    if isinstance(first, dict) and rest is None:
        rest = first.get("function") or first.get("position") or first.get("line")
    if not (
        rest is None
        or isinstance(rest, str)
        or (isinstance(rest, int) and not isinstance(rest, bool))
        or (isinstance(rest, dict) and isinstance(rest.get("line"), int))
    ):
        raise ArgumentError(
            "the second argument must be a function name or a position {line, character}"
        )
    return uri, rest


def _refused(
    server: CodegenLanguageServer,
    message: str,
    kind: types.MessageType = types.MessageType.Warning,
    **fields: Any,
) -> dict[str, Any]:
    """Answer a command that will not start, and tell the user why."""
    server.show(message, kind)
    return {"started": False, "message": message, **fields}


def generate_tests(server: CodegenLanguageServer, arguments: tuple[Any, ...]) -> dict[str, Any]:
    """Tests for one function (by name or position), or for every function in the file that has
    none."""
    uri, target = _uri_argument(arguments)
    context = server.context_for(uri)
    document = context.document
    if document is None:
        return _refused(server, "Open the file before generating tests for it.", applied=False)
    text = document.source
    name = _function_name(text, target)
    if name is not None:
        return start_generation(
            server, context, GenerationRequest(uri, KIND_TESTS, 0, document.version, name)
        )
    names = _untested_functions(context, text)
    if not names:
        has_functions = any(not name.startswith("_") for name in top_level_functions(text))
        message = (
            f"Every function in {Path(uri).name} already has tests."
            if has_functions
            else f"{Path(uri).name} has no top-level functions to test."
        )
        return _refused(server, message, types.MessageType.Info, applied=False)
    request = GenerationRequest(uri, KIND_TESTS, 0, document.version, names[0])
    return start_generation(server, context, request, anchor_for_functions(text, names))


def _function_name(text: str, target: Any) -> str | None:
    if isinstance(target, str):
        if not target.isidentifier():
            raise ArgumentError("the function argument must be a function name")
        return target
    line = None
    if isinstance(target, dict) and isinstance(target.get("line"), int):
        line = target["line"]
    elif isinstance(target, int) and not isinstance(target, bool):
        line = target
    elif target is not None:
        raise ArgumentError(
            "the second argument must be a function name or a position {line, character}"
        )
    if line is None:
        return None
    found = function_at(split_lines(text), line)
    if found is None:
        raise ArgumentError(f"there is no function at line {line + 1}")
    return found.name


def _untested_functions(context: RequestContext, text: str) -> list[str]:
    from codegen.scoring import quality

    tests = None
    test_path = context.test_file()
    if test_path is not None:
        tests, _ = context.read(test_path)
    public = [
        name for name in top_level_functions(text) if not name.startswith("_") and name != "main"
    ]
    if tests is None:
        return public
    untested = {f.function for f in quality.findings(text, tests) if f.code == "untested-function"}
    return [name for name in public if name in untested]


def run_tests(server: CodegenLanguageServer, arguments: tuple[Any, ...]) -> dict[str, Any]:
    """Run the module's test file in codegen's sandbox, in the background; results become
    diagnostics and hints.

    A second argument `{only: [test ids]}` runs just those tests or classes (the Test Explorer's
    runs).
    """
    only: tuple[str, ...] = ()
    if len(arguments) > 1 and isinstance(arguments[1], dict) and "only" in arguments[1]:
        requested = arguments[1]["only"]
        if not isinstance(requested, list) or not all(isinstance(name, str) for name in requested):
            raise ArgumentError("only must be a list of test ids")
        only, arguments = tuple(requested), arguments[:1]
    uri, _ = _uri_argument(arguments)
    context = server.context_for(uri)
    module_path = context.module_path
    if module_path is None:
        raise ArgumentError("the URI must be a file:// URI")
    if not context.trusted:
        return _refused(
            server,
            "Tests not run: this workspace is not trusted, and running its tests runs its code. "
            f"{TRUST_HOWTO}",
            ran=False,
        )
    test_path = context.test_file()
    if test_path is None:
        return _refused(
            server, f"{module_path.name} has no test file yet; generate tests first.", ran=False
        )
    return server.jobs.start(
        test_run_key(uri),
        f"codegen: running the tests of {module_path.name}",
        lambda progress: _run_tests(server, context, module_path, test_path, progress, only),
        busy_message=f"The tests of {module_path.name} are already running.",
    )


async def _run_tests(
    server: CodegenLanguageServer,
    context: RequestContext,
    module_path: Path,
    test_path: Path,
    progress: TaskProgress,
    only: tuple[str, ...] = (),
) -> dict[str, Any]:
    outcome: dict[str, Any] = {"ran": False, "message": ""}

    async def run_and_publish() -> None:
        module_text, _ = context.read(module_path)
        test_text, _ = context.read(test_path)
        if module_text is None or test_text is None:
            raise GenerationStopped(
                f"{(test_path if test_text is None else module_path).name} is gone; nothing was"
                " run."
            )
        from codegen.execution import run_tests_async

        # The interpreter, timeout, sandbox choice and test framework of the module's folder
        folder = context.folder
        settings, framework = await asyncio.to_thread(
            _run_settings, context.options, folder, test_text
        )
        await progress.begin()
        progress.stage("run")
        sandbox = dict(
            python=settings.test_python,
            allow_unsandboxed=settings.allow_unsandboxed_tests,
            timeout=settings.test_timeout,
            extra_paths=tuple(
                str(p) for p in {module_path.parent, test_path.parent, folder} if p is not None
            ),
            framework=framework,
        )
        module_name = placement.module_name(module_path)
        run = await server.worker.run(
            lambda: run_tests_async(
                module_text,
                test_text,
                module_name=module_name,
                test_module_name=test_path.stem,
                repeats=1,
                only=only,
                **sandbox,
            )
        )
        mutation = None
        if not only and settings.mutation != "off":  # the whole file, as after a generation
            progress.stage("mutation")
            mutation = await _mutation_tested(
                server, run, module_text, test_text, module_name, test_path.stem, sandbox
            )
        results = module_results(
            module_text,
            test_text,
            run,
            module_uri=context.uri,
            test_uri=from_fs_path(str(test_path)),
            mutation=mutation,
        )
        # A run of some tests says nothing about the others: keep the file's last full run
        if not only:
            server.results[context.uri] = results
        publish_results(server.protocol, results.explorer)
        outcome.update(
            ran=True,
            message=f"{module_path.name}: {results.summary}",
            passed=run.passed,
            run=run.run,
            failed=run.failed,
            errored=run.errored,
        )
        server.show(
            outcome["message"],
            (
                types.MessageType.Info
                if not (run.failed or run.errored or run.problem)
                else types.MessageType.Warning
            ),
        )
        if context.current() is not None:
            await scheduling.publish_diagnostics(server, context.uri)
        scheduling.refresh_inlay_hints(server)

    return await reported(
        server.show,
        progress,
        outcome,
        run_and_publish,
        cancelled="Test run cancelled.",
        describe=_cannot_run,
    )


async def _mutation_tested(
    server: CodegenLanguageServer,
    run: Any,
    module_text: str,
    test_text: str,
    module_name: str,
    test_module_name: str,
    sandbox: dict[str, Any],
) -> dict[str, Any]:
    """The mutation report of the module's functions its tests use, mutated in the sandbox, `run`
    standing for the clean run (`codegen.mutation` score or steer: a run from the Test Explorer
    or the palette reports the score a generation does)."""
    from codegen.mutation import mutation_test_of_texts
    from codegen.test_files import functions_used_by_tests
    from codegen.top_level import function_names

    # A line scan, not a parse of the module: a long one would hold the server's loop for seconds
    used = functions_used_by_tests(test_text, function_names(module_text))
    functions = sorted(set().union(*used.values())) if used else []
    report = await server.worker.run(
        lambda: mutation_test_of_texts(
            module_text,
            test_text,
            module_name=module_name,
            test_module_name=test_module_name,
            functions=functions,
            clean=run,
            **sandbox,
        )
    )
    return report.as_dict()


def _run_settings(options: ServerOptions, folder: Path | None, test_text: str) -> tuple[Any, str]:
    """The pipeline's Settings for a test run, and its framework: decided as a generation's is
    (`testFramework`; `auto`: the folder's project, then the test file)."""
    from codegen.execution.frameworks import resolve_framework

    settings = codegen_settings(options, folder)
    framework = resolve_framework(
        settings.test_framework, folder, settings.test_python, test_source=test_text
    )
    return settings, framework


def _cannot_run(error: Exception) -> str | None:
    """What to tell the user when a test run could not start; None for a bug."""
    from codegen.errors import ConfigurationError

    if isinstance(error, (OSError, UnicodeDecodeError)):
        return f"Cannot read the files to test ({error})."
    if isinstance(error, ConfigurationError):
        return str(error)
    return None


async def cancel(server: CodegenLanguageServer, arguments: tuple[Any, ...]) -> dict[str, Any]:
    """Cancel a running job: `{token}` (from the command's answer), `{uri}` (all on that file), or
    all; answered once they ended (a job stops at its next step, at once)."""
    first = arguments[0] if arguments else {}
    if isinstance(first, str):
        first = {"token": first}
    if not isinstance(first, dict):
        raise ArgumentError("expected {token} or {uri}")
    token, uri = first.get("token"), first.get("uri")
    if not (token is None or isinstance(token, str)) or not (uri is None or isinstance(uri, str)):
        raise ArgumentError("token and uri must be strings")
    cancelled = server.jobs.cancel(token=token, uri=uri)
    if not cancelled:
        return _refused(
            server,
            "Nothing to cancel: that work has finished, or its edit is already being applied.",
            types.MessageType.Info,
            cancelled=[],
        )
    await server.jobs.ended(cancelled, CANCEL_WAIT)
    return {
        "cancelled": [job.token for job in cancelled],
        "message": f"Cancelled {len(cancelled)} job(s).",
    }
