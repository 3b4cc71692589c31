"""`codegen demo`: the seed's three prompts through the whole pipeline, replayed from answers
shipped with codegen."""

from __future__ import annotations

import argparse
import csv
from importlib import resources
from pathlib import Path

from ..settings import Settings
from .generate import generate_command


def demo_directory() -> Path:
    """The shipped demo: prompts.csv and replay/ (answers written by hand, recorded as
    request/answer pairs)."""
    return Path(str(resources.files("codegen").joinpath("demo")))


def demo_prompts() -> list[str]:
    with (demo_directory() / "prompts.csv").open(encoding="utf-8", newline="") as handle:
        return [row["prompt"] for row in csv.DictReader(handle)]


async def demo_command(args: argparse.Namespace, settings: Settings) -> int:
    """`generate` for each demo prompt with `--replay` of the shipped answers: no network, no
    key."""
    replay = demo_directory() / "replay"
    # The recorded answers are unittest files: `auto` could pick pytest in a project configured for
    # it.
    settings = settings.model_copy(update={"test_framework": "unittest"})
    for prompt in demo_prompts():
        one = argparse.Namespace(
            **{
                **vars(args),
                "prompt": prompt,
                "module": None,
                "json": False,
                "record": None,
                "replay": replay,
            }
        )
        code = await generate_command(one, settings)
        if code != 0:
            return code
        print()
    print(
        f"The answers were written by hand for this demo and replayed from {replay}; no model was"
        " asked."
    )
    return 0
