"""`codegen generate` run in process against the loopback model, and what it wrote."""

from __future__ import annotations

from pathlib import Path

from codegen.cli import main

PROMPT = "compute the moving average of a time series with a window"


def generate(
    model,
    out: Path,
    *extra: str,
    prompt: str = PROMPT,
    target: str = "--out",
    module: str | None = None,
    max_retries: int | None = 1,
    timeout: int = 5,
    model_name: str | None = None,
) -> int:
    """Exit code of `codegen generate PROMPT --out OUT` (or `--into` a module) against `model`.

    `module`, `max_retries` (None: the CLI's default) and `model_name` are what the test files
    differ in; `extra` comes last, so a test can still override any option."""
    options = [target, str(out), "--base-url", model.base_url, "--tracing", "off"]
    if module is not None:
        options += ["--module", module]
    if max_retries is not None:
        options += ["--max-retries", str(max_retries)]
    options += ["--timeout", str(timeout)]
    if model_name is not None:
        options += ["--model", model_name]
    return main(["generate", prompt, *options, *extra])


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []
