"""The codegen language server: LSP <-> the codegen pipeline."""

from codegen import __version__  # one version for the one distribution

__all__ = ["__version__"]
