"""The codegen language server: LSP <-> the codegen pipeline."""
