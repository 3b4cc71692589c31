"""Neovim 0.7 (Debian's neovim), headless, through `vim.lsp.start_client` and its own code-action
UI."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.editors import (
    GENERATION_CHECKS,
    HERE,
    assert_checks,
    editor_binary,
    run_editor_on_workspace,
)


def test_neovim_end_to_end(tmp_path: Path):
    nvim = editor_binary("nvim", "neovim")
    outcome = run_editor_on_workspace(
        [nvim, "--headless", "--clean", "-u", str(HERE / "neovim_client.lua")],
        tmp_path,
        model_delay=1.0,
    )
    assert_checks(
        outcome,
        [
            "the server starts",
            "code actions on the prompt",
            "codegen diagnostics are shown",
            "its progress is reported",
            "no Lua error",
            *GENERATION_CHECKS,
        ],
    )
    assert "3/3 tests passed" in " ".join(outcome["messages"])
