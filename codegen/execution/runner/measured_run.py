"""The test process's work: coverage around the unittest or pytest driver, then the end of the
run."""

import importlib.util
import os
import sys

from .errors import summarize_exception
from .integrity import Integrity, imported
from .line_tracer import TracerLines, load_tracer
from .mutants import run_mutants
from .pytest_driver import run_pytest
from .shadowing import ModuleUnderTest
from .unittest_driver import guarded_integrity, run_unittest


class LineSource:
    """What records the module's lines in this runner, chosen at start: coverage.py's compiled
    tracer alone where it serves (``line_tracer``), else coverage.py whole; ``error`` if neither."""

    def __init__(self, lib_dir, pycache_prefix):
        self.tracer = load_tracer(lib_dir)
        self.coverage = self.error = None
        if self.tracer is None:
            self.coverage, self.error = import_coverage(pycache_prefix)

    def start(self, module_file):
        """Start recording the lines of ``module_file`` that run; ImportError if nothing can."""
        if self.tracer is not None:
            lines = TracerLines(self.tracer, module_file)
            lines.start()
            return lines
        if self.coverage is None:
            raise ImportError(self.error)
        return CoverageLines(self.coverage, module_file)


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


# Where coverage.py keeps what it measured until it is reported.
COVERAGE_MODULES = ("coverage", "coverage.control", "coverage.collector", "coverage.sqldata")


class CoverageLines:
    """coverage.py measuring the module's lines, guarded against the tests adding lines of their
    own.

    Its data object is made now and stays empty until ``forged`` flushes the tracer into it: lines
    found there earlier were put there by the tests (``Coverage.current().get_data().add_lines``).
    """

    def __init__(self, coverage, module_file):
        self._cov = coverage.Coverage(
            data_file=None, config_file=False, include=[module_file], branch=False
        )
        self._cov.set_option("run:disable_warnings", ["no-data-collected", "module-not-imported"])
        self._cov.start()
        self._data = self._cov.get_data()
        self._integrity = Integrity([], {}, imported(COVERAGE_MODULES))

    def stop(self):
        self._cov.stop()

    def forged(self):
        """What the tests changed of coverage.py or its data, if anything (after ``stop``)."""
        changed = self._integrity.changes()
        if self._data.measured_files():
            changed.append("coverage data (lines added during the tests)")
        if not changed and self._cov.get_data() is not self._data:
            changed.append("coverage data (replaced)")
        return changed

    def lines(self):
        executed: set[int] = set()
        for name in self._data.measured_files():  # the module alone: coverage measured only it
            executed.update(self._data.lines(name) or ())
        return executed


class MeasuredLines:
    """The module's lines that run during the tests, reported once they are done.

    Only the lines that ran are sent; the parent finds the statements in the text it holds, so a
    rewritten copy of the module changes nothing.
    """

    def __init__(self, source, config):
        self._recorder = source.start(config["module_file"])

    def report(self, results, tested_name):
        instead = tested_name.imported_instead()
        if instead is not None:  # the file given never ran: its coverage would be a silent 0 %
            self._recorder.stop()
            results.emit("coverage_unavailable", reason=instead)
            return
        try:
            self._recorder.stop()
            forged = self._recorder.forged()
            if forged:
                results.emit("tampered", what=forged[:20])
                return
            results.emit("coverage", executed=sorted(self._recorder.lines()))
        except BaseException as exc:
            results.emit("coverage_unavailable", reason=summarize_exception(type(exc), exc))


def run(config, results, source):
    test_file = os.path.abspath(config["test_file"])
    test_module = config["test_module"]
    integrity = guarded_integrity()

    cov = None
    if config["coverage"]:
        try:
            cov = MeasuredLines(source, config)
        except BaseException as exc:
            reason = source.error if source.error else summarize_exception(type(exc), exc)
            results.emit("coverage_unavailable", reason=reason)

    tested_name = ModuleUnderTest(config)
    if config.get("framework") == "pytest":
        # pytest imports modules of its own until its plugins are loaded: it frees the name then
        count = run_pytest(config, results, test_file, test_module, tested_name)
    else:
        tested_name.claim()
        count = run_unittest(config, results, test_file, test_module, integrity)
        tested_name.release()
    if cov is not None:
        cov.report(results, tested_name)
    results.emit("done", tests=count)


def flush_standard_streams():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def test_main(config, results, source):
    """The test process: run the tests (or judge mutants), then leave without interpreter
    shutdown."""
    if config.get("mutants") is not None:
        run_mutants(config, results)
    else:
        run(config, results, source)
    flush_standard_streams()
    # Skip interpreter shutdown: threads or atexit hooks the tests left must not hold the run open.
    os._exit(0)
