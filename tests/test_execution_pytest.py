"""pytest files in the sandbox: the same per-test results, coverage, repeats and distrust as
unittest."""

from __future__ import annotations

import textwrap

import pytest

from codegen.execution import run_tests
from codegen.execution.frameworks import detect_framework

MODULE = "def add(a, b):\n    return a + b\n\n\ndef div(a, b):\n    return a / b\n"

TESTS = textwrap.dedent("""\
    import pytest

    from calc import add, div


    def test_add():
        assert add(1, 2) == 3


    @pytest.mark.parametrize("a,b,total", [(1, 1, 2), (2, 2, 5)])
    def test_param(a, b, total):
        assert add(a, b) == total


    def test_error():
        div(1, 0)


    def test_raises():
        with pytest.raises(ZeroDivisionError):
            div(1, 0)


    @pytest.mark.skip(reason="later")
    def test_skip():
        pass


    @pytest.mark.xfail
    def test_xfail():
        assert False


    @pytest.fixture
    def broken():
        raise RuntimeError("fixture")


    def test_fixture(broken):
        pass


    class TestClass:
        def test_method(self):
            assert div(4, 2) == 2
    """)


def test_pytest_outcomes_lines_and_coverage():
    result = run_tests(MODULE, TESTS, module_name="calc", timeout=20)

    found = {test.test_id: (test.outcome, test.line, test.message) for test in result.tests}
    assert found == {
        "test_add": ("passed", None, ""),
        "test_param[1-1-2]": ("passed", None, ""),
        "test_param[2-2-5]": ("failed", 12, "AssertionError: assert 4 == 5"),
        "test_error": ("errored", 16, "ZeroDivisionError: division by zero"),
        "test_raises": ("passed", None, ""),
        "test_skip": ("skipped", None, "later"),
        "test_xfail": ("passed", None, ""),
        "test_fixture": ("errored", 36, "RuntimeError: fixture"),
        "TestClass.test_method": ("passed", None, ""),
    }
    assert result.problem is None and result.isolation == "full"
    assert result.coverage_measured and result.line_coverage == 100.0


def test_a_pytest_file_that_does_not_collect_is_one_error():
    result = run_tests(
        MODULE,
        "import pytest\nfrom calc import nothing\n\n\ndef test_x():\n    pass\n",
        module_name="calc",
        timeout=20,
    )
    assert [test.test_id for test in result.tests] == ["test_calc"]
    assert result.errored == 1 and "could not be imported" in result.problem
    assert "nothing" in result.problem


def test_flaky_pytest_tests_are_found_over_repeats():
    tests = textwrap.dedent("""\
        import os

        from calc import add


        def test_sometimes():
            marker = os.path.join(os.environ["HOME"], "seen")  # the repeats share their folder
            first = not os.path.exists(marker)
            open(marker, "w").close()
            assert first
        """)
    result = run_tests(MODULE, tests, module_name="calc", timeout=20, repeats=3)
    [test] = result.tests
    assert test.outcome == "flaky" and test.passes == 1 and test.runs == 3


def test_patching_pytest_from_the_tested_code_is_not_trusted():
    tests = textwrap.dedent("""\
        import _pytest.runner

        from calc import add

        _real = _pytest.runner.call_and_report
        _pytest.runner.call_and_report = lambda *args, **kwargs: _real(*args, **kwargs)


        def test_wrong():
            assert add(1, 1) == 3
        """)
    result = run_tests(MODULE, tests, module_name="calc", timeout=20)
    assert result.passed == 0
    assert "interfered with the test run" in result.problem


def test_rewiring_the_runners_own_modules_is_not_trusted():
    # A builtin shadowed in the runner's pytest driver (a module of its own since the split) would
    # turn every failure into a pass: the tampering check covers every module of the runner.
    tests = textwrap.dedent("""\
        import sys

        from calc import add

        for module in list(sys.modules.values()):
            if hasattr(module, "PytestReporter"):
                module.dict = lambda info, outcome: {
                    "outcome": "passed", "message": "", "traceback": "", "line": None
                }


        def test_wrong():
            assert add(1, 1) == 3
        """)
    result = run_tests(MODULE, tests, module_name="calc", timeout=20)
    assert result.passed == 0 and result.tests[0].outcome == "errored"
    assert "interfered with the test run" in result.problem
    assert "pytest_driver.dict" in result.problem


@pytest.mark.parametrize(
    ("source", "framework"),
    [
        ("import pytest\n\n\ndef test_a():\n    assert True\n", "pytest"),
        ("def test_a():\n    assert True\n", "pytest"),
        (
            "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_a(self):\n"
            "        pass\n",
            "unittest",
        ),
        ("import unittest\n\n\ndef test_helper():\n    pass\n", "unittest"),
        ("def broken(:\n", "unittest"),
    ],
)
def test_the_framework_is_told_from_the_file(source, framework):
    assert detect_framework(source) == framework


def test_one_test_or_class_can_be_run_alone_with_line_coverage():
    result = run_tests(
        MODULE, TESTS, module_name="calc", timeout=20, only=["TestClass", "test_param[2-2-5]"]
    )
    assert sorted(test.test_id for test in result.tests) == [
        "TestClass.test_method",
        "test_param[2-2-5]",
    ]
    assert result.statement_lines == [1, 2, 5, 6] and result.missing_lines == []

    unittest_tests = textwrap.dedent("""\
        import unittest

        from calc import add, div


        class TestAdd(unittest.TestCase):
            def test_add(self):
                self.assertEqual(add(1, 2), 3)

            def test_other(self):
                self.assertEqual(add(0, 0), 0)


        class TestDiv(unittest.TestCase):
            def test_div(self):
                self.assertEqual(div(4, 2), 2)
        """)
    alone = run_tests(
        MODULE,
        unittest_tests,
        module_name="calc",
        timeout=20,
        only=["TestAdd.test_add", "TestNone"],
    )
    found = {test.test_id: test.outcome for test in alone.tests}
    assert found == {"TestAdd.test_add": "passed"}
    assert alone.missing_lines == [6]
    assert "TestNone" in alone.problem  # not a test the file defines: ignored, and said so
