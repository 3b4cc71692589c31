"""The AST toolkit: every parse of user or generated code, under one lock, warnings kept quiet."""

from __future__ import annotations

import ast
import re
import threading
import warnings

# Everything ast.parse raises on a str: bad syntax, NUL bytes or lone surrogates (ValueError in some
# versions), and nesting too deep for the parser (RecursionError or MemoryError).
_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)

# The file name texts are parsed under. The parser warns about things like invalid escape sequences,
# and the server would print the same warning on every keystroke; ignoring warnings for this name
# only leaves everyone else's warnings alone (and keeps `-W error` from turning them into errors).
_PARSE_FILENAME = "<codegen.source>"
_PARSE_MODULE = re.escape(_PARSE_FILENAME) + r"\Z"
warnings.filterwarnings("ignore", category=SyntaxWarning, module=_PARSE_MODULE)
# Python 3.11 reports invalid escape sequences as DeprecationWarning, 3.12 on as SyntaxWarning.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=_PARSE_MODULE)


def parse_or_none(text: str) -> ast.Module | None:
    """The module's AST, or None for any text that does not parse (bad syntax, NUL bytes, too
    deep)."""
    tree = parse(text)
    return None if isinstance(tree, Exception) else tree


# CPython 3.11 and 3.12 keep the AST constructor's recursion depth in interpreter-wide state, so two
# threads building ASTs at once can fail with "SystemError: AST constructor recursion depth
# mismatch" (python/cpython#106905). Every AST this program builds, its formatters' included, is
# built under this lock.
AST_LOCK = threading.RLock()


def parse(text: str) -> ast.Module | Exception:
    """The module's AST, or the exception saying why it does not parse."""
    try:
        with AST_LOCK:
            return ast.parse(text, _PARSE_FILENAME)
    except _PARSE_ERRORS as error:
        return error


def parses(text: str) -> bool:
    """Whether the text is a module Python can parse."""
    return parse_or_none(text) is not None
