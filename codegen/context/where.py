"""The contexts one generation sends, from its destination: the module around the prompt for the
function step, the project's test conventions for the tests step, and how traces record them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..source import parse_or_none
from . import stubs
from .budget import Context, ContextPiece
from .conventions import conventions_context
from .module_context import module_context
from .outline import ModuleNames, module_names

if TYPE_CHECKING:
    from ..generation import Destination, MethodOf


def traced_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    """An op's inputs as traces keep them: a context as its names and sizes, never its text."""
    return {
        name: value.summary() if isinstance(value, Context) else value
        for name, value in inputs.items()
    }


def function_context(
    destination: Destination | None, prompt: str, method_of: MethodOf | None, budget: int
) -> Context:
    """The module around the prompt (the destination's), or for a method with no destination the
    class alone; a method's prompt always shows at least the class line."""
    if destination is not None and destination.module_source is not None:
        context = module_context(
            destination.module_source,
            prompt,
            destination.prompt_line,
            budget,
            class_name=method_of.class_name if method_of else None,
            spans=destination.statement_spans,
        )
    elif method_of is not None:
        context = module_context(
            method_of.class_source, prompt, 0, budget, class_name=method_of.class_name
        )
    else:
        context = Context(budget)
    if method_of is not None and not any(p.kind == "class" for p in context.pieces):
        _add_class_line(context, method_of)
    return context


def _add_class_line(context: Context, method_of: MethodOf) -> None:
    """The class's `class` line and docstring, whatever the budget: a method needs its class."""
    tree = parse_or_none(method_of.class_source)
    node = tree.body[0] if tree is not None and tree.body else None
    if node is not None and hasattr(node, "name") and hasattr(node, "bases"):
        text, _ = stubs.fitted_class(node, 0)  # type: ignore[arg-type]
    else:
        text = f"class {method_of.class_name}: ..."
    context.add_always(ContextPiece("class", method_of.class_name, text, -1))


def destination_names(destination: Destination) -> ModuleNames:
    """What the destination module defines and imports."""
    return module_names(destination.module_source or "", destination.statement_spans)


def test_context(destination: Destination | None, budget: int) -> Context:
    """The project's test conventions the destination found, within `budget`."""
    if destination is None or not destination.convention_sources:
        return Context(budget)
    return conventions_context(destination.convention_sources, budget)
