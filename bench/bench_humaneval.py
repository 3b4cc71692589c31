"""Wall time of `codegen eval --dataset humaneval` on all 164 problems: an instant loopback model.

    .venv/bin/python bench/bench_humaneval.py [--runs 1] [--limit 164] [--parallel 4]
                                              [--tracing off|local]

The model answers at once (tests/humaneval_model.py): the canonical solution for even task numbers,
`return None` for odd ones (so half the rows take the repair round and score catches_wrong), and
tests made from each docstring's examples. So the wall time is all our own: the pipeline's sandboxed
test runs (3 repeats, the setting's default), the hidden check, the generated tests on the canonical
solution and its mutants. Per-task overhead = wall / tasks. Baseline, measured in the same run: the
hidden check alone on every canonical solution, 4 at a time (the floor of any judged row). Each
eval is a fresh process, as a user runs it. Goal: the whole 164-problem run in <= 10 minutes on
this 2-core machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import benchmark_parser, prepare_tracing  # noqa: E402
from codegen.humaneval.problems import Problem  # noqa: E402
from tests.humaneval_model import HumanEvalModel, canonical  # noqa: E402


def half_wrong(problem: Problem) -> str:
    if int(problem.task_id.rpartition("/")[2]) % 2:
        return problem.prompt + "    return None\n"
    return canonical(problem)


def hidden_checks_seconds(limit: int) -> float:
    """The baseline: every canonical solution's hidden check, 4 at a time."""
    from codegen.humaneval.checks import SandboxOptions, hidden_check
    from codegen.humaneval.problems import select_problems

    async def run_all() -> None:
        gate = asyncio.Semaphore(4)

        async def one(problem: Problem) -> None:
            async with gate:
                verdict = await hidden_check(
                    problem, problem.canonical_module, problem.module_name, SandboxOptions()
                )
                assert verdict.passed, (problem.task_id, verdict.reason)

        await asyncio.gather(*(one(p) for p in select_problems(limit=limit)))

    started = time.perf_counter()
    asyncio.run(run_all())
    return time.perf_counter() - started


def eval_once(model: HumanEvalModel, limit: int, parallel: int, tracing: str, home: Path) -> dict:
    report = Path(tempfile.mkstemp(prefix="bench-humaneval-", suffix=".json")[1])
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPENAI_", "CODEGEN_", "WANDB_", "WEAVE_"))
    }
    env.update(HOME=str(home), WANDB_ERROR_REPORTING="false", OPENAI_API_KEY="loopback")
    command = [
        sys.executable, "-m", "codegen", "eval", "--dataset", "humaneval",
        "--limit", str(limit), "--parallel", str(parallel), "--base-url", model.base_url,
        "--tracing", tracing, "--max-retries", "0", "--report", str(report),
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"codegen eval failed ({done.returncode}):\n{done.stderr[-3000:]}")
    data = json.loads(report.read_text())
    report.unlink()
    # Rows judged otherwise than the solution given (a failed row, a check cut short by load)
    unexpected = [
        f"{row['task_id']}: {row['error'] or row['reasons']['functional_correctness']}"
        for row in data["rows"]
        if row["functional_correctness"] != (0 if int(row["task_id"].rpartition("/")[2]) % 2 else 1)
    ]
    return {
        "command": wall,
        "eval": data["summary"]["wall_time"],
        "summary": data["summary"],
        "unexpected": unexpected,
    }


def main() -> None:
    parser = benchmark_parser(__doc__)
    parser.set_defaults(runs=1)
    parser.add_argument("--limit", type=int, default=164)
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args()
    prepare_tracing(args.tracing)
    print(
        f"codegen eval --dataset humaneval --limit {args.limit} --parallel {args.parallel}, "
        f"tracing {args.tracing}, instant model, mutation on; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )
    baseline = hidden_checks_seconds(args.limit)
    print(f"baseline: the hidden checks alone, 4 at a time: {baseline:.1f} s")
    samples = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-humaneval-") as scratch,
        HumanEvalModel(solution=half_wrong) as model,
    ):
        for _ in range(args.runs):
            samples.append(eval_once(model, args.limit, args.parallel, args.tracing, Path(scratch)))
            s = samples[-1]
            print(
                f"  run: eval {s['eval']:.1f} s, command {s['command']:.1f} s, pass@1"
                f" {s['summary']['pass_at_1']:.2f}, mutation score"
                f" {s['summary']['mutation_score']['mean']:.2f}, failed rows"
                f" {s['summary']['failed']}"
            )
            for line in s["unexpected"]:
                print(f"    judged otherwise than expected: {line}")
    wall = statistics.median(s["eval"] for s in samples)
    command = statistics.median(s["command"] for s in samples)
    print(
        f"median of {args.runs}: eval wall {wall:.1f} s ({wall / 60:.1f} min), whole command"
        f" {command:.1f} s; per task {wall / args.limit:.2f} s"
        f" = {wall / baseline:.1f}x the hidden checks alone"
    )
    print(f"load average {os.getloadavg()[0]:.2f} at the end; goal: <= 600 s for 164 tasks")


if __name__ == "__main__":
    main()
