"""The test process's work: coverage around the unittest or pytest driver, then the end of the
run."""

import importlib.util
import os
import sys

from .errors import summarize_exception
from .mutants import run_mutants
from .pytest_driver import run_pytest
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


def run(config, results, coverage, coverage_error):
    test_file = os.path.abspath(config["test_file"])
    test_module = config["test_module"]
    integrity = guarded_integrity()

    cov = None
    if config["coverage"]:
        try:
            if coverage is None:
                raise ImportError(coverage_error)
            cov = start_coverage(coverage, config)
        except BaseException as exc:
            reason = coverage_error if coverage is None else summarize_exception(type(exc), exc)
            results.emit("coverage_unavailable", reason=reason)

    if config.get("framework") == "pytest":
        count = run_pytest(config, results, test_file, test_module)
    else:
        count = run_unittest(config, results, test_file, test_module, integrity)
    if cov is not None:
        report_coverage(cov, config, results)
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
