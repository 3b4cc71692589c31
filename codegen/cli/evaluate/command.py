"""`codegen eval`: load the dataset, run the evaluation, write the report (JSON, table, HTML)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from ...errors import CodegenError, ConfigurationError
from ...files import write_all
from ...humaneval.problems import DATASET_NAME, dataset_rows, parse_task_ids, select_problems
from ...progress import StderrProgress
from ...session import traced_session
from ...settings import Settings
from .dataset import load_prompts, resolve_dataset
from .report import build_report, summary_table
from .run import HUMANEVAL, PROMPTS, Benchmark, run_evaluation


class EvaluationFailed(CodegenError):
    """The evaluation ran but no prompt succeeded, so its numbers describe nothing."""


async def eval_command(args: argparse.Namespace, settings: Settings) -> int:
    dataset_path, dataset, benchmark = _dataset(args)
    progress = StderrProgress(quiet=args.json, label="eval")

    async with traced_session(settings, record_dir=args.record, replay_dir=args.replay) as session:
        from ...execution import warm_up

        # Every row's tests run (by the pipeline, else by the ExecutionScorer): start the first
        # sandboxed runner now, while the first model calls are pending.
        warm_up(settings.test_python)
        progress.say(
            f"{len(dataset)} prompts from {dataset_path}, {args.parallel} in flight; asking "
            f"{session.client.endpoint} ({settings.model}); traces: {session.tracing.detail}"
        )
        run = await run_evaluation(
            session,
            dataset,
            name=_dataset_name(dataset_path),
            trials=args.trials,
            parallel=args.parallel,
            progress=progress,
            benchmark=benchmark,
        )
        tracing = session.tracing

    report = build_report(
        run,
        dataset,
        dataset_path=dataset_path,
        settings=settings,
        trials=args.trials,
        parallel=args.parallel,
        tracing=tracing.mode,
        tracing_location=tracing.location,
    )
    report_path = _write_reports(report, args, tracing.mode, settings.weave_project)
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
        raise EvaluationFailed(
            f"Every prompt failed, so the evaluation measured nothing; the first error: {first}"
        )
    return 0


def _dataset(args: argparse.Namespace) -> tuple[Path, list[dict[str, Any]], Benchmark]:
    """The rows asked for: HumanEval's problems (`--dataset humaneval`), else a prompts file."""
    if args.dataset is not None and str(args.dataset) == DATASET_NAME:
        problems = select_problems(parse_task_ids(args.tasks or ""), args.limit)
        return Path(DATASET_NAME), dataset_rows(problems), HUMANEVAL
    if args.tasks:
        raise ConfigurationError(
            "--tasks picks HumanEval problems: use it with --dataset humaneval."
        )
    dataset_path = resolve_dataset(args.dataset)
    return dataset_path, load_prompts(dataset_path)[: args.limit], PROMPTS


def _write_reports(
    report: dict[str, Any], args: argparse.Namespace, tracing: str, project: str
) -> Path | None:
    """The JSON report (where asked, or by default without --json), the HTML page and, with
    local traces, each row's trace page beside it; the JSON report's path."""
    if args.html is not None and tracing == "local":
        _write_trace_pages(report, args.html, project)
    report_path = args.report
    if report_path is None and not args.json:
        report_path = Path(f"eval-report-{datetime.now():%Y%m%d-%H%M%S}.json")
    if report_path is not None:
        write_all({report_path: json.dumps(report, indent=2) + "\n"}, force=True)
    if args.html is not None:
        from .page import render_eval_html

        write_all({args.html: render_eval_html(report)}, force=True)
    return report_path


def _write_trace_pages(report: dict[str, Any], html: Path, project: str) -> None:
    """Each row's local trace as a page in a folder beside the HTML report, which links to it."""
    from ...tracing.page import render_call_pages

    rows = [row for row in report["rows"] if row["trace"].get("call_id")]
    pages = render_call_pages([row["trace"]["call_id"] for row in rows], project)
    folder = Path(f"{html.stem}-traces")
    write_all(
        {html.parent / folder / f"{call_id}.html": text for call_id, text in pages.items()},
        force=True,
    )
    for row in rows:
        if row["trace"]["call_id"] in pages:
            row["trace"]["page"] = (folder / f"{row['trace']['call_id']}.html").as_posix()


def _dataset_name(path: Path) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in path.stem) or "prompts"
