"""textDocument/codeAction: generation actions on comment prompts and functions, and nowhere
else."""

from __future__ import annotations

import pytest
from lsprotocol import types

from tests.helpers.lsp_editor import shared_editor

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor()

GENERATE = "codegen.generate"


def titles(actions):
    return [action.title for action in actions or []]


async def test_prompt_offers_function_and_everything(editor):
    uri = editor.place("prompt_module.py")
    for line in (3, 4):
        actions = await editor.code_actions(uri, line, 5)
        assert titles(actions) == ["Generate function", "Generate function, runner and tests"]
        for action in actions:
            assert action.kind.startswith("refactor.")
            assert list(action.tags) == [types.CodeActionTag.LlmGenerated]
            assert action.edit is None and action.command.command == GENERATE
            assert action.command.arguments[0]["uri"] == uri
            assert action.command.arguments[0]["version"] == 1


async def test_function_offers_runner_and_tests(editor):
    uri = editor.place("prompt_module.py")
    for line in (7, 9, 11):
        actions = await editor.code_actions(uri, line)
        assert titles(actions) == ["Generate runner (main)", "Generate tests"], line
        assert all(a.kind.startswith("source.") for a in actions)
        assert actions[1].command.arguments[0]["function"] == "existing"


async def test_no_actions_elsewhere(editor):
    uri = editor.place("prompt_module.py")
    for line in (0, 1, 2, 5):
        assert titles(await editor.code_actions(uri, line)) == [], line
    other = editor.place("not_prompts.py")
    for line in range(9):
        assert titles(await editor.code_actions(other, line)) == [], line


async def test_past_end_of_line_and_file(editor):
    uri = editor.place("prompt_module.py")
    assert titles(await editor.code_actions(uri, 3, 500)) == [
        "Generate function",
        "Generate function, runner and tests",
    ]
    assert titles(await editor.code_actions(uri, 11, 10_000)) == [
        "Generate runner (main)",
        "Generate tests",
    ]
    assert not await editor.code_actions(uri, 5_000, 3)


async def test_only_filter(editor):
    uri = editor.place("prompt_module.py")
    assert titles(await editor.code_actions(uri, 3, only=["quickfix"])) == []
    assert titles(await editor.code_actions(uri, 3, only=["refactor.extract"])) == []
    assert titles(await editor.code_actions(uri, 3, only=["source"])) == []
    assert len(await editor.code_actions(uri, 3, only=["refactor"])) == 2
    assert titles(await editor.code_actions(uri, 9, only=["source"])) == [
        "Generate runner (main)",
        "Generate tests",
    ]
    assert titles(await editor.code_actions(uri, 9, only=["source.codegen.tests"])) == [
        "Generate tests"
    ]
    assert titles(await editor.code_actions(uri, 9, only=["refactor"])) == []


async def test_kinds_for_exact_and_prefix_matching_clients(editor):
    """eglot 1.9 keeps only actions whose kind equals the one it asked for; VS Code matches by
    prefix."""
    uri = editor.place("prompt_module.py")
    full = await editor.code_actions(uri, 3)
    assert [a.kind for a in full] == ["refactor.rewrite.codegen"] * 2
    asked = await editor.code_actions(uri, 3, only=["refactor.rewrite"])
    assert titles(asked) == titles(full) and [a.kind for a in asked] == ["refactor.rewrite"] * 2
    specific = await editor.code_actions(uri, 3, only=["refactor", "refactor.rewrite.codegen"])
    assert [a.kind for a in specific] == ["refactor.rewrite.codegen"] * 2
    assert [a.kind for a in await editor.code_actions(uri, 9, only=["source"])] == [
        "source",
        "source",
    ]


async def test_no_runner_or_tests_for_a_test_file(editor):
    uri = editor.open(
        "test_something.py",
        "import unittest\n\n\ndef test_one():\n    assert True\n\n# check two things\n",
    )
    assert not await editor.code_actions(uri, 3)
    assert len(await editor.code_actions(uri, 6)) == 2  # a prompt is still a prompt
