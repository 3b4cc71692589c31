"""The fixtures of the language-server tests (the editor stand-in: tests/helpers/lsp_editor.py)."""

from tests.helpers.lsp_editor import start_editor, workspace

__all__ = ["start_editor", "workspace"]  # fixtures pytest finds here
