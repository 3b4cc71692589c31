"""The pytest driver: run the test file with the interpreter's own pytest under a reporting
plugin."""

import os
import sys

from .channel import ResultsChannel
from .errors import MESSAGE_LIMIT, TRACEBACK_LIMIT, describe_error, summarize_exception
from .integrity import Integrity, imported

# The modules pytest runs and reports a test through (pluggy calls the hooks).
PYTEST_MODULES = (
    "_pytest.runner",
    "_pytest.reports",
    "_pytest.outcomes",
    "_pytest.python",
    "_pytest.skipping",
    "_pytest.main",
    "_pytest.nodes",
    "_pytest._code.code",
    "pluggy._callers",
    "pluggy._hooks",
    "pluggy._manager",
)
# The hooks a test's run and its report go through: a plugin added to them after collection began
# (by the module under test, as it is imported) could rewrite an outcome.
RUN_HOOKS = (
    "pytest_runtest_protocol",
    "pytest_runtest_setup",
    "pytest_runtest_call",
    "pytest_runtest_teardown",
    "pytest_pyfunc_call",
    "pytest_runtest_makereport",
    "pytest_runtest_logreport",
    "pytest_runtest_logstart",
    "pytest_runtest_logfinish",
    "pytest_report_teststatus",
    "pytest_exception_interact",
)


def _hook_implementations(plugin_manager):
    """The functions each of ``RUN_HOOKS`` calls, in order."""
    found = {}
    for name in RUN_HOOKS:
        caller = getattr(plugin_manager.hook, name, None)
        implementations = caller.get_hookimpls() if caller is not None else []
        found[name] = [implementation.function for implementation in implementations]
    return found


class PytestReporter:
    """A pytest plugin sending one outcome per test, the way StreamingResult does for unittest.

    An exception other than an assertion in a test's call is "errored", as unittest counts it; a
    failure in setup or teardown is "errored" too.
    """

    def __init__(self, results, test_file, test_module, take_integrity, tested_name):
        self._results = results
        self._tested_name = tested_name
        self._test_file = test_file
        self._prefix = os.path.basename(test_file) + "::"
        self._test_module = test_module
        self._take_integrity = take_integrity  # the Integrity is taken as collection starts
        self._integrity = None
        self._records = {}
        self._plugin_manager = None
        self._hooks = None  # the run hooks' implementations as collection began
        self.count = 0
        self.tampered = False

    def pytest_collectstart(self, collector):
        """The snapshot, taken as the session's own collection starts: pytest has configured
        itself (its legacypath plugin patches Node.fspath then), no test module is imported yet."""
        if self._hooks is None:
            self._integrity = self._take_integrity()
            self._plugin_manager = collector.config.pluginmanager
            self._hooks = _hook_implementations(self._plugin_manager)

    def changes(self):
        """What the tested code changed in pytest, pluggy, its hooks or this runner."""
        if self._hooks is None:
            return []  # nothing collected, so nothing of the tested code ran
        assert self._integrity is not None  # taken with the hooks
        now = _hook_implementations(self._plugin_manager)
        return self._integrity.changes() + [
            "hook " + name
            for name, functions in self._hooks.items()
            if len(now[name]) != len(functions)
            or any(new is not old for new, old in zip(now[name], functions))
        ]

    def short_id(self, nodeid):
        if nodeid.startswith(self._prefix):
            nodeid = nodeid[len(self._prefix) :]
        return nodeid.replace("::", ".")

    def pytest_collection(self, session):
        """Every plugin is loaded by now: the test file is imported next."""
        self._tested_name.claim()

    def pytest_collection_finish(self, session):
        self._tested_name.release()

    def pytest_runtest_logstart(self, nodeid, location):
        self._results.emit("start", id=self.short_id(nodeid))

    def pytest_collectreport(self, report):
        if report.failed:
            message = str(report.longrepr).strip().splitlines()
            self._results.emit(
                "import_error",
                id=self._test_module,
                message=(message[-1].lstrip("E ") if message else "collection failed")[
                    :MESSAGE_LIMIT
                ],
                traceback=str(report.longrepr)[-TRACEBACK_LIMIT:],
                line=None,
            )

    def pytest_runtest_makereport(self, item, call):
        """Record each phase's outcome from the exception itself (pytest's report keeps only
        text)."""
        record = self._records.setdefault(item.nodeid, None)
        if call.excinfo is None:
            return
        exc_type, value, tb = call.excinfo.type, call.excinfo.value, call.excinfo.tb
        import pytest

        if issubclass(exc_type, pytest.skip.Exception):
            if record is None:
                self._records[item.nodeid] = {
                    "outcome": "skipped",
                    "message": str(value)[:MESSAGE_LIMIT],
                    "traceback": "",
                    "line": None,
                }
            return
        info = describe_error((exc_type, value, tb), self._test_file)
        outcome = (
            "failed" if call.when == "call" and issubclass(exc_type, AssertionError) else "errored"
        )
        if record is None or record["outcome"] in ("passed", "skipped"):
            self._records[item.nodeid] = dict(info, outcome=outcome)

    def pytest_runtest_logreport(self, report):
        record = self._records.get(report.nodeid)
        if report.when == "call" and hasattr(report, "wasxfail"):
            self._records[report.nodeid] = {
                "outcome": "passed" if report.skipped else "failed",
                "message": (
                    "expected failure"
                    if report.skipped
                    else "unexpected success: marked xfail, but it passed"
                ),
                "traceback": "",
                "line": None,
            }
        elif report.when == "call" and report.passed and record is None:
            self._records[report.nodeid] = {
                "outcome": "passed",
                "message": "",
                "traceback": "",
                "line": None,
            }

    def pytest_sessionfinish(self, session):
        """After the last test (a change in its teardown, say), before pytest undoes its own
        patches (legacypath's Node.fspath) at unconfigure."""
        changed = [] if self.tampered else self.changes()
        if changed:
            self.tampered = True
            self._results.emit("tampered", what=changed[:20])

    def pytest_runtest_logfinish(self, nodeid, location):
        record = self._records.pop(nodeid, None)
        if record is None:
            return  # no outcome: the parent reports the test as errored
        if not self.tampered:
            changed = self.changes()
            if changed:
                self.tampered = True
                self._results.emit("tampered", what=changed[:20])
                return
            self.count += 1
            self._results.emit("result", id=self.short_id(nodeid), **record)


def run_pytest(config, results, test_file, test_module, tested_name):
    """Run the test file with the interpreter's own pytest, under our reporter; return the results
    sent."""
    try:
        import pytest
    except BaseException as exc:
        reason = summarize_exception(type(exc), exc)
        results.emit(
            "import_error",
            id=test_module,
            message=f"pytest is not installed for this interpreter ({reason})",
            traceback="",
            line=None,
        )
        return 0
    import _pytest.python
    import _pytest.runner

    def take_integrity():
        return Integrity(
            [PytestReporter, ResultsChannel, Integrity, _pytest.python.Function],
            {
                "os.write": (os, "write"),
                "builtins.isinstance": (sys.modules["builtins"], "isinstance"),
                "builtins.issubclass": (sys.modules["builtins"], "issubclass"),
            },
            imported(PYTEST_MODULES),
        )

    reporter = PytestReporter(results, test_file, test_module, take_integrity, tested_name)
    ini = os.path.join(config["workdir"], "codegen-pytest.ini")
    with open(ini, "w") as stream:
        # No project configuration is searched for (or read) outside the run
        stream.write("[pytest]\n")
    targets = []
    for name in config.get("only") or []:
        base, bracket, parameters = name.partition("[")
        targets.append("{}::{}{}{}".format(test_file, base.replace(".", "::"), bracket, parameters))
    arguments = [
        *(targets or [test_file]),
        "-q",
        "-p",
        "no:cacheprovider",
        "-c",
        ini,
        "--rootdir",
        os.path.dirname(test_file),  # test ids are relative to it: "test_m.py::test_x"
        "-o",
        "console_output_style=classic",
    ]
    try:
        pytest.main(arguments, plugins=[reporter])
    except BaseException as exc:
        info = describe_error((type(exc), exc, exc.__traceback__), test_file)
        results.emit("aborted", id=None, message=info["message"])
    return reporter.count
