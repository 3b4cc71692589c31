"""Generated code merged into existing files without losing anything already there: imports into
a module's import block, test classes and functions into a test file."""

from __future__ import annotations

import ast
import functools
import re

from ..lines import split_lines
from ..source import parse_or_none
from ..top_level import top_level_imports

_DEFINITIONS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
_ASSIGNMENTS = (ast.Assign, ast.AnnAssign)
_MAIN_GUARD = re.compile(r"^if[ \t]+__name__[ \t]*==[ \t]*['\"]__main__['\"]", re.MULTILINE)
_DOCSTRING_START = re.compile(r"^[rRuUbBfF]{0,2}('''|\"\"\"|'|\")")


class MergeError(ValueError):
    """The existing file cannot take the generated code safely; the message says why."""


def statement_lines(node: ast.stmt) -> tuple[int, int]:
    """[start, end) 0-based lines of a parsed statement, decorators included."""
    decorators = getattr(node, "decorator_list", None)
    first = decorators[0].lineno if decorators else node.lineno
    return first - 1, node.end_lineno or node.lineno


def merge_imports(text: str, statements: list[str], present: frozenset | None = None) -> str:
    """Add the import statements the module lacks to its import block, sorted; never a duplicate.

    `present`: what `text` imports, when the caller knows it (`module_imports`); else it is parsed.
    """
    present = module_imports(text) if present is None else present
    missing = [s for s in statements if not _imported(s) <= present]
    if not missing:
        return text
    lines = split_lines(text)
    newline = newline_of(lines)
    start, end = import_block(lines)
    block = "".join(lines[start:end])
    merged = _sort_imports(block.replace("\r\n", "\n").replace("\r", "\n") + "".join(missing))
    merged = merged.strip("\n") + "\n"
    if newline != "\n":
        merged = merged.replace("\n", newline)
    head, tail = lines[:start], lines[end:]
    if head and not head[-1].endswith(("\n", "\r")):
        head[-1] += newline
    if start == end and tail and tail[0].strip():
        merged += newline * (2 if _starts_definition(tail[0]) else 1)
    if start == end and head and head[-1].strip():
        merged = newline + merged
    return "".join(head) + merged + "".join(tail)


def import_block(lines: list[str]) -> tuple[int, int]:
    """[start, end) of the module's leading import statements; start == end is where one would
    go."""
    header_end = _skip_header(lines)
    start = end = None
    index = _first_import(lines, header_end)
    depth = 0
    while index < len(lines):
        stripped = lines[index].strip()
        if depth > 0 or (end == index and lines[index - 1].rstrip().endswith("\\")):
            depth = max(0, depth + _bracket_depth(stripped))
            index += 1
            end = index
            continue
        if stripped.startswith(("import ", "from ")) and not lines[index][0].isspace():
            start = index if start is None else start
            depth = max(0, _bracket_depth(stripped))
            index += 1
            end = index
            continue
        if not stripped or stripped.startswith("#"):
            index += 1
            continue
        break
    if start is None or end is None:
        return header_end, header_end
    return start, end


def _first_import(lines: list[str], index: int) -> int:
    """The first top-level import line before any definition, else `index` (imports go after the
    header)."""
    for number in range(index, len(lines)):
        line = lines[number]
        if line.startswith(("import ", "from ")):
            return number
        if line.startswith(("def ", "async def ", "class ", "@", "if ")):
            break
    return index


def merge_test_file(existing: str, new_tests: str, *, module_name: str) -> str:
    """The existing test file with the new test classes, functions and assignments appended before
    its ``__main__`` block (a clashing class or function renamed, the very same text left out) and
    imports merged; raises MergeError when either does not parse or an assignment would rebind a
    name the file has."""
    existing_tree = parse_or_none(existing)
    if existing_tree is None:
        raise MergeError(
            f"the existing test file does not parse, so the new tests for {module_name} were not"
            " added; fix its syntax error and try again"
        )
    new_tree = parse_or_none(new_tests)
    if new_tree is None:
        raise MergeError("the generated tests do not parse; nothing was written")
    imports, definitions = _new_parts(existing, existing_tree, new_tests, new_tree)
    if not definitions:
        return existing
    lines = split_lines(existing)
    newline = newline_of(lines)
    guard = _MAIN_GUARD.search(existing)
    head = existing[: guard.start()] if guard else existing
    tail = existing[guard.start() :] if guard else ""
    added = (newline * 3).join(d.replace("\n", newline) for d in definitions)
    merged = head.rstrip() + newline * 3 + added + newline
    if tail:
        merged += newline * 2 + tail
    return merge_imports(merged, imports)


def _new_parts(
    existing: str, existing_tree: ast.Module, new_tests: str, new_tree: ast.Module
) -> tuple[list[str], list[str]]:
    """The new file's imports, and the sources of its definitions and assignments that the
    existing file does not have word for word (clashing names made free)."""
    taken = {name for node in existing_tree.body for name in _bound_names(node)}
    existing_sources = {
        _normalized(ast.get_source_segment(existing, node) or "") for node in existing_tree.body
    }
    new_lines = split_lines(new_tests)
    imports: list[str] = []
    definitions: list[str] = []
    for node in new_tree.body:
        first, end = statement_lines(node)
        source = "".join(new_lines[first:end]).strip("\n")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append(source.strip() + "\n")
        elif isinstance(node, _DEFINITIONS + _ASSIGNMENTS):
            if _normalized(ast.get_source_segment(new_tests, node) or "") in existing_sources:
                continue  # the very same tests (or data) are already there
            definitions.append(_without_clash(node, source, taken))
    return imports, definitions


def _without_clash(node: ast.stmt, source: str, taken: set[str]) -> str:
    """A class or function renamed when the file has its name already; an assignment to a name
    the file has raises MergeError (its own tests read that name too, and would change)."""
    bound = _bound_names(node)
    if isinstance(node, _ASSIGNMENTS):
        clash = sorted(set(bound) & taken)
        if clash:
            raise MergeError(
                f"the new tests set {', '.join(clash)}, which the test file already sets to"
                " something else, so they were not added; rename it in one of them"
            )
        taken.update(bound)
        return source
    [name] = bound
    fresh = _free_name(name, taken)
    taken.add(fresh)
    if fresh == name:
        return source
    return re.sub(rf"\b(class|def)(\s+){re.escape(name)}\b", rf"\1\g<2>{fresh}", source, count=1)


def _bound_names(node: ast.stmt) -> list[str]:
    """The top-level names a class, function or assignment binds; none for other statements."""
    if isinstance(node, _DEFINITIONS):
        return [node.name]
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    else:
        return []
    return [
        name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name)
    ]


def _sort_imports(block: str) -> str:
    try:
        from .formatting import sort_imports
    except ImportError:  # isort missing: keep the order, duplicates were already left out
        return block
    return sort_imports(block)


@functools.lru_cache(maxsize=4)
def module_imports(source: str) -> frozenset[tuple]:
    """What a module imports at top level, from its import statements parsed one by one (never the
    whole module: 4 s of held GIL at 200,000 lines). Cached: a generation composes the same text
    for its test run and again for its edit."""
    return frozenset(_import_keys(top_level_imports(source)))


def _imported(source: str) -> set[tuple]:
    """What a piece of source imports at top level, one key per imported name."""
    tree = parse_or_none(source)
    if tree is None:
        # The module is mid-edit: judge by its import block alone.
        lines = split_lines(source)
        start, end = import_block(lines)
        tree = parse_or_none("".join(lines[start:end]))
        if tree is None:
            return set()
    return _import_keys(tree.body)


def _import_keys(statements: list) -> set[tuple]:
    keys: set[tuple] = set()
    for node in statements:
        if isinstance(node, ast.Import):
            keys.update(("import", alias.name, alias.asname) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            keys.update(
                ("from", node.level, node.module, alias.name, alias.asname) for alias in node.names
            )
    return keys


def _skip_header(lines: list[str]) -> int:
    """The first line after the shebang, leading comments and the module docstring."""
    index = 0
    while index < len(lines) and (
        not lines[index].strip() or lines[index].lstrip().startswith("#")
    ):
        index += 1
    if index < len(lines):
        match = _DOCSTRING_START.match(lines[index])
        if match:
            quote = match.group(1)
            rest = lines[index][match.end() :]
            if quote in rest or len(quote) == 1:
                return index + 1
            index += 1
            while index < len(lines) and quote not in lines[index]:
                index += 1
            return min(index + 1, len(lines))
    # Leading comments attached to the first statement stay with it; a shebang or coding line stays
    # first.
    while (
        index > 0
        and lines[index - 1].lstrip().startswith("#")
        and not _is_file_directive(lines, index - 1)
    ):
        index -= 1
    return index


def _is_file_directive(lines: list[str], index: int) -> bool:
    return (index == 0 and lines[0].startswith("#!")) or (index <= 1 and "coding" in lines[index])


def _bracket_depth(text: str) -> int:
    code = text.split("#", 1)[0]
    return code.count("(") - code.count(")")


def _starts_definition(line: str) -> bool:
    return line.lstrip().startswith(("def ", "async def ", "class ", "@"))


def newline_of(lines: list[str]) -> str:
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith("\n"):
            return "\n"
        if line.endswith("\r"):
            return "\r"
    return "\n"


def _free_name(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    number = 2
    while f"{name}{number}" in taken:
        number += 1
    return f"{name}{number}"


def _normalized(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())
