"""Emacs 28 + eglot 1.9 (Debian's emacs-nox and elpa-eglot), batch mode, with eglot's own 10 s
request timeout."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.editors import (
    GENERATION_CHECKS,
    HERE,
    assert_checks,
    editor_binary,
    run_editor_on_workspace,
)

# Each model answer takes this long, so the whole generation (function, then runner and tests) takes
# longer than eglot's 10 s timeout for a request: only an answered-at-once command can pass.
MODEL_DELAY = 5.5


def test_eglot_end_to_end(tmp_path: Path):
    emacs = editor_binary("emacs", "emacs-nox and elpa-eglot")
    outcome = run_editor_on_workspace(
        [emacs, "--batch", "-q", "-l", str(HERE / "eglot_client.el")],
        tmp_path,
        model_delay=MODEL_DELAY,
    )
    assert_checks(
        outcome,
        [
            "eglot manages the buffer",
            "refactor.rewrite lists both prompt actions",
            "flymake shows codegen diagnostics",
            "the prompt offers Cancel while it runs",
            *GENERATION_CHECKS,
        ],
    )
    landed = next(
        c for c in outcome["checks"] if c["name"] == "the generated code lands in the buffer"
    )
    assert float(landed["detail"].split()[0]) > 10, landed  # longer than eglot's request timeout
    assert "3/3 tests passed" in " ".join(outcome["messages"])
