"""The one reader of test files: what the explorer, the run summary and the repair step see of a
file."""

from __future__ import annotations

from codegen.execution import TestCaseResult, TestRunResult
from codegen.execution.frameworks import detect_framework
from codegen.repair import possible_bugs
from codegen.test_files import (
    declared_test_ids,
    functions_used_by_tests,
    is_declared,
    read_test_file,
)
from codegen_lsp.features.test_explorer import explorer_items

TESTS = """\
import unittest

from shapes import area, perimeter


class Base(unittest.TestCase):
    def helper(self):
        return area(1)

    def test_area(self):
        self.assertEqual(area(2), 4)


class TestSquare(Base):
    def test_perimeter(self):
        self.assertEqual(perimeter(2), 8)

    class Inner(unittest.TestCase):
        def test_nested(self):
            pass


class Empty:
    pass


def test_function():
    assert area(3) == 9
"""


def test_the_explorer_shows_each_class_with_its_own_tests_and_the_test_functions():
    assert explorer_items(TESTS) == [
        {"id": "Base", "label": "Base", "parent": None, "line": 5},
        {"id": "Base.test_area", "label": "test_area", "parent": "Base", "line": 9},
        {"id": "TestSquare", "label": "TestSquare", "parent": None, "line": 13},
        {
            "id": "TestSquare.test_perimeter",
            "label": "test_perimeter",
            "parent": "TestSquare",
            "line": 14,
        },
        {"id": "test_function", "label": "test_function", "parent": None, "line": 26},
    ]


def test_a_run_may_report_inherited_nested_fixture_and_parametrized_ids_and_nothing_else():
    known = declared_test_ids(TESTS, "test_shapes")
    for test_id in (
        "Base.test_area",
        "TestSquare.test_area",
        "TestSquare.test_perimeter",
        "Inner.test_nested",
        "test_function",
        "test_function[1-2]",
        "TestSquare.setUpClass",
        "Empty.tearDownClass",
        "test_shapes",
        "setUpModule",
    ):
        assert is_declared(test_id, known), test_id
    for test_id in ("Base.helper", "TestSquare.test_missing", "test_other", "Base.test_area[1]x"):
        assert not is_declared(test_id, known), test_id


def test_each_test_maps_to_the_module_functions_its_body_uses():
    assert functions_used_by_tests(TESTS, {"area", "perimeter"}) == {
        "Base.test_area": {"area"},
        "TestSquare.test_perimeter": {"perimeter"},
        "test_function": {"area"},
    }


def test_a_failing_assertion_names_the_functions_its_test_uses():
    failed = TestCaseResult(
        "TestSquare.test_perimeter", "failed", "AssertionError: 6 != 8", 16, 1, 0
    )
    run = TestRunResult([failed], 1, 0, 1, 0, 0, 0, 0.1, False, 1, None, False, None)
    assert [
        (bug.function, bug.test_id) for bug in possible_bugs(TESTS, run, ["area", "perimeter"])
    ] == [("perimeter", "TestSquare.test_perimeter")]


def test_one_parse_serves_every_reader_of_the_same_text():
    text = TESTS + "\n\ndef test_once():\n    pass\n"
    first = read_test_file(text)
    (
        explorer_items(text),
        declared_test_ids(text, "test_shapes"),
        functions_used_by_tests(text, {"area"}),
    )
    assert read_test_file(text) is first
    assert read_test_file(text + "\n") is not first


def test_a_file_that_does_not_parse_declares_only_the_module_and_its_fixtures():
    assert explorer_items("def broken(:\n") == []
    assert functions_used_by_tests("def broken(:\n", {"area"}) == {}
    assert declared_test_ids("def broken(:\n", "test_shapes") == {
        "test_shapes",
        "setUpModule",
        "tearDownModule",
    }
    assert detect_framework("def broken(:\n") == "unittest"


def test_the_framework_is_read_from_the_same_walk():
    assert detect_framework(TESTS) == "unittest"
    assert detect_framework("def test_f():\n    assert True\n") == "pytest"
    assert detect_framework("import pytest.mark\nimport unittest\n") == "pytest"
