"""`codegen eval`: load the dataset, run the evaluation, write the report (JSON, table, HTML)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

from ...errors import CodegenError
from ...files import write_all
from ...progress import StderrProgress
from ...session import traced_session
from ...settings import Settings
from .dataset import load_prompts, resolve_dataset
from .report import build_report, summary_table
from .run import run_evaluation


class EvaluationFailed(CodegenError):
    """The evaluation ran but no prompt succeeded, so its numbers describe nothing."""


async def eval_command(args: argparse.Namespace, settings: Settings) -> int:
    dataset_path = resolve_dataset(args.dataset)
    dataset = load_prompts(dataset_path)
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
    )
    report_path = args.report
    if report_path is None and not args.json:
        report_path = Path(f"eval-report-{datetime.now():%Y%m%d-%H%M%S}.json")
    if report_path is not None:
        write_all({report_path: json.dumps(report, indent=2) + "\n"}, force=True)
    if args.html is not None:
        from .page import render_eval_html

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
        raise EvaluationFailed(
            f"Every prompt failed, so the evaluation measured nothing; the first error: {first}"
        )
    return 0


def _dataset_name(path: Path) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in path.stem) or "prompts"
