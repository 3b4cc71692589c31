"""The code actions at a position: generate from a comment prompt, a runner or tests for a function,
or cancel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lsprotocol import types

from ..constants import (
    ACTION_KIND_FUNCTION,
    ACTION_KIND_MUTANT,
    ACTION_KIND_RUNNER,
    ACTION_KIND_TESTS,
    ACTION_TITLES,
    CANCEL,
    CANCEL_TITLE,
    CATCH_MUTANT_TITLE,
    GENERATE,
    KIND_ALL,
    KIND_FUNCTION,
    KIND_RUNNER,
    KIND_TESTS,
    METHOD_TITLES,
)
from ..editing.prompts import FunctionAt, function_at, prompt_at
from ..jobs import Job, JobKey, prompt_key, runner_key, tests_key

_ACTION_KINDS = {
    KIND_FUNCTION: ACTION_KIND_FUNCTION,
    KIND_ALL: ACTION_KIND_FUNCTION,
    KIND_RUNNER: ACTION_KIND_RUNNER,
    KIND_TESTS: ACTION_KIND_TESTS,
}


def code_actions(
    lines: Sequence[str],
    line: int,
    uri: str,
    version: int | None,
    *,
    tagged: bool,
    function: FunctionAt | None = None,
    only: Sequence[str] | None = None,
    test_file: bool = False,
    running: Mapping[JobKey, Job] | None = None,
) -> list[types.CodeAction]:
    """Commands only: listing never calls the model. `function` overrides the indentation scan when
    known; a test file gets no runner or tests for its own functions. Where a job already runs
    (`running`), its "Cancel" action stands in for the actions that would start it again."""
    prompt = prompt_at(lines, line)
    titles = METHOD_TITLES if prompt is not None and prompt.class_name else ACTION_TITLES
    wanted: list[tuple[str, str | None, JobKey]]
    if prompt is not None:
        wanted = [
            (KIND_FUNCTION, None, prompt_key(uri, prompt.text)),
            (KIND_ALL, None, prompt_key(uri, prompt.text)),
        ]
    elif test_file:
        return []
    else:
        function = function or function_at(lines, line)
        if function is None:
            return []
        wanted = [
            (KIND_RUNNER, function.name, runner_key(uri)),
            (KIND_TESTS, function.name, tests_key(uri, (function.name,))),
        ]
    actions: list[types.CodeAction] = []
    cancelling: set[str] = set()
    for kind, name, key in wanted:
        action_kind = kind_for(_ACTION_KINDS[kind], only)
        if action_kind is None:
            continue
        job = (running or {}).get(key)
        if job is not None:
            if job.token not in cancelling:
                cancelling.add(job.token)
                actions.append(_cancel_action(job, action_kind))
            continue
        arguments = {"uri": uri, "kind": kind, "line": line, "version": version}
        if name is not None:
            arguments["function"] = name
        actions.append(
            types.CodeAction(
                title=titles[kind],
                kind=action_kind,
                command=types.Command(title=titles[kind], command=GENERATE, arguments=[arguments]),
                tags=[types.CodeActionTag.LlmGenerated] if tagged else None,
            )
        )
    return actions


def mutant_actions(
    diagnostics: Sequence[types.Diagnostic],
    uri: str,
    version: int | None,
    *,
    tagged: bool,
    only: Sequence[str] | None = None,
) -> list[types.CodeAction]:
    """ "Generate a test that catches this" on each surviving mutant's diagnostic in the range."""
    from .diagnostics import MUTANT_SURVIVED

    action_kind = kind_for(ACTION_KIND_MUTANT, only)
    actions: list[types.CodeAction] = []
    for diagnostic in diagnostics:
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        if diagnostic.code != MUTANT_SURVIVED or action_kind is None or "function" not in data:
            continue
        line = diagnostic.range.start.line
        arguments = {
            "uri": uri,
            "kind": KIND_TESTS,
            "line": line,
            "version": version,
            "function": data["function"],
            "mutant": {"line": line + 1, "description": data.get("description")},
        }
        actions.append(
            types.CodeAction(
                title=CATCH_MUTANT_TITLE,
                kind=action_kind,
                diagnostics=[diagnostic],
                command=types.Command(
                    title=CATCH_MUTANT_TITLE, command=GENERATE, arguments=[arguments]
                ),
                tags=[types.CodeActionTag.LlmGenerated] if tagged else None,
            )
        )
    return actions


def kind_for(ours: str, only: Sequence[str] | None) -> str | None:
    """The kind to report for an action of kind `ours`, or None when `only` excludes it.

    Kinds are hierarchical: `refactor.rewrite.codegen` is a `refactor.rewrite`. VS Code matches by
    prefix, but eglot 1.9 keeps only actions whose kind equals the one it asked for; so when the
    client asks for a kind containing ours, the action reports the most specific such kind, which
    both kinds of client keep.
    """
    if not only:
        return ours
    containing = [asked for asked in only if asked == ours or ours.startswith(asked + ".")]
    return max(containing, key=len) if containing else None


def _cancel_action(job: Job, kind: str) -> types.CodeAction:
    title = CANCEL_TITLE.format(title=job.title)
    return types.CodeAction(
        title=title,
        kind=kind,
        command=types.Command(title=title, command=CANCEL, arguments=[{"token": job.token}]),
    )
