"""Definitions shown without their bodies: signatures, docstrings, class attributes and methods."""

from __future__ import annotations

import ast
import copy
import textwrap

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_ELLIPSIS = ast.Expr(ast.Constant(...))
# A docstring longer than this is cut: its first lines say what the thing is.
DOCSTRING_CHARS = 300


def _docstring(node: ast.AST) -> list[ast.stmt]:
    """The node's docstring as a statement, shortened, or nothing."""
    text = ast.get_docstring(node, clean=True)  # type: ignore[arg-type]
    if not text:
        return []
    if len(text) > DOCSTRING_CHARS:
        text = text[:DOCSTRING_CHARS].rstrip() + " …"
    return [ast.Expr(ast.Constant(text))]


def function_stub(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt:
    """The function with its body replaced by its docstring and `...`."""
    stub = copy.copy(node)
    stub.body = [*_docstring(node), _ELLIPSIS]
    return stub


def _class_member(node: ast.stmt) -> ast.stmt | None:
    """What a class body shows of one statement: attributes whole, methods as stubs."""
    if isinstance(node, _FUNCTIONS):
        return function_stub(node)
    if isinstance(node, (ast.AnnAssign, ast.Assign)):
        return node
    if isinstance(node, ast.ClassDef):
        return class_stub(node, [])
    return None


def class_stub(node: ast.ClassDef, members: list[ast.stmt]) -> ast.ClassDef:
    """The class line, its docstring and `members` (or `...`)."""
    stub = copy.copy(node)
    stub.body = [*_docstring(node), *members] or [_ELLIPSIS]
    return stub


def class_members(node: ast.ClassDef) -> list[ast.stmt]:
    """The class's attributes and method stubs, in order (its docstring left out)."""
    body = node.body[1:] if _docstring(node) else node.body
    return [member for statement in body if (member := _class_member(statement)) is not None]


def render(node: ast.stmt) -> str:
    """Source for a stub; `ast.unparse` writes decorators, annotations and defaults as parsed."""
    return ast.unparse(node)


def fitted_class(node: ast.ClassDef, room_chars: int) -> tuple[str, int]:
    """The class stub with as many members as fit in `room_chars`; (text, members left out).

    Each member is rendered once, so a class of 2,000 methods costs 2,000 renders at most.
    """
    header = render(class_stub(node, [_ELLIPSIS])).rsplit("\n", 1)[0]
    members = class_members(node)
    shown: list[str] = []
    size = len(header)
    for member in members:
        text = "\n" + textwrap.indent(render(member), "    ")
        if size + len(text) > room_chars:
            break
        shown.append(text)
        size += len(text)
    left_out = len(members) - len(shown)
    tail = f"\n    # … {left_out} more members not shown" if left_out else ""
    return header + ("".join(shown) or "\n    ...") + tail, left_out
