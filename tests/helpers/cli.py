"""`codegen generate` and `codegen eval` run in process against the loopback model, and what they
wrote."""

from __future__ import annotations

from pathlib import Path

from codegen.cli import main
from tests.loopback_model import LoopbackModel

PROMPT = "compute the moving average of a time series with a window"


def generate(
    model: LoopbackModel | str | None,
    out: Path,
    *extra: str,
    prompt: str = PROMPT,
    target: str = "--out",
    module: str | None = None,
    max_retries: int | None = 1,
    timeout: int | None = 5,
    model_name: str | None = None,
) -> int:
    """Exit code of `codegen generate PROMPT --out OUT` (or `--into` a module) against `model`
    (the loopback model, an endpoint's URL, or None: no endpoint named).

    `module`, `max_retries`, `timeout` (None: the CLI's default) and `model_name` are what the
    test files differ in; `extra` comes last, so a test can still override any option."""
    options = [target, str(out), *_endpoint(model), "--tracing", "off"]
    if module is not None:
        options += ["--module", module]
    if max_retries is not None:
        options += ["--max-retries", str(max_retries)]
    if timeout is not None:
        options += ["--timeout", str(timeout)]
    if model_name is not None:
        options += ["--model", model_name]
    return main(["generate", prompt, *options, *extra])


def evaluate(model: LoopbackModel | None, dataset: Path | str | None, *extra: str) -> int:
    """Exit code of `codegen eval` over `dataset` (a file, or a named one such as humaneval)
    against `model`: no tracing, no retry, 5 s a reply; `extra` comes last."""
    args = ["eval", "--tracing", "off", "--max-retries", "0", "--timeout", "5", *_endpoint(model)]
    if dataset is not None:
        args += ["--dataset", str(dataset)]
    return main([*args, *extra])


def _endpoint(model: LoopbackModel | str | None) -> list[str]:
    if model is None:
        return []
    return ["--base-url", model if isinstance(model, str) else model.base_url]


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []
