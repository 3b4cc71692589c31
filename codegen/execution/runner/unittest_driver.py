"""The unittest driver: import the test module, run its TestCases, stream one outcome per test."""

import importlib
import json
import os
import re
import unittest

from .channel import ResultsChannel
from .errors import MESSAGE_LIMIT, describe_error, summarize_exception
from .integrity import Integrity, imported

_FIXTURE_ID = re.compile(r"^(\w+) \((.+)\)$")


class StreamingResult(unittest.TestResult):
    """Records one outcome per test and sends it when the test stops."""

    def __init__(self, results, test_file, test_module, integrity):
        super().__init__()
        self._results = results
        self._test_file = test_file
        self._prefix = test_module + "."
        self._integrity = integrity
        self._current = None
        self._record = None
        self.unfinished = None  # a test stopped without an outcome: an exception escaped it
        self.count = 0
        self.tampered = False

    def short_id(self, test):
        test_id = test.id()
        match = _FIXTURE_ID.match(test_id)  # class/module fixture errors: "setUpClass (mod.Class)"
        if match:
            test_id = f"{match.group(2)}.{match.group(1)}"
        return test_id[len(self._prefix) :] if test_id.startswith(self._prefix) else test_id

    def current_id(self):
        return None if self._current is None else self.short_id(self._current)

    def check(self):
        """Report a changed runner once; after that, results are not worth sending."""
        if not self.tampered:
            changed = self._integrity.changes(self)
            if changed:
                self.tampered = True
                self._results.emit("tampered", what=changed[:20])
        return not self.tampered

    def _set(self, test, outcome, message="", traceback_text="", line=None):
        record = {"outcome": outcome, "message": message, "traceback": traceback_text, "line": line}
        if test is self._current:
            if self._record is None or self._record["outcome"] in ("passed", "skipped"):
                self._record = record
        elif self.check():  # an error outside any test (setUpClass, setUpModule, tearDownClass)
            self.count += 1
            self._results.emit("result", id=self.short_id(test), **record)

    def startTest(self, test):
        super().startTest(test)
        self._current, self._record = test, None
        self._results.emit("start", id=self.short_id(test))

    def stopTest(self, test):
        if self._record is None:
            self.unfinished = self.short_id(test)
        elif self.check():
            self.count += 1
            self._results.emit("result", id=self.short_id(test), **self._record)
        self._current, self._record = None, None
        super().stopTest(test)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._set(test, "passed")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        info = describe_error(err, self._test_file)
        self._set(test, "failed", info["message"], info["traceback"], info["line"])

    def addError(self, test, err):
        super().addError(test, err)
        info = describe_error(err, self._test_file)
        self._set(test, "errored", info["message"], info["traceback"], info["line"])

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._set(test, "skipped", str(reason)[:MESSAGE_LIMIT])

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._set(test, "passed", "expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._set(test, "failed", "unexpected success: marked expectedFailure, but it passed")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            info = describe_error(err, self._test_file)
            outcome = "failed" if issubclass(err[0], test.failureException) else "errored"
            message = "{}: {}".format(subtest._subDescription(), info["message"])[:MESSAGE_LIMIT]
            self._set(test, outcome, message, info["traceback"], info["line"])


# The modules unittest runs a test through: each name they hold is looked up as tests run.
UNITTEST_MODULES = (
    "unittest",
    "unittest.case",
    "unittest.result",
    "unittest.suite",
    "unittest.loader",
)


def guarded_integrity():
    import builtins
    import unittest.case
    import unittest.loader
    import unittest.result
    import unittest.suite

    classes = [
        unittest.TestCase,
        unittest.TestResult,
        unittest.TestSuite,
        unittest.suite.BaseTestSuite,
        unittest.TestLoader,
        unittest.case._Outcome,  # type: ignore[attr-defined]  # private, not in typeshed
        StreamingResult,
        ResultsChannel,
        Integrity,
    ]
    functions = {
        "os.write": (os, "write"),
        "os._exit": (os, "_exit"),
        "json.dumps": (json, "dumps"),
        "builtins.isinstance": (builtins, "isinstance"),
        "builtins.issubclass": (builtins, "issubclass"),
    }
    # Test files set it to None to run tests in the order they are written: that changes only the
    # order, never an outcome.
    harmless = ["unittest.loader.TestLoader.sortTestMethodsUsing"]
    return Integrity(classes, functions, imported(UNITTEST_MODULES), harmless)


def run_unittest(config, results, test_file, test_module, integrity):
    """Import the test module and run its TestCases; return how many results were sent."""
    try:
        module = importlib.import_module(test_module)
    except BaseException as exc:  # SyntaxError, ImportError, even SystemExit at import time
        info = describe_error((type(exc), exc, exc.__traceback__), test_file)
        results.emit("import_error", id=test_module, **info)
        return 0
    loader = unittest.TestLoader()
    if config.get("only"):
        suite = unittest.TestSuite()
        for name in config["only"]:
            try:
                suite.addTest(loader.loadTestsFromName(name, module))
            except (AttributeError, ImportError, TypeError) as exc:
                results.emit(
                    "result",
                    id=name,
                    outcome="errored",
                    message="no such test: " + summarize_exception(type(exc), exc),
                    traceback="",
                    line=None,
                )
    else:
        suite = loader.loadTestsFromModule(module)
    result = StreamingResult(results, test_file, test_module, integrity)
    result.startTestRun()
    try:
        suite.run(result)
    except BaseException as exc:  # KeyboardInterrupt and the like escape unittest
        test_id = result.unfinished or result.current_id()
        info = describe_error((type(exc), exc, exc.__traceback__), test_file)
        if test_id is not None and result.check():
            result.count += 1
            results.emit("result", id=test_id, outcome="errored", **info)
        results.emit("aborted", id=test_id, message=info["message"])
    else:
        if result.unfinished is not None and result.check():
            result.count += 1
            message = "the test stopped without reporting an outcome"
            results.emit(
                "result",
                id=result.unfinished,
                outcome="errored",
                message=message,
                traceback="",
                line=None,
            )
    result.stopTestRun()
    result.check()
    return result.count
