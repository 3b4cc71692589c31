"""`codegen generate` run in process against the loopback model, and what it wrote."""

from __future__ import annotations

from pathlib import Path

from codegen.cli import main

PROMPT = "compute the moving average of a time series with a window"


def generate(model, out: Path, *extra: str) -> int:
    return main(
        [
            "generate",
            PROMPT,
            "--out",
            str(out),
            "--base-url",
            model.base_url,
            "--tracing",
            "off",
            "--max-retries",
            "1",
            "--timeout",
            "5",
            *extra,
        ]
    )


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []
