"""Wall time of one `predict` against a loopback model that answers after L seconds, and our
overhead.

    .venv/bin/python bench/bench_pipeline.py [--runs 5] [--latency 0.2 1.0] [--tracing off]

Goal: wall ≤ 2.1 × L (runner and tests are asked for concurrently, so the model's critical path is
2 × L), and the pipeline's own overhead — everything but waiting for the model — under 10 % of the
model time at L = 1 s. Each figure is the median of --runs runs after one warm-up run.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import benchmark_parser, prepare_tracing  # noqa: E402
from codegen.settings import load_settings  # noqa: E402
from tests.loopback_model import LoopbackModel  # noqa: E402

PROMPT = "compute the moving average of a time series with a window"


async def one_run(session) -> tuple[float, dict[str, float]]:
    started = time.perf_counter()
    result = await session.generate(PROMPT, module_name="moving_average")
    return time.perf_counter() - started, result.timings


async def measure(latency: float, runs: int, tracing: str) -> dict[str, float]:
    from codegen.session import GenerationSession

    with LoopbackModel(delay=latency) as model:
        settings = load_settings(
            {"base_url": model.base_url, "tracing": tracing, "max_retries": 0, "run_tests": False},
            environ={},
        )
        session = GenerationSession(settings)
        try:
            await one_run(session)  # warm-up: imports, SDK client, connection pool
            samples = [await one_run(session) for _ in range(runs)]
        finally:
            await session.close()
    walls = [wall for wall, _ in samples]
    model_critical = [
        t["model.function"] + max(t["model.runner"], t["model.tests"]) for _, t in samples
    ]
    overheads = [wall - m for wall, m in zip(walls, model_critical, strict=True)]
    row = {
        "latency": latency,
        "wall": statistics.median(walls),
        "model": statistics.median(model_critical),
        "overhead": statistics.median(overheads),
    }
    for stage in ("format.function", "format.runner", "format.tests", "score"):
        row[stage] = statistics.median(t.get(stage, 0.0) for _, t in samples)
    return row


def main() -> None:
    parser = benchmark_parser(__doc__)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.2, 1.0])
    args = parser.parse_args()
    prepare_tracing(args.tracing)
    print(f"pipeline predict, tracing={args.tracing}, median of {args.runs} runs (after 1 warm-up)")
    header = (
        f"{'L (s)':>6} {'wall (s)':>9} {'wall/L':>7} {'model (s)':>10} {'overhead':>9} "
        f"{'ovh/model':>9}  by stage (ms): format fn / runner / tests, score"
    )
    print(header)
    for latency in args.latency:
        row = asyncio.run(measure(latency, args.runs, args.tracing))
        print(
            f"{latency:6.2f} {row['wall']:9.3f} {row['wall'] / latency:7.2f} {row['model']:10.3f} "
            f"{row['overhead'] * 1000:7.1f}ms {row['overhead'] / row['model']:8.1%}  "
            f"{row['format.function'] * 1000:.1f} / {row['format.runner'] * 1000:.1f} / "
            f"{row['format.tests'] * 1000:.1f}, {row['score'] * 1000:.2f}"
        )
    print("goals: wall/L <= 2.1; overhead/model < 10% at L = 1 s")


if __name__ == "__main__":
    main()
