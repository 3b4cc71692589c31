"""Comment prompt -> function, main() runner and unittest file, through one LLM pipeline."""

__version__ = "0.1.0"
