"""The test explorer's data: items from a test file, and a real sandboxed run turned into
results."""

from __future__ import annotations

import textwrap

from codegen.execution import run_tests
from codegen_lsp.features.test_explorer import explorer_items, results_notification
from codegen_lsp.run_results import module_results

MODULE = "def add(a, b):\n    return a + b\n\n\ndef unused():\n    return 1\n"
TESTS = textwrap.dedent("""\
    import unittest

    import pytest

    from calc import add


    class TestAdd(unittest.TestCase):
        def test_ok(self):
            self.assertEqual(add(1, 2), 3)

        def test_wrong(self):
            self.assertEqual(add(1, 2), 4)

        def helper(self):
            pass


    class Empty:
        pass


    @pytest.mark.parametrize("a", [1, 2])
    def test_param(a):
        assert add(a, 0) == 1
    """)


def test_items_are_classes_tests_and_plain_functions_with_lines():
    assert explorer_items(TESTS) == [
        {"id": "TestAdd", "label": "TestAdd", "parent": None, "line": 7},
        {"id": "TestAdd.test_ok", "label": "test_ok", "parent": "TestAdd", "line": 8},
        {"id": "TestAdd.test_wrong", "label": "test_wrong", "parent": "TestAdd", "line": 11},
        {"id": "test_param", "label": "test_param", "parent": None, "line": 23},
    ]
    assert explorer_items("def broken(:\n") == []


def test_results_fold_parametrized_cases_and_carry_line_coverage():
    run = run_tests(MODULE, TESTS, module_name="calc", framework="pytest", timeout=20)
    payload = results_notification("file:///calc.py", "file:///test_calc.py", run)

    by_id = {entry["id"]: entry for entry in payload["tests"]}
    assert by_id["TestAdd.test_ok"] == {
        "id": "TestAdd.test_ok",
        "outcome": "passed",
        "messages": [],
    }
    [wrong] = by_id["TestAdd.test_wrong"]["messages"]
    assert wrong == {"message": "AssertionError: 3 != 4", "line": 12}
    assert by_id["test_param"]["outcome"] == "failed"
    assert [message["message"] for message in by_id["test_param"]["messages"]] == [
        "test_param[2]: AssertionError: assert 2 == 1"
    ]
    assert payload["coverage"] == {"measured": True, "statements": [0, 1, 4, 5], "missing": [5]}
    assert payload["isolation"] == "full"


def test_module_results_count_each_parametrized_case_for_the_function_it_tests():
    run = run_tests(MODULE, TESTS, module_name="calc", framework="pytest", timeout=20)
    results = module_results(
        MODULE, TESTS, run, module_uri="file:///calc.py", test_uri="file:///test_calc.py"
    )

    add = results.functions["add"]
    assert (add.tests_run, add.tests_passed) == (
        4,
        2,
    )  # test_ok, test_wrong, test_param[1], test_param[2]
    assert sorted((f.test_id, f.possible_bug) for f in add.failures) == [
        ("TestAdd.test_wrong", True),
        ("test_param[2]", True),
    ]
    assert results.functions["unused"].tests_run == 0
    assert {entry["id"] for entry in results.explorer["tests"]} == {
        "TestAdd.test_ok",
        "TestAdd.test_wrong",
        "test_param",
    }
