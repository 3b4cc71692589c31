"""Methods generated for a class: checked to be methods, indented to the class, placed in it."""

from __future__ import annotations

import ast
import re
import textwrap

from ..source import FUNCTION_NODES, parse_or_none

_LEADING_SPACES = re.compile(r"^(?: {4})+")
_STATIC = frozenset({"staticmethod", "classmethod"})
_METHOD_NAME = re.compile(r"^[ \t]+(?:async[ \t]+)?def[ \t]+(\w+)", re.MULTILINE)


def body_indent(class_source: str) -> str:
    """The indentation of the class's body (its first indented line), four spaces by default."""
    for line in class_source.splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and line != stripped:
            return line[: len(line) - len(stripped)]
    return "    "


def indent_block(code: str, indent: str) -> str:
    """`code` written at the margin (four spaces a level), moved in by `indent`; in a class
    indented with tabs, its own levels become tabs too, so the file never mixes them."""
    unit = "\t" if "\t" in indent else None
    lines = []
    for line in code.strip("\n").splitlines():
        if not line.strip():
            lines.append("")
            continue
        if unit is not None:
            line = _LEADING_SPACES.sub(lambda match: unit * (len(match.group()) // 4), line)
        lines.append(indent + line)
    return "\n".join(lines) + "\n"


def class_with_methods(class_source: str, code: str) -> str:
    """The class with the methods in `code` (minus their imports) at the end of its body, after
    the module-level imports `code` has: what the tests of the methods are written against."""
    tree = parse_or_none(code)
    lines = code.splitlines()
    imports: list[str] = []
    body: list[str] = []
    for node in tree.body if tree is not None else []:
        target = imports if isinstance(node, (ast.Import, ast.ImportFrom)) else body
        target.append(_segment(lines, node))
    methods = "\n\n".join(body) if tree is not None else code
    head = "\n".join(imports) + "\n\n\n" if imports else ""
    return head + class_source.rstrip() + "\n\n" + indent_block(methods, body_indent(class_source))


def new_methods(code: str, class_name: str, class_source: str) -> str:
    """A reply that wrote the whole class `class_name` instead of method(s) for it, reduced to its
    imports and the methods the class does not have yet, at the margin; any other reply as it is."""
    tree = parse_or_none(code)
    if tree is None or any(isinstance(node, FUNCTION_NODES) for node in tree.body):
        return code
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    if [node.name for node in classes] != [class_name]:
        return code
    existing = set(_METHOD_NAME.findall(class_source))
    lines = code.splitlines()
    methods = [
        textwrap.dedent(_segment(lines, node))
        for node in classes[0].body
        if isinstance(node, FUNCTION_NODES) and node.name not in existing
    ]
    if not methods:
        return code
    imports = [
        _segment(lines, node)
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
    ]
    return (
        "".join(f"{line}\n" for line in imports)
        + ("\n\n" if imports else "")
        + ("\n\n".join(methods) + "\n")
    )


def _segment(lines: list[str], node: ast.stmt) -> str:
    """The statement's lines, its decorators included."""
    decorators = getattr(node, "decorator_list", None)
    first = decorators[0].lineno if decorators else node.lineno
    return "\n".join(lines[first - 1 : node.end_lineno or node.lineno])


def method_problem(code: str, class_name: str) -> str | None:
    """Why `code` is not methods for `class_name` (None when it is): each top-level function
    takes `self` first, or is a static or class method."""
    tree = parse_or_none(code)
    if tree is None:
        return None  # the parse check names the syntax error
    functions = [
        node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    if not functions:
        return f"The model's answer defines no method for {class_name}; try again."
    for function in functions:
        decorators = {getattr(d, "id", None) for d in function.decorator_list}
        arguments = function.args.posonlyargs + function.args.args
        if not decorators & _STATIC and (not arguments or arguments[0].arg != "self"):
            return (
                f"The model's answer is not a method of {class_name}: `{function.name}` does not"
                " take self first. Nothing was written; try again."
            )
    return None
