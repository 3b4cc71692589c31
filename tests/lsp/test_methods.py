"""Prompts in a class body: "Generate method" writes a method of the class, indented to it, and
tests that construct it; a prompt in a function body gets no generate action."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from codegen.source import parse_or_none
from tests.helpers.lsp_editor import action, shared_editor
from tests.loopback_model import Reply

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor(env={"CODEGEN_REPAIR_ROUNDS": "1"})

STACK = '''"""Stacks."""


class Stack:
    """A last-in, first-out stack."""

    def __init__(self) -> None:
        self.items: list[int] = []

    def push(self, item: int) -> None:
        """Put an item on top."""
        self.items.append(item)

    # return the top item without removing it; raise IndexError when empty


def helper() -> int:
    """Not part of the class."""
    return 1
'''
PROMPT_LINE = STACK.splitlines().index(
    "    # return the top item without removing it; raise IndexError when empty"
)
PEEK = '''def peek(self) -> int:
    """The top item, left in place."""
    if not self.items:
        raise IndexError("peek from an empty stack")
    return self.items[-1]
'''
PEEK_TESTS = """import unittest

from your_module import Stack


class TestPeek(unittest.TestCase):
    def setUp(self):
        self.stack = Stack()

    def test_peek_returns_the_top_item(self):
        self.stack.push(1)
        self.stack.push(2)
        self.assertEqual(self.stack.peek(), 2)

    def test_peek_leaves_the_item_in_place(self):
        self.stack.push(3)
        self.stack.peek()
        self.assertEqual(self.stack.items, [3])

    def test_peek_on_an_empty_stack_raises(self):
        with self.assertRaises(IndexError):
            self.stack.peek()


if __name__ == "__main__":
    unittest.main()
"""


def with_tabs(text: str) -> str:
    return "\n".join(
        "\t" * ((len(line) - len(line.lstrip(" "))) // 4) + line.lstrip(" ")
        for line in text.split("\n")
    )


def stack_methods(text: str) -> dict[str, ast.FunctionDef]:
    tree = parse_or_none(text)
    assert tree is not None, text
    [stack] = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    return {node.name: node for node in stack.body if isinstance(node, ast.FunctionDef)}


def titles(actions) -> list[str]:
    return [a.title for a in actions]


@pytest.mark.parametrize("indent", ["spaces", "tab"])
async def test_generate_method_and_tests_in_a_class(editor, indent):
    source = STACK if indent == "spaces" else with_tabs(STACK)
    uri = editor.open(f"stack_{indent}.py", source)
    actions = await editor.code_actions(uri, PROMPT_LINE)
    assert {"Generate method", "Generate method and tests"} <= set(titles(actions))
    assert not {"Generate function", "Generate function, runner and tests"} & set(titles(actions))
    editor.model.enqueue(Reply.code("GeneratedCode", PEEK), Reply.code("UnitTest", PEEK_TESTS))

    outcome = await editor.run(action(actions, "Generate method and tests"))

    assert outcome["applied"], outcome
    text = editor.text(uri)
    methods = stack_methods(text)
    assert set(methods) == {"__init__", "push", "peek"}
    assert methods["peek"].args.args[0].arg == "self"
    unit = "    " if indent == "spaces" else "\t"
    assert f"\n{unit}def peek(self) -> int:\n{unit * 2}" in text
    if indent == "tab":  # the file never mixes tabs and spaces
        assert not [line for line in text.splitlines() if line.startswith(" ")]
    assert "# return the top item" not in text and "def main(" not in text
    assert text.rstrip().endswith("return 1")  # what follows the class is untouched
    # The model was told what it writes, and for which class.
    function_request = editor.model.requests[0]["messages"][-1]["content"]
    assert "method of the class `Stack`" in function_request
    assert "def push(self, item: int) -> None:" in function_request
    tests_request = editor.model.requests[1]["messages"][-1]["content"]
    assert "Construct `Stack` instances" in tests_request and "`peek`" in tests_request
    assert sorted(editor.model.kinds()) == ["GeneratedCode", "UnitTest"]  # no runner
    tests = editor.test_file(uri).read_text()
    assert f"from {Path(uri).stem} import Stack" in tests
    assert "3/3 tests passed" in outcome["message"], outcome["message"]
    assert "Generated the method, tests" in outcome["message"]


async def test_generate_method_alone(editor):
    uri = editor.open("stack_alone.py", with_tabs(STACK))
    editor.model.enqueue(Reply.code("GeneratedCode", PEEK))
    outcome = await editor.run(
        action(await editor.code_actions(uri, PROMPT_LINE), "Generate method")
    )
    assert outcome["applied"], outcome
    assert "peek" in stack_methods(editor.text(uri))
    assert editor.model.kinds() == ["GeneratedCode"]
    assert not editor.test_file(uri).exists()


async def test_a_reply_repeating_the_class_keeps_only_the_new_method(editor):
    uri = editor.open("stack_repeated.py", STACK)
    repeated = (
        "class Stack:\n    def __init__(self) -> None:\n        self.items: list[int] = []\n\n"
        + "\n".join("    " + line if line else "" for line in PEEK.splitlines())
        + "\n"
    )
    editor.model.enqueue(Reply.code("GeneratedCode", repeated))
    outcome = await editor.run(
        action(await editor.code_actions(uri, PROMPT_LINE), "Generate method")
    )
    assert outcome["applied"], outcome
    text = editor.text(uri)
    assert set(stack_methods(text)) == {"__init__", "push", "peek"}
    assert text.count("class Stack") == 1 and text.count("def __init__") == 1


async def test_a_repair_of_method_tests_is_shown_the_class(editor):
    uri = editor.open("stack_repair.py", STACK)
    wrong = PEEK_TESTS.replace(
        "self.assertEqual(self.stack.peek(), 2)", "self.assertEqual(self.stack.peek(), 1)"
    )
    editor.model.enqueue(
        Reply.code("GeneratedCode", PEEK),
        Reply.code("UnitTest", wrong),
        Reply.code("UnitTest", PEEK_TESTS),
    )
    outcome = await editor.run(
        action(await editor.code_actions(uri, PROMPT_LINE), "Generate method and tests")
    )
    assert outcome["applied"], outcome
    assert editor.model.kinds() == ["GeneratedCode", "UnitTest", "UnitTest"]
    repair_request = editor.model.requests[2]["messages"][-1]["content"]
    assert "class Stack:" in repair_request and "def push(self, item: int)" in repair_request
    assert "def peek(self) -> int:" in repair_request
    assert "3/3 tests passed" in outcome["message"], outcome["message"]


async def test_a_reply_that_is_no_method_changes_nothing(editor):
    uri = editor.open("stack_refused.py", STACK)
    editor.model.enqueue(
        Reply.code("GeneratedCode", "def peek(items: list) -> int:\n    return items[-1]\n")
    )
    outcome = await editor.run(
        action(await editor.code_actions(uri, PROMPT_LINE), "Generate method")
    )
    assert not outcome["applied"]
    assert "not a method of Stack" in outcome["message"]
    assert editor.text(uri) == STACK


async def test_a_prompt_in_a_function_body_gets_no_generate_action(editor):
    text = (
        "def total(values: list[int]) -> int:\n"
        '    """Sum."""\n'
        "    # compute the moving average of a time series\n"
        "    return sum(values)\n"
    )
    uri = editor.open("in_function.py", text)
    offered = titles(await editor.code_actions(uri, 2))
    assert not [
        title for title in offered if title.startswith(("Generate function", "Generate method"))
    ]
