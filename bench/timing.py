"""Median wall times of repeated work, in milliseconds, for the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

Item = TypeVar("Item")


def median_ms(work: Callable[[Item], object], inputs: Iterable[Item]) -> float:
    """The median wall time of `work(item)` over `inputs`, one run per item. Only the call is
    timed, not the making of the item (a fresh text per run, as after a keystroke, defeats the
    per-text caches)."""
    timings = []
    for item in inputs:
        start = time.perf_counter()
        work(item)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)
