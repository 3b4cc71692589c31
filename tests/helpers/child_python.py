"""Scenarios run in a child Python with a clean environment, reporting one JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a child: no W&B/Weave/OpenAI/codegen variables, HOME under tmp."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("WANDB_", "WEAVE_", "OPENAI_", "CODEGEN_"))
    }
    env.update(HOME=str(home), PYTHONPATH=str(REPO), **extra)
    return env


def run_python(script: str, env: dict[str, str], timeout: float = 120) -> dict[str, Any]:
    """Run `script` in a child Python; it prints one JSON object as its last stdout line."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"child failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])
