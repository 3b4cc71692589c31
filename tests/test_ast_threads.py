"""ASTs built from several threads at once (formatting in worker threads, scoring on the loop) never
hit CPython 3.11/3.12's shared AST recursion counter (python/cpython#106905)."""

from __future__ import annotations

import ast
import gc
import sys
import threading
import time
from pathlib import Path

import pytest

from codegen import source
from codegen.execution.coverage import function_spans
from codegen.shaping import formatting
from codegen.test_files import declared_test_ids

SOURCE = Path(ast.__file__).read_text(encoding="utf-8")


@pytest.fixture
def thread_switches_inside_ast_building():
    """A GC callback that yields the GIL: another thread then runs while an AST is half built."""

    def yield_gil(phase, info):
        if phase == "start":
            time.sleep(0)

    thresholds = gc.get_threshold()
    gc.callbacks.append(yield_gil)
    gc.set_threshold(50, 5, 5)
    try:
        yield
    finally:
        gc.callbacks.remove(yield_gil)
        gc.set_threshold(*thresholds)


def race(work, threads: int = 4) -> list[str]:
    errors: list[str] = []

    def run():
        try:
            for _ in range(10):
                work()
        except SystemError as error:
            errors.append(str(error))

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return errors


@pytest.mark.skipif(
    sys.version_info >= (3, 13), reason="the counter is per thread from Python 3.13"
)
def test_the_race_is_real_without_the_lock(thread_switches_inside_ast_building):
    assert any(race(lambda: ast.parse(SOURCE)) for _ in range(5)), (
        "could not reproduce cpython#106905"
    )


def test_every_ast_we_build_takes_the_lock(thread_switches_inside_ast_building):
    jobs = [
        lambda: source.parse_or_none(SOURCE),
        lambda: declared_test_ids(SOURCE, "test_ast"),
        lambda: function_spans(SOURCE),
        lambda: formatting.tidy("import os\nx=1\n", (formatting.remove_unused,)),
    ]
    counter = iter(range(10**6))
    assert race(lambda: jobs[next(counter) % len(jobs)]()) == []
