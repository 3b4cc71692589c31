"""The code actions at a position: generate from a comment prompt, or a runner or tests for a function."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from .constants import (ACTION_KIND_FUNCTION, ACTION_KIND_RUNNER, ACTION_KIND_TESTS, ACTION_TITLES, GENERATE,
                        KIND_ALL, KIND_FUNCTION, KIND_RUNNER, KIND_TESTS)
from .prompts import FunctionAt, function_at, prompt_at

_ACTION_KINDS = {
    KIND_FUNCTION: ACTION_KIND_FUNCTION,
    KIND_ALL: ACTION_KIND_FUNCTION,
    KIND_RUNNER: ACTION_KIND_RUNNER,
    KIND_TESTS: ACTION_KIND_TESTS,
}


def code_actions(lines: Sequence[str], line: int, uri: str, version: int | None, *, tagged: bool,
                 function: FunctionAt | None = None, only: Sequence[str] | None = None,
                 test_file: bool = False) -> list[types.CodeAction]:
    """Commands only: listing never calls the model. `function` overrides the indentation scan when known;
    a test file gets no runner or tests for its own functions."""
    prompt = prompt_at(lines, line)
    if prompt is not None:
        wanted = [(KIND_FUNCTION, None), (KIND_ALL, None)]
    elif test_file:
        return []
    else:
        function = function or function_at(lines, line)
        if function is None:
            return []
        wanted = [(KIND_RUNNER, function.name), (KIND_TESTS, function.name)]
    actions = []
    for kind, name in wanted:
        action_kind = _ACTION_KINDS[kind]
        if only and not any(action_kind == o or action_kind.startswith(o + ".") for o in only):
            continue
        arguments = {"uri": uri, "kind": kind, "line": line, "version": version}
        if name is not None:
            arguments["function"] = name
        actions.append(types.CodeAction(
            title=ACTION_TITLES[kind],
            kind=action_kind,
            command=types.Command(title=ACTION_TITLES[kind], command=GENERATE, arguments=[arguments]),
            tags=[types.CodeActionTag.LlmGenerated] if tagged else None,
        ))
    return actions
