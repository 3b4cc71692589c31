"""Where generated code goes (the prompt comment, or the function), and finding it again after
edits."""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace

from codegen.source import parse_or_none, without_bom

from ..constants import KIND_ALL, KIND_FUNCTION
from ..stop import GenerationStopped
from ..text import split_lines
from .merging import statement_lines
from .prompts import (
    Prompt,
    class_block,
    find_prompt,
    function_at,
    function_block,
    prompt_at,
)


@dataclass(frozen=True)
class Anchor:
    """Where the result goes: the prompt comment, or the function the code was made for."""

    prompt: Prompt | None = None
    function: str | None = None
    function_source: str = ""
    functions: tuple[str, ...] = ()  # for tests of several functions at once


def anchor_for_request(request, text: str) -> Anchor:
    """The anchor a `codegen.generate` request points at, in the current text."""
    # Anchors are found in the text as Python reads it: a byte-order mark changes no line number,
    # and a prompt on the first line then reads the same with or without one.
    text = without_bom(text)
    lines = split_lines(text)
    if request.kind in (KIND_FUNCTION, KIND_ALL):
        prompt = prompt_at(lines, request.line)
        if prompt is None:
            raise GenerationStopped(
                f"There is no comment prompt at line {request.line + 1}; "
                "write a comment describing the function and try again there."
            )
        return Anchor(prompt=prompt)
    name = request.function
    if name is None:
        found = function_at(lines, request.line)
        if found is None:
            raise GenerationStopped(f"There is no function at line {request.line + 1}.")
        name = found.name
    block = function_span(text, lines, name)
    if block is None:
        raise GenerationStopped(f"There is no top-level function named {name}.")
    return Anchor(function=name, function_source="".join(lines[block[0] : block[1]]))


def function_span(text: str, lines: list[str], name: str) -> tuple[int, int] | None:
    """[start, end) lines of top-level function `name`, decorators included: by the AST when the
    file parses, else by indentation."""
    tree = parse_or_none(text)
    if tree is None:
        return function_block(lines, name)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return statement_lines(node)
    return None


def class_source(text: str, name: str) -> str:
    """The source of the top-level class `name` ("" when there is none): by indentation, since a
    class whose body is only the prompt comment does not parse."""
    lines = split_lines(without_bom(text))
    block = class_block(lines, name)
    return "".join(lines[block[0] : block[1]]) if block else ""


def anchor_for_functions(text: str, names: list[str]) -> Anchor:
    """The anchor for tests of several functions at once (codegen.generateTests on a whole file)."""
    text = without_bom(text)
    lines = split_lines(text)
    sources = []
    for name in names:
        block = function_span(text, lines, name)
        if block is not None:
            sources.append("".join(lines[block[0] : block[1]]).strip("\n"))
    return Anchor(
        function=names[0], function_source="\n\n\n".join(sources) + "\n", functions=tuple(names)
    )


def refind(anchor: Anchor, text: str) -> Anchor:
    """The same anchor in the current text; GenerationStopped when it is gone or changed."""
    text = without_bom(text)
    lines = split_lines(text)
    if anchor.prompt is not None:
        prompt = find_prompt(lines, anchor.prompt)
        if prompt is None:
            raise GenerationStopped(
                "The prompt comment changed while the model was working, so nothing was changed. "
                "Run the action again on the new prompt."
            )
        return replace(anchor, prompt=prompt)
    current = anchor_for_functions(text, list(anchor.functions)) if anchor.functions else None
    if current is not None:
        source: str | None = current.function_source
    else:
        block = function_span(text, lines, anchor.function) if anchor.function else None
        source = "".join(lines[block[0] : block[1]]) if block else None
    if source != anchor.function_source:
        raise GenerationStopped(
            f"{anchor.function} changed while the model was working, so nothing was changed. "
            "Run the action again."
        )
    return anchor
