"""`codegen traces`: list recent locally traced runs, show one (`show`), upload them (`sync`)."""

from __future__ import annotations

import argparse
import json

from ..errors import ConfigurationError
from ..settings import Settings


def traces_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..tracing import local_trace_dir
    from ..tracing.store import EVALUATION_OPS, RUN_OPS, recent_runs
    from ..tracing.sync import sync_to_hosted

    if args.action == "sync":
        if settings.wandb_api_key is None:
            raise ConfigurationError(
                "`traces sync` needs WANDB_API_KEY (environment or .env) to upload to hosted Weave."
            )
        print(
            sync_to_hosted(
                settings.weave_project, wandb_api_key=settings.wandb_api_key.get_secret_value()
            )
        )
        return 0
    if args.action == "show":
        return _show(args, settings)
    if args.call_id is not None:
        raise ConfigurationError(f"A call id goes with `traces show`, not `traces {args.action}`.")
    runs = recent_runs(settings.weave_project, last=args.last, op_suffix=RUN_OPS + EVALUATION_OPS)
    if args.json:
        print(json.dumps([_as_json(run) for run in runs], indent=2))
        return 0
    if not runs:
        print(
            f"No traced runs under {local_trace_dir(settings.weave_project)} yet; run `codegen"
            " generate` or `codegen eval` first."
        )
        return 0
    print(f"{'when (UTC)':19}  {'duration':>8}  {'model':12}  {'overall':>7}  prompt")
    for run in runs:
        overall = run.scores.get("overall_score")
        status = (
            f"{overall:7.2f}" if overall is not None else ("  error" if run.error else "      -")
        )
        duration = f"{run.duration:7.1f}s" if run.duration is not None else "       -"
        print(
            f"{run.started_at:%Y-%m-%d %H:%M:%S}  {duration}  {(run.model or '-')[:12]:12} "
            f" {status}  {_what(run)[:70]}"
        )
        if run.error:
            print(f"{'':52}error: {run.error[:100]}")
    return 0


def _show(args: argparse.Namespace, settings: Settings) -> int:
    """One run: its steps as text, or with --html a page that shows inputs, outputs and scores
    too."""
    from ..files import write_all
    from ..tracing.page import render_call_html, render_call_text

    if args.html is None:
        print("\n".join(render_call_text(args.call_id, settings.weave_project)))
        return 0
    write_all({args.html: render_call_html(args.call_id, settings.weave_project)}, force=True)
    print(f"Wrote {args.html}; open it in a browser.")
    return 0


def _what(run) -> str:
    """The last column: a run's prompt, or what marks an evaluation (its overall is a mean)."""
    if run.kind == "evaluation":
        return f"[evaluation] {run.name or ''}".rstrip()
    return run.prompt or ""


def _as_json(run) -> dict:
    return {
        "call_id": run.call_id,
        "kind": run.kind,
        "name": run.name,
        "started_at": run.started_at.isoformat(),
        "ended_at": run.ended_at.isoformat() if run.ended_at else None,
        "op_name": run.op_name,
        "prompt": run.prompt,
        "model": run.model,
        "scores": run.scores,
        "duration": run.duration,
        "error": run.error,
    }
