"""Options the benchmarks take (--runs, --tracing), and a pipeline benchmark's trace store kept
apart."""

from __future__ import annotations

import argparse
import os
import tempfile


def benchmark_parser(description: str | None) -> argparse.ArgumentParser:
    """A parser with `--runs` and `--tracing`; the benchmark adds its own options."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tracing", choices=["off", "local"], default="off")
    return parser


def timed_runs(argv: list[str] | None, description: str | None, default: int, per: str = "") -> int:
    """The one option of a benchmark that takes only `--runs`: how many timed runs (at least 1)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--runs", type=int, default=default, help=f"timed runs{per} (default {default})"
    )
    runs = parser.parse_args(argv).runs
    if runs < 1:
        parser.error("--runs must be at least 1")
    return runs


def prepare_tracing(tracing: str) -> None:
    """No error reports to wandb; with local tracing, a HOME of its own keeps the user's trace
    store clean."""
    os.environ.setdefault("WANDB_ERROR_REPORTING", "false")
    if tracing == "local":
        os.environ["HOME"] = tempfile.mkdtemp(prefix="bench-home-")
