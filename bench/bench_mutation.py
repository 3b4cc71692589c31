"""Benchmark: `codegen score --mutation` per function, against one sandboxed run per mutant.

Usage: python bench/bench_mutation.py [--runs N] [--tasks HumanEval/0,HumanEval/3,...]

Cases: the demo's modules (written by `codegen demo --no-run`, replayed answers; the `main()`
runner left out, no test runs it) and a sample of HumanEval canonical solutions with HumanEval's own
check() as a unittest file.  Per case and run, three timings, interleaved:
- the CLI: `python -m codegen score FILE --tests T --mutation --json` as a user runs it (interpreter
  start, imports, the clean run, the mutants), divided by the functions mutated.
- ours: `mutation_test` in this process (clean run + one sandboxed run forking a child per mutant,
  only the covering tests).
- naive: the same clean run, then one fresh sandboxed `run_tests` per mutant running the whole test
  file (the mutants ours ran, same sources).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codegen.execution import run_tests  # noqa: E402
from codegen.execution.coverage import function_spans  # noqa: E402
from codegen.mutation import MutationReport, mutation_test  # noqa: E402
from tests.humaneval_files import humaneval_files  # noqa: E402

DEFAULT_TASKS = "HumanEval/0,HumanEval/3,HumanEval/13,HumanEval/35,HumanEval/55,HumanEval/120"
SETTLE_SECONDS = 0.4


@dataclass
class Case:
    label: str
    module: Path
    tests: Path
    functions: list[str]


def demo_cases(folder: Path) -> list[Case]:
    subprocess.run(
        [sys.executable, "-m", "codegen", "demo", "--out", str(folder), "--no-run"],
        check=True,
        capture_output=True,
        env={"CODEGEN_TRACING": "off", "PATH": "/usr/bin:/bin"},
    )
    cases = []
    for tests in sorted(folder.glob("test_*.py")):
        module = folder / tests.name.removeprefix("test_")
        names = [span[0] for span in function_spans(module.read_text()) if span[0] != "main"]
        cases.append(Case(f"demo {module.stem}", module, tests, names))
    return cases


def humaneval_cases(folder: Path, tasks: list[str]) -> list[Case]:
    cases = []
    for task in tasks:
        task_folder = folder / task.replace("/", "_")
        task_folder.mkdir()
        module, tests = humaneval_files(task_folder, task)
        names = [span[0] for span in function_spans(module.read_text())]
        cases.append(Case(task, module, tests, names))
    return cases


def time_cli(case: Case) -> tuple[float, dict]:
    command = [sys.executable, "-m", "codegen", "score", str(case.module), "--tests"]
    command += [str(case.tests), "--mutation", "--json"]
    for name in case.functions:
        command += ["--function", name]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{case.label}: codegen score failed:\n{completed.stderr}")
    mutation = json.loads(completed.stdout)["execution"]["mutation"]
    if mutation["status"] != "mutated":
        raise SystemExit(f"{case.label}: not mutated: {mutation['message']}")
    return elapsed, mutation


def time_ours(case: Case) -> tuple[float, MutationReport]:
    started = time.perf_counter()
    report = asyncio.run(mutation_test(case.module, case.tests, functions=case.functions))
    return time.perf_counter() - started, report


def time_naive(case: Case, report: MutationReport) -> float:
    tests = case.tests.read_text()
    ran = [m for m in report.mutants if m.status not in ("equivalent", "error") or m.tests_run]
    original = case.module.read_text()
    lines = original.splitlines(keepends=True)
    sources = [original] + [m.change.module_source(lines) for m in ran if m.change is not None]
    started = time.perf_counter()
    for source in sources:
        run_tests(
            source,
            tests,
            module_name=case.module.stem,
            test_module_name=case.tests.stem,
            timeout=30,
            repeats=1,
        )
    return time.perf_counter() - started


def measure(case: Case, runs: int) -> dict:
    cli, ours, naive = [], [], []
    mutants = 0
    for _ in range(runs):  # interleaved so drift on the machine hits all sides alike
        time.sleep(SETTLE_SECONDS)
        seconds, mutation = time_cli(case)
        cli.append(seconds)
        time.sleep(SETTLE_SECONDS)
        seconds, report = time_ours(case)
        ours.append(seconds)
        time.sleep(SETTLE_SECONDS)
        naive.append(time_naive(case, report))
        mutants = mutation["total"]
    return {
        "cli": statistics.median(cli),
        "ours": statistics.median(ours),
        "naive": statistics.median(naive),
        "functions": len(case.functions),
        "mutants": mutants,
        "score": mutation["score"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side (default 3)")
    parser.add_argument(
        "--tasks", default=DEFAULT_TASKS, help="HumanEval task ids, comma-separated"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-mutation-") as name:
        folder = Path(name)
        cases = demo_cases(folder / "demo") + humaneval_cases(folder, options.tasks.split(","))
        time_ours(cases[0])  # warm-up: file-system caches, the sandbox's support directory
        rows = [(case, measure(case, options.runs)) for case in cases]
    print(f"runs: {options.runs} each, {sys.executable} (Python {sys.version.split()[0]})")
    print(f"{'case':34} funcs mutants score  cli s/func  ours s  naive s  ratio")
    for case, row in rows:
        print(
            f"{case.label:34} {row['functions']:5} {row['mutants']:7} {row['score']:5.2f}"
            f"  {row['cli'] / row['functions']:10.2f}  {row['ours']:6.2f}  {row['naive']:7.2f}"
            f"  {row['ours'] / row['naive']:5.2f}x"
        )
    per_function = [row["cli"] / row["functions"] for _, row in rows]
    mutants = [row["mutants"] / row["functions"] for _, row in rows]
    ratio = sum(row["ours"] for _, row in rows) / sum(row["naive"] for _, row in rows)
    print(
        f"median wall per function (whole CLI): {statistics.median(per_function):.2f} s (goal <= 2)"
        f"; median mutants per function: {statistics.median(mutants):.0f}"
        f"; ours / naive over all cases: {ratio:.2f}x (goal <= 0.3)"
    )


if __name__ == "__main__":
    main()
