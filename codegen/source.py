"""The AST toolkit: every parse of user or generated code (under one lock, warnings kept quiet),
what a failed parse tells the user, and the fast walks the scores make.

Standard library only, like scoring/quality.py, which imports it.
"""

from __future__ import annotations

import ast
import re
import threading
import warnings
from collections.abc import Iterator

# The line breaks Python's tokenizer counts, so line numbers agree with the AST's.
LINE_BREAK = re.compile(r"\r\n|\r|\n")

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPE_NODES = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
# For each node type that holds statements, the fields holding them (If: body and orelse, ...).
_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")
_BLOCK_TYPES = (ast.Module, ast.stmt, ast.excepthandler, ast.match_case)
_BLOCK_FIELDS: dict[type, tuple[str, ...]] = {
    node_type: fields
    for node_type in vars(ast).values()
    if isinstance(node_type, type)
    and issubclass(node_type, _BLOCK_TYPES)
    and (fields := tuple(name for name in _STATEMENT_LISTS if name in node_type._fields))
}

# The UTF-8 byte-order mark Python skips at the start of a file; in a str the parser rejects it.
BOM = "\ufeff"
# What stands in for it when parsing: the tokenizer ignores a form feed at a line's start, and one
# character for one keeps every column the text's own (an editor counts the mark as a character).
_BOM_STAND_IN = "\x0c"

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
    """The module's AST, or the exception saying why it does not parse; a leading byte-order mark
    is accepted, as Python accepts it in a file."""
    if text.startswith(BOM):
        text = _BOM_STAND_IN + text[1:]
    try:
        with AST_LOCK:
            return ast.parse(text, _PARSE_FILENAME)
    except _PARSE_ERRORS as error:
        return error


def without_bom(text: str) -> str:
    """The text as Python reads it from a file: without a leading byte-order mark."""
    return text[1:] if text.startswith(BOM) else text


def parses(text: str) -> bool:
    """Whether the text is a module Python can parse."""
    return parse_or_none(text) is not None


def parse_failure(error: Exception, text: str) -> tuple[str, int, int]:
    """What `parse`'s exception tells the user, and where: (message, 1-based line, 0-based column).

    The line can lie past the text's last line (an error at the end): callers clamp it.
    """
    if isinstance(error, SyntaxError):
        message = f"Syntax error: {error.msg}"
        line = error.lineno or _line_of_nul_byte(text)
        start_col = max(0, (error.offset or 1) - 1)
    elif isinstance(error, UnicodeError):
        message = "Syntax error: the code contains an unpaired surrogate character; delete it"
        line = _line_at(text, getattr(error, "start", 0))
        start_col = 0
    elif isinstance(error, ValueError):
        message = f"Syntax error: {error}"
        line = _line_of_nul_byte(text)
        start_col = 0
    else:
        message = (
            "Syntax error: the code is nested too deeply for Python's parser;"
            " split the expression up"
        )
        line, start_col = 1, 0
    return message, line, start_col


def _line_of_nul_byte(text: str) -> int:
    """The line of the first NUL byte (the parser gives no position for it), else 1."""
    return _line_at(text, max(0, text.find("\0")))


def _line_at(text: str, position: int) -> int:
    return len(LINE_BREAK.findall(text, 0, position)) + 1


def definitions(tree: ast.Module) -> list[tuple[ast.AST, str, bool]]:
    """The module, its classes and functions: (node, qualified name, inside a function?).

    Only statement lists are walked: definitions never occur inside expressions.
    """
    found: list[tuple[ast.AST, str, bool]] = [(tree, "", False)]
    stack: list[tuple[ast.AST, str, bool]] = [(tree, "", False)]
    while stack:
        node, scope, in_function = stack.pop()
        for field in _BLOCK_FIELDS[type(node)]:
            for child in getattr(node, field):
                if isinstance(child, _SCOPE_NODES):
                    name = f"{scope}.{child.name}" if scope else child.name
                    found.append((child, name, in_function))
                    stack.append((child, name, in_function or isinstance(child, FUNCTION_NODES)))
                elif type(child) in _BLOCK_FIELDS:  # skip simple statements: they hold no others
                    stack.append((child, scope, in_function))
    return found


def walk_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """The nodes under tree but Load/Store/Del, in no particular order; faster than ast.walk."""
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if not isinstance(node, ast.AST):  # list fields may hold None or str (`global` names)
            continue
        yield node
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                stack.extend(value)
            elif isinstance(value, ast.AST) and not isinstance(value, ast.expr_context):
                stack.append(value)
