"""The test process's work: coverage around the unittest or pytest driver, then the end of the
run."""

import importlib.util
import os
import sys

from .errors import summarize_exception
from .integrity import Integrity, imported
from .mutants import run_mutants
from .pytest_driver import run_pytest
from .shadowing import ModuleUnderTest
from .unittest_driver import guarded_integrity, run_unittest


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


class MeasuredLines:
    """coverage.py measuring the module's lines, guarded against the tests adding lines of their
    own.

    Its data object is made now and stays empty until ``report`` flushes the tracer into it: lines
    found there earlier were put there by the tests (``Coverage.current().get_data().add_lines``).
    Only the lines that ran are sent; the parent finds the statements in the text it holds, so a
    rewritten copy of the module changes nothing.
    """

    def __init__(self, coverage, config):
        self._cov = coverage.Coverage(
            data_file=None, config_file=False, include=[config["module_file"]], branch=False
        )
        self._cov.set_option("run:disable_warnings", ["no-data-collected", "module-not-imported"])
        self._cov.start()
        self._data = self._cov.get_data()
        self._integrity = Integrity([], {}, imported(COVERAGE_MODULES))

    def _forged(self):
        changed = self._integrity.changes()
        if self._data.measured_files():
            changed.append("coverage data (lines added during the tests)")
        return changed

    def report(self, results, tested_name):
        instead = tested_name.imported_instead()
        if instead is not None:  # the file given never ran: its coverage would be a silent 0 %
            self._cov.stop()
            results.emit("coverage_unavailable", reason=instead)
            return
        try:
            self._cov.stop()
            forged = self._forged()
            data = self._cov.get_data()
            if forged or data is not self._data:
                results.emit("tampered", what=(forged or ["coverage data (replaced)"])[:20])
                return
            executed: set[int] = set()
            for name in data.measured_files():  # the module alone: coverage measured only it
                executed.update(data.lines(name) or ())
            results.emit("coverage", executed=sorted(executed))
        except BaseException as exc:
            results.emit("coverage_unavailable", reason=summarize_exception(type(exc), exc))


def run(config, results, coverage, coverage_error):
    test_file = os.path.abspath(config["test_file"])
    test_module = config["test_module"]
    integrity = guarded_integrity()

    cov = None
    if config["coverage"]:
        try:
            if coverage is None:
                raise ImportError(coverage_error)
            cov = MeasuredLines(coverage, config)
        except BaseException as exc:
            reason = coverage_error if coverage is None else summarize_exception(type(exc), exc)
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


def test_main(config, results, coverage, coverage_error):
    """The test process: run the tests (or judge mutants), then leave without interpreter
    shutdown."""
    if config.get("mutants") is not None:
        run_mutants(config, results)
    else:
        run(config, results, coverage, coverage_error)
    flush_standard_streams()
    # Skip interpreter shutdown: threads or atexit hooks the tests left must not hold the run open.
    os._exit(0)
