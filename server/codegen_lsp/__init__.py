"""The codegen language server: LSP <-> the codegen pipeline."""

__version__ = "0.1.0"
