"""Re-record codegen/demo/replay/ from the hand-written answers in examples/demo_answers/.

The demo's answers were written by hand for the demo, not produced by a model. This script serves
them from the loopback test model and records them with `codegen generate --record`, so the demo
replays real request keys. Run it after changing a prompt template:

    .venv/bin/python examples/record_demo.py
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codegen.cli import main as codegen  # noqa: E402
from tests.loopback_model import LoopbackModel  # noqa: E402

ANSWERS = ROOT / "examples" / "demo_answers"
REPLAY = ROOT / "codegen" / "demo" / "replay"
KIND_OF_SECTION = {"function": "GeneratedCode", "runner": "ProgramRunner", "tests": "UnitTest"}


def read_answers(path: Path) -> tuple[str, dict[str, str]]:
    """`# prompt: …` then `# --- function|runner|tests` sections."""
    text = path.read_text("utf-8")
    prompt = re.search(r"^# prompt: (.+)$", text, re.MULTILINE).group(1).strip()
    parts = re.split(r"^# --- (function|runner|tests)\n", text, flags=re.MULTILINE)
    return prompt, {
        KIND_OF_SECTION[name]: body for name, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def prompts() -> list[str]:
    return [read_answers(path)[0] for path in sorted(ANSWERS.glob("*.txt"))]


def record() -> None:
    shutil.rmtree(REPLAY, ignore_errors=True)
    with tempfile.TemporaryDirectory() as scratch:
        for path in sorted(ANSWERS.glob("*.txt")):
            prompt, answers = read_answers(path)
            with LoopbackModel(answers=answers) as model:
                code = codegen(
                    [
                        "generate",
                        prompt,
                        "--out",
                        scratch,
                        "--force",
                        "--base-url",
                        model.base_url,
                        "--tracing",
                        "off",
                        "--record",
                        str(REPLAY),
                        "--json",
                    ]
                )
            if code != 0:
                raise SystemExit(f"recording {path.name} failed")
            print(f"recorded {prompt!r}")


if __name__ == "__main__":
    record()
