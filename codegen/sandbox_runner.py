"""Child-process script: run one unittest file under coverage and stream each result as a JSON line.

Started by ``codegen.execution`` as ``python sandbox_runner.py <pycache dir>``, possibly ahead of
time: it first imports unittest and coverage, then blocks until its job arrives as one JSON line on
stdin (no line means "not needed": it exits).  It imports only the standard library and coverage,
because the interpreter may be the user's project Python, and keeps to Python 3.8 syntax.

Events in the results file, one JSON object per line, each written as it happens:

    {"event": "coverage_unavailable", "reason": "..."}
    {"event": "import_error", "id", "message", "traceback", "line"}
    {"event": "start", "id": "..."}                           before each test
    {"event": "result", "id", "outcome", "message", "traceback", "line"}
    {"event": "aborted", "id", "message"}                     an exception escaped unittest
    {"event": "coverage", "statements": [...], "missing": [...]}
    {"event": "done", "tests": N}                             the run finished normally
"""

import importlib
import importlib.util
import json
import math
import os
import re
import sys
import traceback
import unittest

MESSAGE_LIMIT = 500
TRACEBACK_LIMIT = 4000
_RUNNER_FILE = os.path.abspath(__file__)
_RUNNER_DIR = os.path.dirname(_RUNNER_FILE)
_IMPORTLIB_FILE = os.path.abspath(importlib.__file__)


def import_coverage(pycache_prefix):
    """Import coverage.py ahead of the job; return (module, None) or (None, reason)."""
    saved = sys.dont_write_bytecode, sys.pycache_prefix
    if pycache_prefix and not _has_bytecode("coverage"):
        # Coverage was installed by another Python version, so it has no bytecode for this one:
        # cache it outside the sandbox, compiled once per session instead of on every run.
        sys.dont_write_bytecode, sys.pycache_prefix = False, pycache_prefix
    try:
        import coverage

        return coverage, None
    except BaseException as exc:  # any failure here only means "no coverage"
        return None, summarize_exception(type(exc), exc)
    finally:
        sys.dont_write_bytecode, sys.pycache_prefix = saved


def _has_bytecode(package):
    try:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.origin or not spec.has_location:
            return True  # nothing to compile (or nothing to import)
        return os.path.exists(importlib.util.cache_from_source(spec.origin))
    except (ImportError, ValueError, NotImplementedError):
        return True


def enter_sandbox(config):
    """Make this process look as if started for this job: fds, cwd, environment, sys.path."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    outputs = ((1, sys.stdout, config["stdout_file"]), (2, sys.stderr, config["stderr_file"]))
    for fd, stream, path in outputs:
        stream.flush()
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    os.chdir(config["workdir"])
    os.environ.clear()
    os.environ.update(config["env"])
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].tempdir = None  # re-read TMPDIR
    startup_path = [entry for entry in sys.path if entry != _RUNNER_DIR]
    sys.path[:] = list(config["sys_path"]) + startup_path
    importlib.invalidate_caches()


def set_limits(config):
    """Apply CPU, address-space, open-file and core-dump limits; return the names that failed."""
    try:
        import resource
    except ImportError:  # not a Unix system: nothing to apply
        return ["resource module unavailable"]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU time counts from process start, and this process may have waited for its job.
    cpu = math.ceil(usage.ru_utime + usage.ru_stime) + config["cpu_seconds"]
    wanted = {
        "RLIMIT_CPU": (cpu, cpu + 2),  # SIGXCPU at the soft limit, SIGKILL at the hard one
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
    """Append-only JSON lines on a descriptor of its own, that tests swapping stdout cannot hide."""

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
    summary = "{}: {}".format(exc_type.__name__, first_line) if first_line else exc_type.__name__
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
        self.unfinished = None  # a test stopped without an outcome: an exception escaped it
        self.count = 0

    def short_id(self, test):
        test_id = test.id()
        match = _FIXTURE_ID.match(test_id)  # class/module fixture errors: "setUpClass (mod.Class)"
        if match:
            test_id = "{}.{}".format(match.group(2), match.group(1))
        return test_id[len(self._prefix):] if test_id.startswith(self._prefix) else test_id

    def current_id(self):
        return None if self._current is None else self.short_id(self._current)

    def _set(self, test, outcome, message="", traceback_text="", line=None):
        record = {"outcome": outcome, "message": message, "traceback": traceback_text, "line": line}
        if test is self._current:
            if self._record is None or self._record["outcome"] in ("passed", "skipped"):
                self._record = record
        else:  # an error outside any test (setUpClass, setUpModule, tearDownClass)
            self.count += 1
            self._results.emit("result", id=self.short_id(test), **record)

    def startTest(self, test):
        super().startTest(test)
        self._current, self._record = test, None
        self._results.emit("start", id=self.short_id(test))

    def stopTest(self, test):
        if self._record is None:
            self.unfinished = self.short_id(test)
        else:
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


def start_coverage(coverage, config):
    cov = coverage.Coverage(
        data_file=None, config_file=False, include=[config["module_file"]], branch=False
    )
    cov.set_option("run:disable_warnings", ["no-data-collected", "module-not-imported"])
    cov.start()
    return cov


def report_coverage(cov, config, results):
    try:
        cov.stop()
        _, statements, _, missing, _ = cov.analysis2(config["module_file"])
        results.emit("coverage", statements=sorted(statements), missing=sorted(missing))
    except BaseException as exc:  # e.g. the module does not parse
        results.emit("coverage_unavailable", reason=summarize_exception(type(exc), exc))


def run(config, coverage, coverage_error):
    results = ResultsFile(config["results_file"])
    test_file = os.path.abspath(config["test_file"])
    test_module = config["test_module"]

    cov = None
    if config["coverage"]:
        try:
            if coverage is None:
                raise ImportError(coverage_error)
            cov = start_coverage(coverage, config)
        except BaseException as exc:
            reason = coverage_error if coverage is None else summarize_exception(type(exc), exc)
            results.emit("coverage_unavailable", reason=reason)

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
            test_id = result.unfinished or result.current_id()
            info = describe_error((type(exc), exc, exc.__traceback__), test_file)
            if test_id is not None:
                result.count += 1
                results.emit("result", id=test_id, outcome="errored", **info)
            results.emit("aborted", id=test_id, message=info["message"])
        else:
            if result.unfinished is not None:
                result.count += 1
                message = "the test stopped without reporting an outcome"
                results.emit("result", id=result.unfinished, outcome="errored", message=message,
                             traceback="", line=None)
        result.stopTestRun()
        count = result.count
    if cov is not None:
        report_coverage(cov, config, results)
    results.emit("done", tests=count)


def main():
    coverage, coverage_error = import_coverage(sys.argv[1] if len(sys.argv) > 1 else None)
    line = sys.stdin.readline()
    if not line.strip():  # the parent closed our stdin: this runner is not needed
        os._exit(0)
    config = json.loads(line)
    enter_sandbox(config)
    set_limits(config)
    run(config, coverage, coverage_error)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    # Skip interpreter shutdown: threads or atexit hooks the tests left must not hold the run open.
    os._exit(0)


if __name__ == "__main__":
    main()
