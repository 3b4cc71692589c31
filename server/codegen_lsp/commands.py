"""The palette commands: tests for a function or a whole file, a sandboxed test run, where the trace is."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from lsprotocol import types

from . import placement
from .constants import KIND_TESTS
from .anchors import anchor_for_functions
from .generation import GenerationRequest, generate
from .merging import split_lines
from .progress import TaskProgress
from .prompts import function_at
from .run_results import module_results, top_level_functions

log = logging.getLogger(__name__)


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
    if not (rest is None or isinstance(rest, str) or (isinstance(rest, int) and not isinstance(rest, bool))
            or (isinstance(rest, dict) and isinstance(rest.get("line"), int))):
        raise ArgumentError("the second argument must be a function name or a position {line, character}")
    return uri, rest


async def generate_tests(server, arguments: tuple[Any, ...]) -> dict[str, Any]:
    """Tests for one function (by name or position), or for every function in the file that has none."""
    uri, target = _uri_argument(arguments)
    document = server.document(uri)
    if document is None:
        message = "Open the file before generating tests for it."
        server.show(message, types.MessageType.Warning)
        return {"applied": False, "message": message}
    text = document.source
    name = _function_name(text, target)
    if name is not None:
        return await generate(server, GenerationRequest(uri, KIND_TESTS, 0, document.version, name))
    names = _untested_functions(server, uri, text)
    if not names:
        has_functions = any(not name.startswith("_") for name in top_level_functions(text))
        message = (f"Every function in {Path(uri).name} already has tests." if has_functions
                   else f"{Path(uri).name} has no top-level functions to test.")
        server.show(message, types.MessageType.Info)
        return {"applied": False, "message": message}
    request = GenerationRequest(uri, KIND_TESTS, 0, document.version, names[0])
    return await generate(server, request, anchor_for_functions(text, names))


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
        raise ArgumentError("the second argument must be a function name or a position {line, character}")
    if line is None:
        return None
    found = function_at(split_lines(text), line)
    if found is None:
        raise ArgumentError(f"there is no function at line {line + 1}")
    return found.name


def _untested_functions(server, uri: str, text: str) -> list[str]:
    from codegen import quality

    tests = None
    test_path = server.test_file(uri)
    if test_path is not None:
        tests, _ = server.text_and_version(test_path)
    public = [name for name in top_level_functions(text) if not name.startswith("_") and name != "main"]
    if tests is None:
        return public
    untested = {f.function for f in quality.findings(text, tests) if f.code == "untested-function"}
    return [name for name in public if name in untested]


async def run_tests(server, arguments: tuple[Any, ...]) -> dict[str, Any]:
    """Run the module's test file in codegen's sandbox; results become diagnostics and hints."""
    uri, _ = _uri_argument(arguments)
    module_path = server.module_path(uri)
    if module_path is None:
        raise ArgumentError("the URI must be a file:// URI")
    progress = TaskProgress(server, f"codegen: running the tests of {module_path.name}")
    outcome: dict[str, Any] = {"ran": False, "message": ""}
    try:
        module_text, _ = server.text_and_version(module_path)
        test_path = server.test_file(uri)
        if module_text is None or test_path is None:
            outcome["message"] = f"{module_path.name} has no test file yet; generate tests first."
            server.show(outcome["message"], types.MessageType.Warning)
            return outcome
        test_text, _ = server.text_and_version(test_path)
        from codegen.execution import run_tests_async

        await progress.begin()
        progress.stage("run")
        run = await server.worker.run(lambda: run_tests_async(
            module_text, test_text,
            module_name=placement.module_name(module_path), test_module_name=test_path.stem,
            python=server.options.interpreter, allow_unsandboxed=server.options.allow_unsandboxed_tests, timeout=server.options.test_timeout, repeats=1,
            extra_paths=tuple(str(p) for p in {module_path.parent, test_path.parent, server.root} if p is not None),
        ))
        results = module_results(module_text, test_text, run)
        server.results[uri] = results
        outcome.update(ran=True, message=f"{module_path.name}: {results.summary}", passed=run.passed, run=run.run,
                       failed=run.failed, errored=run.errored)
        server.show(outcome["message"], types.MessageType.Info if not (run.failed or run.errored or run.problem)
                    else types.MessageType.Warning)
        if server.document(uri) is not None:
            await server.publish_diagnostics(uri)
        server.refresh_inlay_hints()
    except asyncio.CancelledError:
        if not progress.cancelled:
            raise
        asyncio.current_task().uncancel()
        outcome["message"] = "Test run cancelled."
    except (OSError, UnicodeDecodeError) as error:
        outcome["message"] = f"Cannot read the files to test ({error})."
        server.show(outcome["message"], types.MessageType.Error)
    finally:
        progress.end(outcome["message"] or "Done")
    return outcome


def show_trace(server) -> dict[str, Any]:
    """Tell the user where the last generation's trace went."""
    session = server.last_session
    if session is None:
        message = "No generation has run yet; its trace will be listed here once one has."
        server.show(message, types.MessageType.Info)
        return {"message": message}
    status = getattr(session, "tracing", None)
    call_id = getattr(session, "last_call_id", None)
    detail = getattr(status, "detail", None) or "Tracing status unknown."
    message = detail + (f" Last call: {call_id}." if call_id else "")
    server.show(message, types.MessageType.Info)
    return {
        "message": message,
        "mode": getattr(status, "mode", None),
        "location": getattr(status, "location", None),
        "callId": call_id,
    }
