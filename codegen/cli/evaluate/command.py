"""`codegen eval`: run the pipeline over a dataset of prompts as a weave.Evaluation and report."""

from __future__ import annotations

import argparse
import csv
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import CodegenError, ConfigurationError
from ..files import write_all
from ..progress import StderrProgress
from ..session import GenerationSession, traced_session
from ..settings import Settings
from ..tracing import weave_compat

DEFAULT_DATASET = Path("examples") / "prompts.jsonl"
# Report latency percentiles for these stages: label -> key in the pipeline's timings.
LATENCY_STAGES = {
    "function": "model.function",
    "runner": "model.runner",
    "tests": "model.tests",
    "repair": "model.repair",
    "run": "run",
    "total": "total",
}


class EvaluationFailed(CodegenError):
    """The evaluation ran but no prompt succeeded, so its numbers describe nothing."""


# -- the dataset ---------------------------------------------------------------------------------


def resolve_dataset(path: Path | None) -> Path:
    """`path`, or the default examples/prompts.jsonl of this checkout (else of the current directory)."""
    if path is not None:
        if not path.is_file():
            raise ConfigurationError(f"The dataset {path} is not a file; pass --dataset PATH to a JSONL or CSV file.")
        return path
    candidates = [Path(__file__).resolve().parents[2] / DEFAULT_DATASET, Path.cwd() / DEFAULT_DATASET]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = " and ".join(str(c) for c in dict.fromkeys(candidates))
    raise ConfigurationError(
        f"No --dataset given and the default {DEFAULT_DATASET} was not found (looked in {looked}); "
        "pass --dataset PATH to a JSONL or CSV file with a `prompt` column."
    )


def load_prompts(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSONL (one object per line) or CSV file, each with a non-empty `prompt`."""
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"Cannot read the dataset {path}: {error}.") from None
    if suffix == ".csv":
        rows = _csv_rows(path, text)
    elif suffix in (".jsonl", ".json", ".ndjson"):
        rows = _jsonl_rows(path, text)
    else:
        raise ConfigurationError(f"The dataset {path} should be a .jsonl or .csv file (got {suffix or 'no extension'}).")
    if not rows:
        raise ConfigurationError(f"The dataset {path} has no prompts; add rows with a `prompt` column.")
    return rows


def _jsonl_rows(path: Path, text: str) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ConfigurationError(
                f"{path}:{number}: not valid JSON ({error.msg} at column {error.colno}); "
                'each line must be one JSON object such as {"prompt": "reverse a string"}.'
            ) from None
        if not isinstance(row, dict):
            raise ConfigurationError(
                f'{path}:{number}: expected a JSON object such as {{"prompt": "reverse a string"}}, '
                f"got {type(row).__name__}."
            )
        rows.append(_checked_row(row, f"{path}:{number}"))
    return rows


def _csv_rows(path: Path, text: str) -> list[dict[str, Any]]:
    try:
        reader = csv.DictReader(text.splitlines())
        columns = reader.fieldnames or []
        if "prompt" not in columns:
            found = ", ".join(repr(c) for c in columns) or "none"
            raise ConfigurationError(f"{path}:1: the CSV header has no `prompt` column (columns: {found}).")
        rows = []
        for row in reader:
            if None in row:  # more cells than header columns
                raise ConfigurationError(
                    f"{path}:{reader.line_num}: {len(columns) + len(row[None])} cells but the header has "
                    f"{len(columns)} columns; quote cells that contain commas."
                )
            rows.append(_checked_row(row, f"{path}:{reader.line_num}"))
        return rows
    except csv.Error as error:
        raise ConfigurationError(f"{path}: not valid CSV ({error}).") from None


def _checked_row(row: dict[str, Any], where: str) -> dict[str, Any]:
    prompt = row.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ConfigurationError(f'{where}: the row needs a non-empty "prompt" string.')
    return {**{k: v for k, v in row.items() if v is not None}, "prompt": prompt.strip()}


# -- running it ----------------------------------------------------------------------------------


@dataclass
class EvaluationRun:
    """What weave.Evaluation produced: its summary, and one row per prompt and trial."""

    summary: dict[str, Any]
    rows: list[dict[str, Any]]  # {"output": ..., "scores": {scorer name: ...}, "model_latency": ...}
    wall_time: float


def _evaluation_classes():
    """The weave classes, defined on first use: importing weave costs ~2 s, which `--help` need not pay."""
    import weave
    from pydantic import PrivateAttr

    class EvaluatedPipeline(weave.Model):
        """What the evaluation calls: a fresh CodeGenerationPipeline per row, its failure kept as a row.

        A fresh pipeline because one instance keeps per-run state (its stage clock), and rows run
        concurrently. A failure is caught here, not by weave, so that its message reaches the report:
        weave turns an exception in predict into a `None` output and keeps no message. The
        pipeline's own traced call still records the exception.
        """

        model_name: str
        _session: GenerationSession = PrivateAttr()
        _progress: StderrProgress = PrivateAttr()
        _total: int = PrivateAttr(default=0)
        _done: int = PrivateAttr(default=0)
        _failed: int = PrivateAttr(default=0)

        def __init__(self, session: GenerationSession, progress: StderrProgress, total: int):
            super().__init__(model_name=session.settings.model)
            self._session, self._progress, self._total = session, progress, total

        @weave.op
        async def predict(self, prompt: str) -> dict[str, Any]:
            try:
                output = await self._session.pipeline().predict(prompt)
            except Exception as error:  # one failing prompt never stops the others
                output = {"prompt": prompt, "error": _error_message(error)}
            self._done += 1
            self._failed += "error" in output
            failed = f", {self._failed} failed" if self._failed else ""
            self._progress.say(f"{self._done}/{self._total} prompts done{failed}")
            return output

    return EvaluatedPipeline, weave_compat.evaluation_keeping_rows(_plain)


async def run_evaluation(
    session: GenerationSession,
    rows: list[dict[str, Any]],
    *,
    name: str,
    trials: int,
    parallel: int,
    progress: StderrProgress,
) -> EvaluationRun:
    """The pipeline over `rows` × `trials` with both scorers, at most `parallel` rows in flight."""
    import weave

    from ..scoring.scorers import ExecutionScorer, TestResultScorer

    evaluated_pipeline, evaluation_keeping_rows = _evaluation_classes()
    settings = session.settings
    evaluation = evaluation_keeping_rows(
        dataset=weave.Dataset(name=name, rows=rows),
        scorers=[
            TestResultScorer(),
            ExecutionScorer(timeout=settings.test_timeout, repeats=settings.test_repeats, python=settings.test_python,
                            allow_unsandboxed=settings.allow_unsandboxed_tests),
        ],
        trials=trials,
    )
    model = evaluated_pipeline(session, progress, total=len(rows) * trials)
    started = time.perf_counter()
    with weave_compat.evaluation_parallelism(parallel):
        summary = await evaluation.evaluate(model)
    return EvaluationRun(_plain(summary), list(evaluation._rows), time.perf_counter() - started)


def _error_message(error: Exception) -> str:
    if isinstance(error, CodegenError):
        return str(error)
    return f"internal error ({type(error).__name__}: {error})"


def _plain(value: Any) -> Any:
    """weave's traced dicts and lists (WeaveDict, WeaveList) as plain JSON-ready values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


# -- the report ----------------------------------------------------------------------------------


def build_report(
    run: EvaluationRun, dataset: list[dict[str, Any]], *, dataset_path: Path, settings: Settings,
    trials: int, parallel: int, tracing: str,
) -> dict[str, Any]:
    """Per-row results and the summary the table shows, as one JSON-ready object."""
    from ..scoring.scorers import generation_error

    rows = []
    for index, row in enumerate(run.rows):
        source = dataset[index % len(dataset)]
        output = row.get("output")
        scores = row.get("scores") or {}
        error = generation_error(output)
        rows.append({
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
            **_drill_down(output),
        })
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


def _drill_down(output: Any) -> dict[str, Any]:
    """What the HTML report shows per prompt: the code, the tests and the tests that did not pass."""
    if not isinstance(output, Mapping):
        return {"code": None, "tests": None, "failures": []}
    execution = output.get("execution") if isinstance(output.get("execution"), Mapping) else {}
    failures = [
        {key: test.get(key) for key in ("test_id", "outcome", "line", "message")}
        for test in execution.get("tests") or [] if isinstance(test, Mapping)
        and test.get("outcome") not in ("passed", "skipped")
    ]
    return {"code": output.get("generated_code"), "tests": output.get("unit_tests"), "failures": failures}


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
            latency[label] = {"p50": percentile(values, 50), "p95": percentile(values, 95), "count": len(values)}
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
        f"Evaluated {s['prompts']} prompts{trials} with {report['model']} (up to {report['parallel']} at once) "
        f"in {s['wall_time']:.1f} s",
        f"  {'prompts' if report['trials'] == 1 else 'prompt runs':<18} {s['rows']}",
        f"  succeeded          {s['succeeded']}",
        f"  failed             {s['failed']}",
        f"  code quality       {number(s['code_quality_score'])}   (means over all rows; a failed row counts 0)",
        f"  test coverage      {number(s['test_coverage_score'])}",
        f"  overall            {number(s['overall_score'])}",
        f"  pass rate          {number(s['pass_rate'])}   ({s['tests_passed'] or 0}/{s['tests_run'] or 0} tests passed)",
        f"  line coverage      {number(s['line_coverage'], '{:.1f}%')}"
        + (f"   (mean of {s['coverage_measured']} measured runs)" if s["coverage_measured"] else ""),
        f"  flaky tests        {s['flaky'] or 0}",
        f"  repaired           {s['repaired'] or 0}",
        f"  possible bugs      {s['possible_bugs'] or 0}",
    ]
    if s["timed_out"]:
        lines.append(f"  timed out          {s['timed_out']}")
    if s["latency"]:
        lines.append("  latency (s)          p50     p95")
        for label, stats in s["latency"].items():
            lines.append(f"    {label:<16} {stats['p50']:6.2f}  {stats['p95']:6.2f}")
    failed = [row for row in report["rows"] if row["status"] == "failed"]
    if failed:
        lines.append("Failed:")
        lines.extend(f"  {row['prompt']!r}: {row['error']}" for row in failed)
    return lines


# -- the command ---------------------------------------------------------------------------------


async def eval_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.trials < 1:
        raise ConfigurationError("--trials must be at least 1.")
    if args.parallel < 1:
        raise ConfigurationError("--parallel must be at least 1.")
    dataset_path = resolve_dataset(args.dataset)
    dataset = load_prompts(dataset_path)
    progress = StderrProgress(quiet=args.json, label="eval")

    async with traced_session(settings, record_dir=args.record, replay_dir=args.replay) as session:
        from ..execution import warm_up

        # Every row's tests run (by the pipeline, else by the ExecutionScorer): start the first
        # sandboxed runner now, while the first model calls are pending.
        warm_up(settings.test_python)
        progress.say(
            f"{len(dataset)} prompts from {dataset_path}, {args.parallel} in flight; asking "
            f"{session.client.endpoint} ({settings.model}); traces: {session.tracing.detail}"
        )
        run = await run_evaluation(
            session, dataset, name=_dataset_name(dataset_path), trials=args.trials, parallel=args.parallel,
            progress=progress,
        )
        tracing = session.tracing

    report = build_report(
        run, dataset, dataset_path=dataset_path, settings=settings, trials=args.trials, parallel=args.parallel,
        tracing=tracing.mode,
    )
    report_path = args.report
    if report_path is None and not args.json:
        report_path = Path(f"eval-report-{datetime.now():%Y%m%d-%H%M%S}.json")
    if report_path is not None:
        write_all({report_path: json.dumps(report, indent=2) + "\n"}, force=True)
    if args.html is not None:
        from .eval_page import render_eval_html

        write_all({args.html: render_eval_html(report)}, force=True)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for line in summary_table(report):
            print(line)
        print(f"Report: {report_path}")
        if args.html is not None:
            print(f"HTML report: {args.html}")
        print(f"Traces: {tracing.detail}")
    if report["summary"]["succeeded"] == 0:
        first = report["rows"][0]["error"] if report["rows"] else "no rows"
        raise EvaluationFailed(f"Every prompt failed, so the evaluation measured nothing; the first error: {first}")
    return 0


def _dataset_name(path: Path) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in path.stem) or "prompts"
