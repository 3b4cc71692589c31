"""The runs the HTML page tests render: an evaluation of the replayed demo, a traced generation."""

from __future__ import annotations

import json
from pathlib import Path

from codegen.cli import main
from tests.helpers.cli import PROMPT

ROOT = Path(__file__).resolve().parents[2]


def evaluate_demo(tmp_path: Path, *extra: str) -> tuple[dict, str]:
    report, page = tmp_path / "report.json", tmp_path / "report.html"
    assert (
        main(
            [
                "eval",
                "--dataset",
                str(ROOT / "codegen" / "demo" / "prompts.csv"),
                "--replay",
                str(ROOT / "codegen" / "demo" / "replay"),
                "--tracing",
                "off",
                "--report",
                str(report),
                "--html",
                str(page),
                *extra,
            ]
        )
        == 0
    )
    return json.loads(report.read_text()), page.read_text(encoding="utf-8")


def traced_generate(model, tmp_path: Path, *extra: str) -> None:
    assert (
        main(
            [
                "generate",
                PROMPT,
                "--out",
                str(tmp_path / "out"),
                "--module",
                "ma",
                "--base-url",
                model.base_url,
                "--tracing",
                "local",
                "--max-retries",
                "0",
                "--timeout",
                "10",
                "--json",
                *extra,
            ]
        )
        == 0
    )
