"""The module around a prompt, chosen by relevance within a budget: imports, constants, the
signatures of nearby and named definitions, the bodies of small helpers the prompt names."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from ..source import parse_or_none
from . import stubs
from .budget import CHARS_PER_TOKEN, Context, ContextPiece
from .outline import Statement, statements, text_spans

_WORD = re.compile(r"[A-Za-z_]\w*")
# A constant whose name says it holds a secret is shown without its value.
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.IGNORECASE)
# A helper the prompt names is shown whole when it is this small.
SMALL_HELPER_LINES = 15
SMALL_HELPER_CHARS = 800
# Candidates parsed and found too big before the rest are left out unparsed.
MAX_MISSES = 20
# A constant's source longer than this is cut to its first line.
CONSTANT_CHARS = 200


def _trailing(line: str) -> bool:
    """A blank or comment line: what follows a statement without being part of its code."""
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


class _Source:
    """The module's lines, parsed one statement at a time, as the selection asks for them."""

    def __init__(self, lines: list[str], context: Context):
        self.lines = lines
        self.context = context
        self.unparsed: list[int] = []

    def text(self, statement: Statement) -> str:
        """The statement's source, without the comments and blank lines that follow it (the
        prompt itself may be one of them)."""
        end = statement.end
        while end > statement.first + 1 and _trailing(self.lines[end - 1]):
            end -= 1
        return "".join(self.lines[statement.first : end]).rstrip()

    def node(self, statement: Statement) -> ast.stmt | None:
        tree = parse_or_none(self.text(statement))
        if tree is None or not tree.body:
            self.unparsed.append(statement.first + 1)
            return None
        return tree.body[0]


def _ranked(statements: list[Statement], prompt: str, prompt_line: int) -> list[Statement]:
    """Named by the prompt first, then by distance from it (definitions and constants alike)."""
    named = {word.lower() for word in _WORD.findall(prompt)}

    def rank(statement: Statement) -> tuple[int, int]:
        mentioned = statement.name.lower() in named
        return (0 if mentioned else 1, abs(statement.first - prompt_line))

    return sorted(statements, key=rank)


def _piece(source: _Source, statement: Statement, named: set[str]) -> ContextPiece | None:
    """How a statement is shown: a stub, a small helper whole, a constant (its value withheld when
    its name says secret)."""
    node = source.node(statement)
    if node is None:
        return None
    text = source.text(statement)
    if statement.kind == "constant":
        if _SECRET_NAME.search(statement.name):
            text = f"{statement.name} = ...  # value withheld"
        elif len(text) > CONSTANT_CHARS:
            text = text.splitlines()[0][:CONSTANT_CHARS] + "  # … cut"
        return ContextPiece("constant", statement.name, text, statement.first)
    if isinstance(node, ast.ClassDef):
        room = max(0, source.context.room * CHARS_PER_TOKEN - 2)
        text, _ = stubs.fitted_class(node, room)
        return ContextPiece("class", statement.name, text, statement.first)
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    small = (
        statement.end - statement.first <= SMALL_HELPER_LINES and len(text) <= SMALL_HELPER_CHARS
    )
    if statement.name.lower() in named and small:
        return ContextPiece("helper", statement.name, text, statement.first)
    return ContextPiece(
        "function", statement.name, stubs.render(stubs.function_stub(node)), statement.first
    )


def _imports(source: _Source, statements: list[Statement]) -> ContextPiece | None:
    texts = [source.text(s) for s in statements if s.kind == "import"]
    if not texts:
        return None
    first = min(s.first for s in statements if s.kind == "import")
    return ContextPiece("imports", "imports", "\n".join(texts), first)


def module_context(
    text: str,
    prompt: str,
    prompt_line: int,
    budget_tokens: int,
    *,
    class_name: str | None = None,
    spans: Sequence[tuple[int, int]] | None = None,
) -> Context:
    """The context for a prompt at 0-based `prompt_line` of module `text`, within `budget_tokens`.

    `spans`: the module's statement spans when the caller keeps them already (else one line
    scan). Only chosen statements are parsed, each alone: the cost is one scan plus the budget's
    worth of parsing; a statement that does not parse is left out, and the context says so.
    `class_name`: the prompt is in that class's body; the class comes first, then the rest.
    """
    context = Context(budget_tokens)
    if budget_tokens <= 0 or not text.strip():
        return context
    lines = text.splitlines(keepends=True)
    if spans is None or not spans or spans[-1][1] != len(lines):  # not of these lines: scan
        spans = text_spans(text)
    found = statements(lines, spans)
    source = _Source(lines, context)
    imports = _imports(source, found)
    if imports is not None:
        context.add(imports)
    named = {word.lower() for word in _WORD.findall(prompt)}
    owner = [s for s in found if s.kind == "class" and s.name == class_name]
    others = [s for s in found if s.kind != "import" and s not in owner]
    misses = 0
    for statement in owner + _ranked(others, prompt, prompt_line):
        # Nothing shorter than its first line fits; and after enough misses the budget is spent
        if misses >= MAX_MISSES or len(lines[statement.first]) > context.room * CHARS_PER_TOKEN:
            context.left_out += 1
            continue
        piece = _piece(source, statement, named)
        if piece is not None and not context.add(piece):
            misses += 1
    if source.unparsed:
        lines_text = ", ".join(str(line) for line in source.unparsed[:5])
        context.note(
            f"part of the module does not parse (statements at lines {lines_text}); only what"
            " parses is shown."
        )
    return context
