"""A model's reply made a finished part: normalised, parse-checked, pointed at the module's own
names, formatted, checked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import weave

from . import source
from .errors import GeneratedCodeError
from .shaping import formatting
from .shaping.imports import defined_names, point_imports_at_module, strip_definitions_and_imports
from .shaping.rebindings import rebindings


class CodeFormatter(weave.Object):
    """Normalizes generated code; every step is traced on its own."""

    @weave.op
    def replace_literal_newlines(self, code: str) -> str:
        return formatting.replace_literal_newlines(code)

    @weave.op
    def strip_markdown_fences(self, code: str) -> str:
        return formatting.strip_markdown_fences(code)

    @weave.op
    def remove_unused(self, code: str) -> str:
        return formatting.remove_unused(code)

    @weave.op
    def sort_imports(self, code: str) -> str:
        return formatting.sort_imports(code)

    @weave.op
    def pep8(self, code: str) -> str:
        return formatting.pep8(code)

    @weave.op
    def format(self, code: str, step: str) -> str:
        """Text repairs, then a syntax check (naming `step`), then autoflake -> isort ->
        autopep8."""
        code = self.strip_markdown_fences(self.replace_literal_newlines(code.replace("\r\n", "\n")))
        ensure_parses(code, step)
        return formatting.tidy(code, (self.remove_unused, self.sort_imports, self.pep8))


def ensure_parses(code: str, step: str) -> None:
    """Raise GeneratedCodeError (naming the step and the line) unless `code` is valid Python."""
    if not code.strip():
        raise GeneratedCodeError(
            "The model returned empty code; try again or rephrase the prompt.", step=step
        )
    try:
        with source.AST_LOCK:
            compile(code, f"<{step}>", "exec", dont_inherit=True, flags=0x400)  # ast.PyCF_ONLY_AST
    except SyntaxError as error:
        raise GeneratedCodeError(
            f"The generated code has a syntax error at line {error.lineno}: {error.msg}. Nothing"
            " was written; try again.",
            step=step,
        ) from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise GeneratedCodeError(
            f"The generated code cannot be parsed ({error}). Nothing was written.", step=step
        ) from None


def ensure_uses_module(
    code: str, module_name: str, names: list[str], step: str, *, runner: bool = False
) -> None:
    """Raise GeneratedCodeError when `code` still binds one of the module's names to something else.

    Called on the formatted text: autopep8 turns `f = lambda …` into a def after the rewrite ran. A
    runner shares the module's namespace, so `module_name` is "" for it (no import of them is
    honest).
    """
    ensure_parses(code, step)  # rebindings() sees nothing in text that does not parse
    found = rebindings(code, module_name, names, module_scope_only=runner)
    if found:
        where = ", ".join(rebinding.describe() for rebinding in found[:5])
        part = "runner" if runner else "tests"
        raise GeneratedCodeError(
            f"The generated {part} redefine the module's own names instead of using them: {where};"
            f" they would {'run' if runner else 'test'} that code, not the module's. Nothing was"
            " written; try again.",
            step=step,
        )


async def finish_part(
    text: str,
    code: str,
    module_name: str,
    *,
    step: str,
    format_code: Callable[[str, str], Awaitable[str]],
) -> str:
    """Normalise, parse-check, point at the module's own names, format (``format_code(code,
    step)``), and check nothing is redefined.

    `module_name` "" is the runner: it shares the module's namespace, so the functions'
    definitions and imports are stripped from it instead of imported into it.
    """
    part = formatting.normalize_text(text)
    ensure_parses(part, step)
    names = defined_names(code)
    rewritten = (
        point_imports_at_module(part, module_name, names)
        if module_name
        else strip_definitions_and_imports(part, names)
    )
    part = await format_code(rewritten, step)
    ensure_uses_module(part, module_name, names, step, runner=not module_name)
    return part
