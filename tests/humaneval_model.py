"""The loopback model answering HumanEval prompts: a chosen solution per problem, tests from its
docstring's examples."""

from __future__ import annotations

import ast
import doctest
import json
import re
from collections.abc import Callable
from typing import Any

from codegen.humaneval.problems import Problem, all_problems
from tests.loopback_model import FIELD_OF, LoopbackModel, request_kind

_MODULE = re.compile(r"\bhumaneval_(\d+)\b")


def canonical(problem: Problem) -> str:
    return problem.canonical_module


def docstring_tests(problem: Problem, module_name: str) -> str:
    """A unittest file asserting the docstring's `>>>` examples (a plausible model's tests)."""
    names = [
        node.name for node in ast.parse(problem.prompt).body if isinstance(node, ast.FunctionDef)
    ]
    checks = []
    for example in doctest.DocTestParser().get_examples(problem.prompt):
        want = example.want.split('"""')[0].strip()  # a docstring's closing quotes follow at once
        try:  # unparsed: an example's trailing comment must not swallow the rest of the line
            source = ast.unparse(ast.parse(example.source, mode="eval"))
            want = ast.unparse(ast.parse(want, mode="eval"))
        except SyntaxError:
            continue  # prose, or an output that is not a Python expression
        checks.append((source, want))
    methods = [
        f"    def test_docstring_example_{number}(self):\n"
        f"        self.assertEqual({source}, {want})\n"
        for number, (source, want) in enumerate(checks, start=1)
    ] or [
        "    def test_is_callable(self):\n"
        f"        self.assertTrue(callable({problem.entry_point}))\n"
    ]
    return (
        f"import unittest\n\nfrom {module_name} import {', '.join(names)}\n\n\n"
        f"class TestExamples(unittest.TestCase):\n" + "\n".join(methods) + "\n\n"
        'if __name__ == "__main__":\n    unittest.main()\n'
    )


def problem_asked(body: dict[str, Any]) -> Problem | None:
    """The problem a request is about: by its prompt (function step), else by its module name."""
    text = "\n".join(str(m.get("content") or "") for m in body.get("messages", []))
    if request_kind(body) == "GeneratedCode":
        return next((p for p in all_problems().values() if p.prompt.strip() in text), None)
    found = _MODULE.search(text)
    return all_problems().get(f"HumanEval/{found.group(1)}") if found else None


class HumanEvalModel(LoopbackModel):
    """Answers each HumanEval request with `solution(problem)` and docstring-example tests; scripted
    replies (`enqueue`) still come first."""

    def __init__(self, solution: Callable[[Problem], str] = canonical, **kwargs: Any):
        super().__init__(**kwargs)
        self.solution = solution

    def _default_content(self, kind: str, shape: str, body: dict[str, Any]) -> str:
        problem = problem_asked(body)
        if problem is None or kind not in ("GeneratedCode", "UnitTest"):
            return super()._default_content(kind, shape, body)
        if kind == "GeneratedCode":
            return json.dumps({FIELD_OF[kind]: self.solution(problem)})
        return json.dumps({FIELD_OF[kind]: docstring_tests(problem, problem.module_name)})
