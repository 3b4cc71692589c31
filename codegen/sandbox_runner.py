"""Child-process script: run one unittest file under coverage and stream each result as a JSON line.

Run as ``python sandbox_runner.py '<json config>'`` by ``codegen.execution``; it imports only the
standard library and (if importable) coverage, because the interpreter may be the user's project
Python.  Events written to the results file, one JSON object per line, flushed as they happen:

    {"event": "limits", "failed": [...]}                      rlimits that could not be set
    {"event": "coverage_unavailable", "reason": "..."}
    {"event": "import_error", "id", "message", "traceback", "line"}
    {"event": "start", "id": "..."}                           before each test
    {"event": "result", "id", "outcome", "message", "traceback", "line"}
    {"event": "aborted", "id", "message"}                     an exception escaped unittest
    {"event": "coverage", "statements": [...], "missing": [...]}
    {"event": "done", "tests": N}                             the run finished normally
"""

import importlib
import json
import os
import re
import sys
import traceback
import unittest

MESSAGE_LIMIT = 500
TRACEBACK_LIMIT = 4000
_RUNNER_FILE = os.path.abspath(__file__)
_IMPORTLIB_FILE = os.path.abspath(importlib.__file__)


def set_limits(config):
    """Apply CPU, address-space, open-file and core-dump limits; return the names that failed."""
    try:
        import resource
    except ImportError:  # not a Unix system: nothing to apply
        return ["resource module unavailable"]
    wanted = {
        "RLIMIT_CPU": (config["cpu_seconds"], config["cpu_seconds"] + 2),
        "RLIMIT_AS": (config["memory_bytes"], config["memory_bytes"]),
        "RLIMIT_NOFILE": (config["max_open_files"], config["max_open_files"]),
        "RLIMIT_CORE": (0, 0),
    }
    failed = []
    for name, (soft, hard) in wanted.items():
        which = getattr(resource, name, None)
        if which is None:
            failed.append(name)
            continue
        try:
            _, current_hard = resource.getrlimit(which)
            if current_hard != resource.RLIM_INFINITY:  # never try to raise a hard limit
                soft, hard = min(soft, current_hard), min(hard, current_hard)
            resource.setrlimit(which, (soft, hard))
        except (OSError, ValueError):
            failed.append(name)
    return failed


class ResultsFile:
    """Append-only JSON-lines writer on its own descriptor, so tests that swap sys.stdout cannot hide it."""

    def __init__(self, path):
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)

    def emit(self, event, **fields):
        fields["event"] = event
        line = json.dumps(fields, default=repr) + "\n"
        os.write(self._fd, line.encode("utf-8", "replace"))


def _is_internal(frame):
    code_file = frame.f_code.co_filename
    return (
        "__unittest" in frame.f_globals
        or code_file == _RUNNER_FILE
        or code_file == _IMPORTLIB_FILE
        or code_file.startswith("<frozen importlib")
    )


def summarize_exception(exc_type, value):
    """One line a person can read: the exception type and the first line of its message."""
    text = str(value).strip()
    first_line = text.splitlines()[0] if text else ""
    summary = f"{exc_type.__name__}: {first_line}" if first_line else exc_type.__name__
    return summary[:MESSAGE_LIMIT]


def format_traceback(exc_type, value, tb):
    """The traceback without runner, unittest and importlib frames, truncated to its last part."""
    frames = [(frame, lineno) for frame, lineno in traceback.walk_tb(tb) if not _is_internal(frame)]
    text = ""
    cause = value.__cause__ or (None if value.__suppress_context__ else value.__context__)
    if cause is not None:
        text = "".join(traceback.format_exception(type(cause), cause, cause.__traceback__))
        text += "\nThe exception above led to this one:\n\n"
    if frames:
        stack = traceback.StackSummary.extract(iter(frames))
        text += "Traceback (most recent call last):\n" + "".join(stack.format())
    text += "".join(traceback.format_exception_only(exc_type, value))
    if len(text) > TRACEBACK_LIMIT:
        text = "... (truncated)\n" + text[-TRACEBACK_LIMIT:]
    return text


def failure_line(value, tb, test_file):
    """The line in the test file where the failure surfaced (the deepest frame in that file)."""
    line = None
    for frame, lineno in traceback.walk_tb(tb):
        if os.path.abspath(frame.f_code.co_filename) == test_file:
            line = lineno
    if line is None and isinstance(value, SyntaxError) and value.filename:
        if os.path.abspath(value.filename) == test_file:
            line = value.lineno
    return line


def describe_error(err, test_file):
    exc_type, value, tb = err
    return {
        "message": summarize_exception(exc_type, value),
        "traceback": format_traceback(exc_type, value, tb),
        "line": failure_line(value, tb, test_file),
    }


_FIXTURE_ID = re.compile(r"^(\w+) \((.+)\)$")


class StreamingResult(unittest.TestResult):
    """Records one outcome per test and writes it to the results file when the test stops."""

    def __init__(self, results, test_file, test_module):
        super().__init__()
        self._results = results
        self._test_file = test_file
        self._prefix = test_module + "."
        self._current = None
        self._record = None
        self.count = 0

    def short_id(self, test):
        test_id = test.id()
        match = _FIXTURE_ID.match(test_id)  # class/module fixture errors: "setUpClass (mod.Class)"
        if match:
            test_id = f"{match.group(2)}.{match.group(1)}"
        return test_id[len(self._prefix):] if test_id.startswith(self._prefix) else test_id

    def current_id(self):
        return None if self._current is None else self.short_id(self._current)

    def _set(self, test, outcome, message="", traceback_text="", line=None):
        record = {"outcome": outcome, "message": message, "traceback": traceback_text, "line": line}
        if test is self._current:
            if self._record is None or self._record["outcome"] in ("passed", "skipped"):
                self._record = record
        else:  # an error outside any test (setUpClass, setUpModule, tearDown of a class)
            self.count += 1
            self._results.emit("result", id=self.short_id(test), **record)

    def startTest(self, test):
        super().startTest(test)
        self._current, self._record = test, None
        self._results.emit("start", id=self.short_id(test))

    def stopTest(self, test):
        record = self._record or {"outcome": "passed", "message": "", "traceback": "", "line": None}
        self.count += 1
        self._results.emit("result", id=self.short_id(test), **record)
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
        self._set(test, "failed", "unexpected success: the test is marked expectedFailure but passed")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            info = describe_error(err, self._test_file)
            outcome = "failed" if issubclass(err[0], test.failureException) else "errored"
            message = f"{subtest._subDescription()}: {info['message']}"[:MESSAGE_LIMIT]
            self._set(test, outcome, message, info["traceback"], info["line"])


def start_coverage(config, results):
    """Start coverage.py on the module file, or report why it is unavailable and return None."""
    if not config["coverage"]:
        return None
    # Cache coverage's own bytecode outside the sandbox so an interpreter of another Python version
    # compiles it once per session instead of on every run; user code is still never cached.
    saved = sys.dont_write_bytecode, sys.pycache_prefix
    if config.get("pycache_prefix"):
        sys.dont_write_bytecode, sys.pycache_prefix = False, config["pycache_prefix"]
    try:
        import coverage

        cov = coverage.Coverage(
            data_file=None, config_file=False, include=[config["module_file"]], branch=False
        )
        cov.set_option("run:disable_warnings", ["no-data-collected", "module-not-imported"])
        cov.start()
        return cov
    except BaseException as exc:  # any failure here only means "no coverage"
        results.emit("coverage_unavailable", reason=summarize_exception(type(exc), exc))
        return None
    finally:
        sys.dont_write_bytecode, sys.pycache_prefix = saved


def report_coverage(cov, config, results):
    try:
        cov.stop()
        _, statements, _, missing, _ = cov.analysis2(config["module_file"])
        results.emit("coverage", statements=sorted(statements), missing=sorted(missing))
    except BaseException as exc:  # e.g. the module does not parse
        results.emit("coverage_unavailable", reason=summarize_exception(type(exc), exc))


def run(config):
    results = ResultsFile(config["results_file"])
    failed_limits = set_limits(config)
    if failed_limits:
        results.emit("limits", failed=failed_limits)
    test_file = os.path.abspath(config["test_file"])
    test_module = config["test_module"]

    cov = start_coverage(config, results)
    try:
        module = importlib.import_module(test_module)
    except BaseException as exc:  # SyntaxError, ImportError, even SystemExit at import time
        info = describe_error((type(exc), exc, exc.__traceback__), test_file)
        results.emit("import_error", id=test_module, **info)
        module = None

    count = 0
    if module is not None:
        suite = unittest.TestLoader().loadTestsFromModule(module)
        result = StreamingResult(results, test_file, test_module)
        result.startTestRun()
        try:
            suite.run(result)
        except BaseException as exc:  # KeyboardInterrupt and the like escape unittest
            current = result.current_id()
            info = describe_error((type(exc), exc, exc.__traceback__), test_file)
            if current is not None:
                result.count += 1
                results.emit("result", id=current, outcome="errored", **info)
            results.emit("aborted", id=current, message=info["message"])
        result.stopTestRun()
        count = result.count
    if cov is not None:
        report_coverage(cov, config, results)
    results.emit("done", tests=count)


def main():
    config = json.loads(sys.argv[1])
    # sys.path[0] is this script's directory; the user's module and tests live in the working directory.
    sys.path[0] = config["workdir"]
    run(config)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    # Skip interpreter shutdown: threads or atexit hooks left by the tests must not hold the run open.
    os._exit(0)


if __name__ == "__main__":
    main()
