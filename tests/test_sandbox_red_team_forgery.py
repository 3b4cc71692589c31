"""The second red team's forgeries and secret files, run through the real `codegen score --run`.

A module under test that rewires unittest, pytest or coverage as it is imported, or rewrites its own
copy, must never be reported as passed or fully covered; files in the project that only their owner
can read, or that are named like credentials, must stay unreadable to the run (issue 21, attacks 4
and 9).  The last test feeds the parent's summary a made-up run: the check it shows is the parent's.
"""

from __future__ import annotations

import os
import textwrap

import pytest

from codegen import execution
from codegen.execution import _short_run_spec
from codegen.execution.results import ChildRun
from codegen.execution.summary import summarize_runs
from tests.helpers import sandbox_attacks
from tests.helpers.sandbox_attacks import SECRET, outcomes, score_run

# The stage's fixtures: a project with a .env, a HOME with a key; the isolation reached.
scene, isolation = sandbox_attacks.scene, sandbox_attacks.isolation

WRONG_ADD = "def add(a, b):\n    return a - b  # wrong on purpose\n"
# A right add and a function no test calls: honest coverage is below 100 %.
WITH_UNCALLED = textwrap.dedent("""\
    def add(a, b):
        return a + b


    def never_called(x):
        doubled = x * 2
        return doubled
    """)
TESTS_OF_ADD = """\
    import unittest

    from victim import add


    class TestAdd(unittest.TestCase):
        def test_add(self):
            self.assertEqual(add(2, 2), 4)

        def test_add_more(self):
            self.assertEqual(add(1, 2), 3)
"""


def run_against(scene: dict, module: str, tests: str, *extra: str) -> dict:
    """`codegen score victim.py --tests test_victim.py --run --json` with this module and tests."""
    (scene["project"] / "victim.py").write_text(textwrap.dedent(module))
    return score_run(scene, tests, *extra)


def unittest_file_tearing_down_with(attack: str) -> str:
    """A unittest file whose one test passes, then whose tearDownClass runs `attack`."""
    tests = """\
        import unittest

        import victim


        class TestAdd(unittest.TestCase):
            def test_add(self):
                self.assertEqual(victim.add(2, 2), 4)

            @classmethod
            def tearDownClass(cls):
    """
    return textwrap.dedent(tests) + textwrap.indent(textwrap.dedent(attack), " " * 8)


def assert_not_believed(run: dict) -> None:
    """What the user sees of a forged run: nothing passed, no coverage of 100 %."""
    if run["isolation"] == "none":
        assert run["not_run"]
        return
    assert run["passed"] == 0, run
    assert all(outcome != "passed" for outcome, _ in outcomes(run).values()), run
    assert run["line_coverage"] != 100.0, run
    assert all(function["percent"] < 100.0 for function in run["functions"]), run


FORGING_MODULES = {
    # Failures become "stop requested", which unittest does not count: 2/2 passed.
    "should_stop": """\
        import unittest.case

        unittest.case._ShouldStop = Exception
        """,
    # Every TestCase the test file defines after importing us runs our run(), which records success.
    "test_case": """\
        import unittest
        import unittest.case

        _Real = unittest.TestCase


        class _AlwaysPasses(_Real):
            def run(self, result=None):
                result.startTest(self)
                result.addSuccess(self)
                result.stopTest(self)
                return result


        unittest.TestCase = unittest.case.TestCase = _AlwaysPasses
        """,
}


@pytest.mark.parametrize("attack", sorted(FORGING_MODULES))
def test_a_module_that_rewires_unittest_as_it_is_imported_never_passes(scene, attack):
    run = run_against(scene, textwrap.dedent(FORGING_MODULES[attack]) + WRONG_ADD, TESTS_OF_ADD)
    assert_not_believed(run)
    if run["isolation"] != "none":
        assert "interfered with the test run" in run["problem"], run


PYTEST_FORGERIES = {
    # pytest's own call wrapper, made to drop an assertion's exception.
    "call_info": """\
        import _pytest.runner

        _real = _pytest.runner.CallInfo.from_call


        def _from_call(cls, func, when, reraise=None):
            def quiet():
                try:
                    return func()
                except AssertionError:
                    return None

            return _real.__func__(cls, quiet, when, reraise)


        _pytest.runner.CallInfo.from_call = classmethod(_from_call)
        """,
    # A plugin, registered from the running config, that clears the exception before any report.
    "plugin": """\
        import gc

        import _pytest.config
        import pytest


        class _Forger:
            @pytest.hookimpl(wrapper=True)
            def pytest_runtest_makereport(self, item, call):
                call.excinfo = None
                return (yield)


        for _thing in gc.get_objects():
            if isinstance(_thing, _pytest.config.Config):
                _thing.pluginmanager.register(_Forger())
        """,
}


@pytest.mark.parametrize("attack", sorted(PYTEST_FORGERIES))
def test_a_module_that_swallows_pytest_failures_never_passes(scene, attack):
    module = textwrap.dedent(PYTEST_FORGERIES[attack]) + WRONG_ADD
    tests = """\
        from victim import add


        def test_add():
            assert add(2, 2) == 4


        def test_add_more():
            assert add(1, 2) == 3
    """
    run = run_against(scene, module, tests)  # pytest-style tests: auto picks pytest
    assert_not_believed(run)
    if run["isolation"] != "none":
        assert "interfered with the test run" in run["problem"], run


def test_coverage_data_added_by_the_tests_is_not_believed(scene):
    tests = unittest_file_tearing_down_with(
        """\
        import sys

        import coverage

        current = coverage.Coverage.current()
        if current is not None:  # coverage.py whole records the lines
            current.get_data().add_lines({victim.__file__: list(range(1, 8))})
        else:  # its compiled tracer alone (a first run): the lines go straight into its data
            for lines in sys.gettrace().data.values():
                lines.update(range(1, 8))
        """
    )
    run = run_against(scene, WITH_UNCALLED, tests)
    assert_not_believed(run)
    if run["isolation"] != "none":
        assert "interfered with the test run" in run["problem"], run


def test_a_module_copy_rewritten_by_the_tests_does_not_change_coverage(scene):
    """Coverage that re-read the copy would see only the lines that ran: 100 %."""
    tests = unittest_file_tearing_down_with(
        """\
        with open(victim.__file__, "w") as stream:
            stream.write("def add(a, b):\\n    return a + b\\n")
        """
    )
    run = run_against(scene, WITH_UNCALLED, tests)
    if run["isolation"] == "none":
        assert run["not_run"]
        return
    assert run["coverage_measured"], run
    assert run["line_coverage"] < 100.0, run
    coverage = {function["name"]: function for function in run["functions"]}
    assert coverage["never_called"]["percent"] == 0.0, coverage
    assert coverage["add"]["percent"] == 100.0, coverage
    # The copy is read-only to the run: the rewrite itself fails.
    found = outcomes(run)
    assert found["TestAdd.test_add"][0] == "passed", found
    assert any("PermissionError" in message for _, message in found.values()), found


def test_the_test_files_copy_is_read_only_too(scene):
    tests = """\
        import unittest

        from victim import add


        class TestAdd(unittest.TestCase):
            def test_add(self):
                self.assertEqual(add(2, 2), 4)

            def test_rewrite_the_tests(self):
                with open(__file__, "a") as stream:
                    stream.write("\\n# changed\\n")

            def test_write_where_the_tests_run(self):
                with open("scratch.txt", "w") as stream:
                    stream.write("fine")
    """
    run = run_against(scene, WITH_UNCALLED, tests)
    if run["isolation"] == "none":
        assert run["not_run"]
        return
    found = outcomes(run)
    assert found["TestAdd.test_add"][0] == "passed", found
    assert found["TestAdd.test_rewrite_the_tests"][0] == "errored", found
    assert "PermissionError" in found["TestAdd.test_rewrite_the_tests"][1], found
    assert found["TestAdd.test_write_where_the_tests_run"][0] == "passed", found


# Names the red team found credentials under, and where the mode says "mine alone".
SECRET_NAMES = (
    "token.json",
    "terraform.tfstate",
    "prod.tfstate",
    "terraform.tfstate.backup",
    "kubeconfig",
    "deploy_key",
    ".netrc",
)


def test_secret_files_by_name_and_by_mode_stay_unreadable(scene, isolation):
    project = scene["project"]
    for name in SECRET_NAMES:
        (project / name).write_text(f"{SECRET}-{name}\n")
        os.chmod(project / name, 0o644)  # readable by all: only the name says it is a secret
    (project / "notes.txt").write_text(f"{SECRET}-notes\n")
    os.chmod(project / "notes.txt", 0o600)
    (project / "helper.py").write_text("ANSWER = 42\n")
    os.chmod(project / "helper.py", 0o600)
    (project / "data.csv").write_text("a,b\n1,2\n")
    os.chmod(project / "data.csv", 0o644)
    reads = "\n".join(
        f"""
        def test_read_{index}(self):
            with open({str(project / name)!r}) as stream:
                self.fail("read: " + stream.read()[:3])
"""
        for index, name in enumerate((*SECRET_NAMES, "notes.txt"))
    )
    tests = (
        """\
        import unittest

        import helper


        class TestSecrets(unittest.TestCase):
            def test_helper_imports(self):
                self.assertEqual(helper.ANSWER, 42)

            def test_shared_data_reads(self):
                with open("""
        + repr(str(project / "data.csv"))
        + """) as stream:
                    self.assertEqual(stream.readline(), "a,b\\n")
"""
        + textwrap.indent(textwrap.dedent(reads), " " * 12)
    )
    run = run_against(scene, WRONG_ADD, tests)
    assert SECRET not in repr(run)
    if run["isolation"] == "none":
        assert run["not_run"]
        return
    assert run["isolation"] == isolation.level
    found = outcomes(run)
    assert found["TestSecrets.test_helper_imports"][0] == "passed", found
    assert found["TestSecrets.test_shared_data_reads"][0] == "passed", found
    for index, name in enumerate((*SECRET_NAMES, "notes.txt")):
        outcome, message = found[f"TestSecrets.test_read_{index}"]
        assert (outcome, message.split(":")[0]) == ("errored", "PermissionError"), (name, message)


def test_tests_kept_in_the_order_they_are_written_stay_trusted(scene):
    """`TestLoader.sortTestMethodsUsing = None`, a common line in test files, changes no outcome."""
    tests = TESTS_OF_ADD.replace(
        "from victim import add\n",
        "from victim import add\n\n    unittest.TestLoader.sortTestMethodsUsing = None\n",
    )
    run = run_against(scene, WITH_UNCALLED, tests)
    if run["isolation"] == "none":
        assert run["not_run"]
        return
    assert (run["passed"], run["problem"]) == (2, None), run


def test_an_honest_run_stays_trusted_and_measured(scene):
    """The checks above never distrust a run that forges nothing."""
    run = run_against(scene, WITH_UNCALLED, TESTS_OF_ADD)
    if run["isolation"] == "none":
        assert run["not_run"]
        return
    assert (run["passed"], run["run"]) == (2, 2), run
    assert run["problem"] is None, run
    coverage = {function["name"]: function for function in run["functions"]}
    assert coverage["add"]["percent"] == 100.0 and coverage["never_called"]["percent"] == 0.0
    assert run["statement_lines"] == [1, 2, 5, 6, 7] and run["missing_lines"] == [6, 7], run


LEGACY_MODULE = textwrap.dedent("""\
    import sys


    def add(a, b):
        return a + b


    if sys.version_info < (3, 0):

        def legacy_add(a, b):
            return a + b
    """)


def summarized(executed: list[int]) -> execution.TestRunResult:
    """What the parent makes of a finished run of TESTS_OF_ADD that reports these lines as run."""
    spec = _short_run_spec(
        LEGACY_MODULE, textwrap.dedent(TESTS_OF_ADD), "victim", "test_victim", None
    )
    events = [
        {"event": "runner"},
        {"event": "isolation", "level": "full", "layers": [], "missing": []},
        *(
            {"event": event, "id": f"TestAdd.{name}", "outcome": "passed", "message": ""}
            for name in ("test_add", "test_add_more")
            for event in ("start", "result")
        ),
        {"event": "coverage", "executed": executed},
        {"event": "done", "tests": 2},
    ]
    run = ChildRun(events, exit_code=0, signal=None, limit=None, stdout_tail="", stderr_tail="")
    return summarize_runs(spec, [run], 0.1)


def test_lines_of_a_function_whose_def_never_ran_are_not_believed():
    """legacy_add's def is under a test that is false: no line of its body can have run.

    The lines are those a forger that reaches coverage's tracer data would add for every function
    body; the text and the rule are the parent's, so the summary is what the user sees."""
    honest = summarized([1, 4, 5, 8])
    assert (honest.passed, honest.problem) == (2, None)
    assert honest.missing_lines == [10, 11] and honest.line_coverage < 100.0

    forged = summarized([1, 4, 5, 8, 11])
    assert forged.passed == 0 and not forged.coverage_measured, forged
    assert "legacy_add as run, but never ran its def" in (forged.problem or ""), forged.problem
