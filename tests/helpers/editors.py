"""Real editors (Neovim, Emacs + eglot) driving the real codegen-lsp against the loopback model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.lsp_editor import server_environment
from tests.loopback_model import LoopbackModel

HERE = Path(__file__).resolve().parents[1] / "editors"  # the editors' scripts
PROMPT = "# compute the moving average of a time series with a window\n"
# A function without docstring or type hints: codegen diagnostics from the moment the file opens.
HELPER = "\n\ndef helper(x):\n    return x + 1\n"


def editor_binary(name: str, package: str) -> str:
    """The editor's path; skipped only outside CI (CI unset), a failure under CI."""
    path = shutil.which(name)
    if path is not None:
        return path
    if os.environ.get("CI") is not None:
        pytest.fail(
            f"{name} is not installed, and CI is set: `make editors` installs Debian's {package} "
            "(as root)"
        )
    pytest.skip(f"{name} is not installed: `make editors` (as root) installs Debian's {package}")


def workspace_for_editor(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "moving.py").write_text(PROMPT + HELPER)
    (root / "cancel_me.py").write_text("# return the larger of two numbers\n")
    return root


def run_editor(
    command: list[str], root: Path, base_url: str, home: Path, timeout: float = 240
) -> dict[str, Any]:
    """Run the editor script to its end; its JSON result (checks and messages)."""
    result = root.parent / "editor-result.json"
    home.mkdir(parents=True, exist_ok=True)
    env = server_environment(
        base_url,
        home,
        CODEGEN_EDITOR_PYTHON=sys.executable,
        CODEGEN_EDITOR_WORKSPACE=str(root),
        CODEGEN_EDITOR_RESULT=str(result),
        TERM="dumb",
    )
    completed = subprocess.run(
        command,
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if not result.is_file():
        pytest.fail(
            f"{command[0]} wrote no result (exit "
            f"{completed.returncode}):\n{completed.stdout}\n{completed.stderr}"
        )
    outcome = json.loads(result.read_text())
    outcome["log"] = completed.stdout + completed.stderr
    return outcome


def run_editor_on_workspace(
    command: list[str], tmp_path: Path, model_delay: float
) -> dict[str, Any]:
    """The editor run on a fresh workspace against a loopback model answering after
    `model_delay` seconds; its JSON result."""
    root = workspace_for_editor(tmp_path / "project")
    with LoopbackModel(delay=model_delay) as model:
        return run_editor(command, root, model.base_url, tmp_path / "home")


# What every editor's script checks of a generation: run, landed, scored, a second one cancelled.
GENERATION_CHECKS = [
    "executeCommand answered",
    "the generated code lands in the buffer",
    "the outcome is shown",
    "the test file is written",
    "inlay hints carry scores",
    "a second generation starts",
    "cancelling says so",
    "a cancelled generation changes nothing",
]


def assert_checks(outcome: dict[str, Any], expected: list[str]) -> None:
    """Every expected check ran and passed; the failures' details otherwise."""
    checks = {check["name"]: check for check in outcome["checks"]}
    failed = [f"{c['name']}: {c['detail']}" for c in outcome["checks"] if c["ok"] is not True]
    missing = [name for name in expected if name not in checks]
    assert not failed and not missing, (
        f"failed: {failed}\nmissing: {missing}\n"
        f"messages: {outcome.get('messages')}\n{outcome['log'][-3000:]}\n"
        f"{outcome.get('events', '')[-6000:]}"
    )
