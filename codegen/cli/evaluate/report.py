"""The evaluation's report: per-row results, the summary with latency percentiles, the table."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ...settings import Settings
from .run import EvaluationRun

# Report latency percentiles for these stages: label -> key in the pipeline's timings.
LATENCY_STAGES = {
    "function": "model.function",
    "runner": "model.runner",
    "tests": "model.tests",
    "repair": "model.repair",
    "run": "run",
    "total": "total",
}


def build_report(
    run: EvaluationRun,
    dataset: list[dict[str, Any]],
    *,
    dataset_path: Path,
    settings: Settings,
    trials: int,
    parallel: int,
    tracing: str,
    tracing_location: str = "",
) -> dict[str, Any]:
    """Per-row results and the summary the table shows, as one JSON-ready object."""
    from ...scoring.scorers import generation_error

    rows = []
    for index, row in enumerate(run.rows):
        source = dataset[index % len(dataset)]
        output = row.get("output")
        scores = row.get("scores") or {}
        error = generation_error(output)
        rows.append(
            {
                **({"task_id": source["task_id"]} if "task_id" in source else {}),
                "prompt": source["prompt"],
                **({"category": source["category"]} if "category" in source else {}),
                "trial": index // len(dataset) + 1,
                "status": "ok" if error is None else "failed",
                "error": error,
                "module_name": output.get("module_name") if isinstance(output, Mapping) else None,
                "scores": scores.get("TestResultScorer") or {},
                "execution": scores.get("ExecutionScorer") or {},
                "timings": (output.get("timings") or {}) if isinstance(output, Mapping) else {},
                "latency": row.get("model_latency"),
                "trace": _trace(output, tracing, tracing_location),
                **(benchmark_columns(scores) if "task_id" in source else {}),
                **_drill_down(output),
            }
        )
    return {
        "dataset": str(dataset_path),
        "model": settings.model,
        "endpoint": settings.base_url or "https://api.openai.com/v1",
        "tracing": tracing,
        "trials": trials,
        "parallel": parallel,
        "created": datetime.now().isoformat(timespec="seconds"),
        "summary": summarize(run, rows, prompts=len(dataset)),
        "weave_summary": run.summary,
        "rows": rows,
    }


# HumanEval's scorers: the row key each one's score goes to.
BENCHMARK_SCORERS = {
    "functional_correctness": "FunctionalCorrectnessScorer",
    "tests_valid": "TestsValidScorer",
    "mutation_score": "MutationScoreScorer",
    "catches_wrong": "CatchesWrongScorer",
}


def benchmark_columns(scores: Mapping[str, Any]) -> dict[str, Any]:
    """A HumanEval row's scores (None where one does not apply) and the reason behind each."""
    columns: dict[str, Any] = {}
    reasons: dict[str, Any] = {}
    for key, scorer in BENCHMARK_SCORERS.items():
        found = scores.get(scorer)
        found = found if isinstance(found, Mapping) else {}
        columns[key] = found.get(key)
        reasons[key] = found.get("reason")
    mutation = scores.get(BENCHMARK_SCORERS["mutation_score"])
    mutants = {
        status: mutation.get(status)
        for status in ("killed", "survived", "timeout", "error", "equivalent", "mutants")
        if isinstance(mutation, Mapping)
    }
    return {**columns, "mutants": mutants, "reasons": reasons}


def benchmark_summary(run: EvaluationRun) -> dict[str, Any]:
    """Each HumanEval score's mean and counts, as its scorer summarized them (the mean of
    `functional_correctness` is pass@1)."""
    summary: dict[str, Any] = {}
    for key, scorer in BENCHMARK_SCORERS.items():
        found = (run.summary.get(scorer) or {}).get(key)
        if found is not None:
            summary[key] = found
    if "functional_correctness" in summary:
        summary["pass_at_1"] = summary["functional_correctness"]["mean"]
    return summary


def _trace(output: Any, tracing: str, location: str) -> dict[str, str]:
    """Where to read the row's own trace: its hosted page, or the command that renders it."""
    call_id = output.get("call_id") if isinstance(output, Mapping) else None
    if not call_id:
        return {}
    if tracing == "wandb":
        from ...tracing.weave_compat import call_url

        return {"call_id": call_id, "url": call_url(location, call_id)}
    return {"call_id": call_id, "command": f"codegen traces show {call_id} --html trace.html"}


def _drill_down(output: Any) -> dict[str, Any]:
    """What the HTML report shows per prompt: the code, the tests and the tests that did not
    pass."""
    if not isinstance(output, Mapping):
        return {"code": None, "tests": None, "failures": []}
    execution = found if isinstance(found := output.get("execution"), Mapping) else {}
    failures = [
        {key: test.get(key) for key in ("test_id", "outcome", "line", "message")}
        for test in execution.get("tests") or []
        if isinstance(test, Mapping) and test.get("outcome") not in ("passed", "skipped")
    ]
    return {
        "code": output.get("generated_code"),
        "tests": output.get("unit_tests"),
        "failures": failures,
    }


def summarize(run: EvaluationRun, rows: list[dict[str, Any]], *, prompts: int) -> dict[str, Any]:
    """The table's numbers: the scorers' own summaries (as weave computed them) plus latencies."""
    seed = run.summary.get("TestResultScorer") or {}
    execution = run.summary.get("ExecutionScorer") or {}
    succeeded = [row for row in rows if row["status"] == "ok"]

    def stat(summary: Mapping, name: str, key: str) -> Any:
        return (summary.get(name) or {}).get(key)

    latency = {}
    for label, key in LATENCY_STAGES.items():
        values = [row["timings"][key] for row in succeeded if key in row["timings"]]
        if values:
            latency[label] = {
                "p50": percentile(values, 50),
                "p95": percentile(values, 95),
                "count": len(values),
            }
    return {
        "prompts": prompts,
        "rows": len(rows),
        "succeeded": len(succeeded),
        "failed": len(rows) - len(succeeded),
        "code_quality_score": stat(seed, "code_quality_score", "mean"),
        "test_coverage_score": stat(seed, "test_coverage_score", "mean"),
        "overall_score": stat(seed, "overall_score", "mean"),
        "pass_rate": stat(execution, "pass_rate", "mean"),
        "tests_passed": stat(execution, "tests_passed", "sum"),
        "tests_run": stat(execution, "tests_run", "sum"),
        "line_coverage": stat(execution, "line_coverage", "mean"),
        "coverage_measured": stat(execution, "line_coverage", "measured"),
        "flaky": stat(execution, "flaky", "sum"),
        "repaired": stat(execution, "repaired", "true_count"),
        "possible_bugs": stat(execution, "possible_bugs", "sum"),
        "timed_out": stat(execution, "timed_out", "true_count"),
        "latency": latency,
        "wall_time": run.wall_time,
        **benchmark_summary(run),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile, interpolating linearly between closest ranks."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary_table(report: dict[str, Any]) -> list[str]:
    """The human summary: counts, means, pass rate, coverage, latency per stage, failures."""
    s = report["summary"]
    trials = f" × {report['trials']} trials" if report["trials"] > 1 else ""

    def number(value: Any, pattern: str = "{:.2f}") -> str:
        return "n/a" if value is None else pattern.format(value)

    lines = [
        (
            f"Evaluated {s['prompts']} prompts{trials} with {report['model']} (up to"
            f" {report['parallel']} at once) in {s['wall_time']:.1f} s"
        ),
        f"  {'prompts' if report['trials'] == 1 else 'prompt runs':<18} {s['rows']}",
        f"  succeeded          {s['succeeded']}",
        f"  failed             {s['failed']}",
        (
            f"  code quality       {number(s['code_quality_score'])}   (means over all rows; a"
            " failed row counts 0)"
        ),
        f"  test coverage      {number(s['test_coverage_score'])}",
        f"  overall            {number(s['overall_score'])}",
        (
            f"  pass rate          {number(s['pass_rate'])}  "
            f" ({s['tests_passed'] or 0}/{s['tests_run'] or 0} tests passed)"
        ),
        f"  line coverage      {number(s['line_coverage'], '{:.1f}%')}"
        + (
            f"   (mean of {s['coverage_measured']} measured runs)" if s["coverage_measured"] else ""
        ),
        f"  flaky tests        {s['flaky'] or 0}",
        f"  repaired           {s['repaired'] or 0}",
        f"  possible bugs      {s['possible_bugs'] or 0}",
    ]
    if s["timed_out"]:
        lines.append(f"  timed out          {s['timed_out']}")
    lines.extend(_benchmark_lines(s))
    if s["latency"]:
        lines.append("  latency (s)          p50     p95")
        for label, stats in s["latency"].items():
            lines.append(f"    {label:<16} {stats['p50']:6.2f}  {stats['p95']:6.2f}")
    failed = [row for row in report["rows"] if row["status"] == "failed"]
    if failed:
        lines.append("Failed:")
        lines.extend(f"  {row.get('task_id') or row['prompt']!r}: {row['error']}" for row in failed)
    return lines


def _benchmark_lines(summary: dict[str, Any]) -> list[str]:
    """HumanEval's lines of the table: pass@1 and what the generated tests are worth."""
    if "functional_correctness" not in summary:
        return []

    def share(key: str, what: str) -> str:
        found = summary.get(key) or {}
        mean = "n/a" if found.get("mean") is None else f"{found['mean']:.2f}"
        return f"{mean}   ({found.get('count', 0)}/{found.get('of', 0)} {what})"

    mutation = summary.get("mutation_score") or {}
    mean = "n/a" if mutation.get("mean") is None else f"{mutation['mean']:.2f}"
    return [
        f"  pass@1             {share('functional_correctness', 'pass the hidden tests')}",
        f"  tests valid        {share('tests_valid', 'pass on the canonical solution')}",
        (
            f"  mutation score     {mean}   (mean of {mutation.get('of', 0)} tasks;"
            f" {mutation.get('killed', 0)} mutants caught, {mutation.get('survived', 0)} survived)"
        ),
        f"  catches wrong      {share('catches_wrong', 'wrong functions failed their own tests')}",
    ]
