"""What a one-slot server costs a generation: wall time against a loopback model with two slots,
then one slot (a second request stops the first reply, as llama-cpp-python's default does).

    .venv/bin/python bench/bench_concurrency.py [--runs 5] [--latency 0.2 1.0]

Each request takes L seconds before its reply streams. With two slots the runner and tests go at
once: about 2 L a generation (function, then both). With one slot, `auto` sends them at once the
first time: one reply is stopped after its L by the other, which then takes its L, and the stopped
one is asked again after it (the discovery, about 4 L); the session's later generations send them
one after the other (about 3 L). Each figure is the
median over --runs fresh sessions, each after one warm-up generation in another session; the ratio
is against the two-slot median of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codegen.settings import load_settings  # noqa: E402
from tests.loopback_model import LoopbackModel  # noqa: E402

PROMPT = "compute the moving average of a time series with a window"


async def one_session(model: LoopbackModel) -> tuple[float, float, int]:
    """(first generation, second generation) wall seconds in one fresh session, and the cuts."""
    from codegen.session import GenerationSession

    settings = load_settings(
        {"base_url": model.base_url, "tracing": "off", "max_retries": 0, "run_tests": False},
        environ={},
    )
    session = GenerationSession(settings)
    model.exchanges.clear()
    walls = []
    try:
        for _ in range(2):
            started = time.perf_counter()
            await session.generate(PROMPT, module_name="moving_average")
            walls.append(time.perf_counter() - started)
    finally:
        await session.close()
    return walls[0], walls[1], len(model.cuts())


def measure(latency: float, slots: int, runs: int) -> dict[str, float]:
    with LoopbackModel(delay=latency, slots=slots) as model:
        asyncio.run(one_session(model))  # warm-up: imports, SDK client
        samples = [asyncio.run(one_session(model)) for _ in range(runs)]
    return {
        "first": statistics.median(first for first, _, _ in samples),
        "later": statistics.median(later for _, later, _ in samples),
        "cuts": statistics.median(cuts for _, _, cuts in samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.2, 1.0])
    args = parser.parse_args()
    os.environ.setdefault("WANDB_ERROR_REPORTING", "false")
    print(f"one generation (function, runner, tests; no test run), median of {args.runs} sessions")
    print(
        f"{'L (s)':>6} {'slots':>5} {'1st gen (s)':>11} {'/2-slot':>7} {'2nd gen (s)':>11}"
        f" {'/2-slot':>7} {'cuts':>4}"
    )
    for latency in args.latency:
        two = measure(latency, 2, args.runs)
        one = measure(latency, 1, args.runs)
        for slots, row in ((2, two), (1, one)):
            print(
                f"{latency:6.2f} {slots:5d} {row['first']:11.3f} {row['first'] / two['first']:7.2f}"
                f" {row['later']:11.3f} {row['later'] / two['later']:7.2f} {row['cuts']:4.0f}"
            )
    print("expected with 1 slot: 1st generation ~2x (4 L against 2 L, one cut), later ~1.5x (3 L)")


if __name__ == "__main__":
    main()
