"""Benchmark: a sandboxed, coverage-measured test run versus plain ``python -m unittest``.

Usage: python bench/bench_execution.py [--runs N]

All sides run the same generated module and 15-test file, in the same benchmark run, with the same
interpreter; the plain side runs in a temporary directory prepared outside the timing, so the ratio
charges everything ``run_tests`` does (copying files, the child, coverage, reading results) to us.
Two sandboxed figures: "warm", the normal case, where the runner process for this run was started
(and imported coverage) after the previous run; and "cold", with that disabled, as on a first run.
Each timing starts on a quiet machine (a pause lets any runner started in the background settle).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codegen.execution import prestart_runners, run_tests  # noqa: E402

MODULE = '''"""Time-series helpers."""

from collections import deque


def moving_average(series: list[float], window: int) -> list[float]:
    """Return the moving averages of ``series`` over ``window`` consecutive values."""
    if window <= 0:
        raise ValueError("window must be positive")
    if window > len(series):
        return []
    averages = []
    total = sum(series[:window])
    averages.append(total / window)
    for index in range(window, len(series)):
        total += series[index] - series[index - window]
        averages.append(total / window)
    return averages


def exponential_smoothing(series: list[float], alpha: float) -> list[float]:
    """Return the exponentially smoothed series with smoothing factor ``alpha``."""
    if not 0 < alpha <= 1:
        raise ValueError("alpha must be in (0, 1]")
    smoothed = []
    for value in series:
        smoothed.append(value if not smoothed else alpha * value + (1 - alpha) * smoothed[-1])
    return smoothed


def rolling_max(series: list[float], window: int) -> list[float]:
    """Return the maximum of each window of ``window`` consecutive values."""
    if window <= 0:
        raise ValueError("window must be positive")
    candidates: deque[int] = deque()
    result = []
    for index, value in enumerate(series):
        while candidates and series[candidates[-1]] <= value:
            candidates.pop()
        candidates.append(index)
        if candidates[0] <= index - window:
            candidates.popleft()
        if index >= window - 1:
            result.append(series[candidates[0]])
    return result
'''

TESTS = """import unittest

from timeseries import exponential_smoothing, moving_average, rolling_max


class TestMovingAverage(unittest.TestCase):
    def test_simple_window(self):
        self.assertEqual(moving_average([1, 2, 3, 4, 5], 2), [1.5, 2.5, 3.5, 4.5])

    def test_window_of_one_returns_series(self):
        self.assertEqual(moving_average([4, 5, 6], 1), [4, 5, 6])

    def test_window_equal_to_length(self):
        self.assertEqual(moving_average([2, 4, 6], 3), [4])

    def test_window_larger_than_series(self):
        self.assertEqual(moving_average([1, 2], 5), [])

    def test_empty_series(self):
        self.assertEqual(moving_average([], 3), [])

    def test_zero_window_raises(self):
        with self.assertRaises(ValueError):
            moving_average([1, 2, 3], 0)

    def test_floats(self):
        self.assertAlmostEqual(moving_average([0.1, 0.2, 0.3], 3)[0], 0.2)


class TestExponentialSmoothing(unittest.TestCase):
    def test_alpha_one_returns_series(self):
        self.assertEqual(exponential_smoothing([3, 1, 2], 1), [3, 1, 2])

    def test_half_alpha(self):
        self.assertEqual(exponential_smoothing([2, 4, 8], 0.5), [2, 3.0, 5.5])

    def test_empty(self):
        self.assertEqual(exponential_smoothing([], 0.3), [])

    def test_invalid_alpha_raises(self):
        for alpha in (0, -0.5, 1.5):
            with self.subTest(alpha=alpha), self.assertRaises(ValueError):
                exponential_smoothing([1, 2], alpha)


class TestRollingMax(unittest.TestCase):
    def test_increasing(self):
        self.assertEqual(rolling_max([1, 2, 3, 4], 2), [2, 3, 4])

    def test_decreasing(self):
        self.assertEqual(rolling_max([4, 3, 2, 1], 3), [4, 3])

    def test_window_larger_than_series(self):
        self.assertEqual(rolling_max([1, 2], 3), [])

    def test_zero_window_raises(self):
        with self.assertRaises(ValueError):
            rolling_max([1], 0)


if __name__ == "__main__":
    unittest.main()
"""


def time_plain(directory: Path) -> float:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "unittest", "test_timeseries"],
        cwd=directory,
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"plain unittest failed:\n{completed.stderr.decode()}")
    return elapsed


def time_sandboxed(layers_off: tuple[str, ...] = ()) -> float:
    started = time.perf_counter()
    result = run_tests(
        MODULE,
        TESTS,
        module_name="timeseries",
        timeout=30,
        layers_off=layers_off,
        allow_unsandboxed=bool(layers_off),
    )
    elapsed = time.perf_counter() - started
    if result.passed != 15 or not result.coverage_measured:
        raise SystemExit(f"sandboxed run went wrong: {result.problem or result.as_dict()}")
    return elapsed


# What each isolation layer costs: the warm run with one layer (or all) turned off.
LAYER_VARIANTS = {
    "no namespaces": ("namespaces",),
    "no Landlock": ("landlock",),
    "no isolation": ("namespaces", "landlock"),
}


SETTLE_SECONDS = 0.4


def settle() -> None:
    time.sleep(SETTLE_SECONDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each side (default 7)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-plain-") as name:
        directory = Path(name)
        (directory / "timeseries.py").write_text(MODULE, encoding="utf-8")
        (directory / "test_timeseries.py").write_text(TESTS, encoding="utf-8")
        time_plain(directory)  # warm-up: file-system caches, the sandbox's support directory
        time_sandboxed()
        plain, warm, cold = [], [], []
        variants: dict[str, list[float]] = {label: [] for label in LAYER_VARIANTS}
        for _ in range(options.runs):  # interleaved so drift on the machine hits all sides alike
            settle()
            plain.append(time_plain(directory))
            settle()
            warm.append(time_sandboxed())
            for label, layers_off in LAYER_VARIANTS.items():
                settle()
                variants[label].append(time_sandboxed(layers_off))
            prestart_runners(False)
            settle()
            cold.append(time_sandboxed())
            prestart_runners(True)
            time_sandboxed()  # leaves a started runner behind for the next warm timing

    plain_median = statistics.median(plain)
    version = sys.version.split()[0]
    print(f"runs: {options.runs} each, 15 tests, {sys.executable} (Python {version})")
    print(f"plain python -m unittest:           median {plain_median * 1000:7.1f} ms")
    for label, timings, goal in (("warm", warm, 1.5), ("cold", cold, 2.5)):
        median = statistics.median(timings)
        print(
            f"sandboxed run_tests, {label} runner:   median {median * 1000:7.1f} ms"
            f"   ratio {median / plain_median:.2f}x (goal <= {goal}x)"
        )
    warm_median = statistics.median(warm)
    for label, timings in variants.items():
        median = statistics.median(timings)
        print(
            f"  warm, {label + ':':16} median {median * 1000:7.1f} ms   the layers it drops cost "
            f"{(warm_median - median) * 1000:+6.1f} ms"
        )


if __name__ == "__main__":
    main()
