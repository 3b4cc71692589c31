"""Wall time of `codegen eval` over P prompts against a loopback model answering after L seconds.

    .venv/bin/python bench/bench_eval.py [--runs 3] [--prompts 30] [--parallel 4] [--latency 0.5]
                                         [--tracing off|local]

Ideal = ceil(P / parallel) × critical path of one prompt. The critical path is the function call,
then the runner and tests calls (asked for together): 2 × L; then the sandboxed test run, which is
always on it in an evaluation: the pipeline runs the tests (run_tests on), or else the
ExecutionScorer does. The run is measured here on the same module and tests, uncontended. Goal:
wall / ideal ≤ 1.3. Each `codegen eval` is a fresh process (as a user runs it) talking to the model
in this one; "eval" is the evaluation's own wall time from its report, "command" the whole process
(interpreter start and ~2 s of `import weave` included), "CPU" what that process and its sandboxed
children used: when it nears CPUs × wall, the machine, not the evaluation, sets the pace. Figures
are medians of --runs runs.
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import benchmark_parser, prepare_tracing  # noqa: E402
from tests.loopback_model import MOVING_AVERAGE, RUNNER, TESTS, LoopbackModel  # noqa: E402

DATASET = ROOT / "examples" / "prompts.jsonl"


def prompts_file(count: int, directory: Path) -> Path:
    """`count` prompts: the example dataset's, numbered copies of them if it has fewer."""
    base = [json.loads(line)["prompt"] for line in DATASET.read_text().splitlines() if line.strip()]
    chosen = [
        base[i % len(base)] + (f" (variant {i // len(base)})" if i >= len(base) else "")
        for i in range(count)
    ]
    path = directory / "prompts.jsonl"
    path.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in chosen))
    return path


def sandboxed_run_seconds(runs: int, repeats: int) -> float:
    """Median wall time of one sandboxed, coverage-measured run of the loopback model's module and
    tests."""
    from codegen.execution import run_tests
    from codegen.generation import join_module

    module = join_module(MOVING_AVERAGE, RUNNER)
    tests = TESTS.replace("your_module", "moving_average")
    samples = []
    for index in range(runs + 1):
        time.sleep(
            0.3
        )  # as in the pipeline, where model calls precede the run: the spare runner is ready
        started = time.perf_counter()
        result = run_tests(module, tests, module_name="moving_average", repeats=repeats)
        if index:  # the first is a warm-up
            samples.append(time.perf_counter() - started)
        assert result.passed == 3, result.problem
    return statistics.median(samples)


def eval_once(
    model: LoopbackModel,
    dataset: Path,
    parallel: int,
    tracing: str,
    run_tests: bool,
    repeats: int,
    home: Path,
) -> dict:
    report = Path(tempfile.mkstemp(prefix="bench-eval-", suffix=".json")[1])
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPENAI_", "CODEGEN_", "WANDB_", "WEAVE_"))
    }
    env.update(
        HOME=str(home),
        WANDB_ERROR_REPORTING="false",
        CODEGEN_RUN_TESTS=str(run_tests).lower(),
        CODEGEN_TEST_REPEATS=str(repeats),
    )
    command = [
        sys.executable,
        "-m",
        "codegen",
        "eval",
        "--dataset",
        str(dataset),
        "--parallel",
        str(parallel),
        "--base-url",
        model.base_url,
        "--tracing",
        tracing,
        "--max-retries",
        "0",
        "--report",
        str(report),
    ]
    before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    cpu = _children_cpu() - before  # the eval process and everything it ran (sandboxed tests)
    if done.returncode != 0:
        raise SystemExit(f"codegen eval failed ({done.returncode}):\n{done.stderr[-3000:]}")
    summary = json.loads(report.read_text())["summary"]
    report.unlink()
    if summary["failed"]:
        raise SystemExit(f"{summary['failed']} prompts failed; see codegen eval's report")
    return {
        "command": wall,
        "eval": summary["wall_time"],
        "cpu": cpu,
        "run_p50": summary["latency"].get("run", {}).get("p50"),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = benchmark_parser(__doc__)
    parser.set_defaults(runs=3)
    parser.add_argument("--prompts", type=int, default=30)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs per test in the sandbox (default 3, as the setting)",
    )
    args = parser.parse_args()
    prepare_tracing(args.tracing)

    waves = math.ceil(args.prompts / args.parallel)
    sandbox = sandboxed_run_seconds(5, args.repeats)
    critical = 2 * args.latency + sandbox
    ideal = waves * critical
    print(
        f"codegen eval: {args.prompts} prompts, --parallel {args.parallel}, model latency "
        f"{args.latency} s, "
        f"tracing {args.tracing}, median of {args.runs} runs; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )
    print(
        f"critical path per prompt = 2 × {args.latency:.2f} s (model) + {sandbox:.2f} s (sandboxed "
        "run, "
        f"{args.repeats} repeats, uncontended) = {critical:.2f} s"
    )
    print(
        f"ideal = ceil({args.prompts}/{args.parallel}) × {critical:.2f} s = {ideal:.2f} s "
        f"(model calls alone: {waves * 2 * args.latency:.2f} s)"
    )
    print(
        f"{'run_tests':>9} {'eval (s)':>9} {'ratio':>6} {'command (s)':>12} {'CPU (s)':>8} "
        f"{'run p50 in eval (s)':>20}"
    )
    with (
        tempfile.TemporaryDirectory(prefix="bench-eval-") as scratch,
        LoopbackModel(delay=args.latency) as model,
    ):
        dataset = prompts_file(args.prompts, Path(scratch))
        for run_tests in (True, False):
            samples = [
                eval_once(
                    model,
                    dataset,
                    args.parallel,
                    args.tracing,
                    run_tests,
                    args.repeats,
                    Path(scratch),
                )
                for _ in range(args.runs)
            ]
            wall = statistics.median(s["eval"] for s in samples)
            command = statistics.median(s["command"] for s in samples)
            cpu = statistics.median(s["cpu"] for s in samples)
            runs_in_eval = [s["run_p50"] for s in samples if s["run_p50"] is not None]
            run_p50 = (
                f"{statistics.median(runs_in_eval):20.2f}"
                if runs_in_eval
                else f"{'(by the scorer)':>20}"
            )
            print(
                f"{'on' if run_tests else 'off':>9} {wall:9.2f} {wall / ideal:6.2f} "
                f"{command:12.2f} {cpu:8.2f} {run_p50}"
            )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print(
        "goal: ratio = eval wall / ideal <= 1.3 (with run_tests off the ExecutionScorer runs the "
        "tests itself)"
    )


if __name__ == "__main__":
    main()
