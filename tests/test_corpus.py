"""The formatter and the import rewriter over real unittest files nobody here wrote: the
interpreter's own.

Each stdlib test file `test_X.py` is read in place, its imports of `X` renamed to a placeholder
(`your_module`) as a model would write them, and run through the pipeline's test-file steps with `X`
as the module. It must still parse, still bind every name it uses, and still import what it
imported, from `X` where it named the placeholder.

Only files of up to 300 lines: autopep8 alone takes over a minute on test_ast.py, and the whole
paired suite (224,000 lines) several minutes; the 48 short files take about 12 s.
"""

from __future__ import annotations

import ast
import builtins
import symtable
from pathlib import Path

import pytest

from codegen.shaping.formatting import normalize_text, tidy
from codegen.shaping.imports import defined_names, point_imports_at_module
from codegen.source import parse_or_none
from tests.helpers.stdlib import STDLIB_TESTS, own_test_file, read, stdlib_modules

MAX_LINES = 300
PLACEHOLDER = "your_module"


def corpus() -> list[tuple[str, str, str]]:
    """(module name, module source, test file path) for each short stdlib test file of a stdlib
    module."""
    found = []
    for module in stdlib_modules():
        tests = own_test_file(module)
        if tests is None or tests.name == "__init__.py":
            continue
        if len(read(tests).splitlines()) <= MAX_LINES:
            found.append((module.stem, read(module), str(tests)))
    return found


CORPUS = corpus()


def test_the_corpus_is_there():
    # CI's interpreter ships its test suite; one that does not fails here, saying so, instead of
    # passing with nothing parametrized below.
    assert STDLIB_TESTS.is_dir(), f"{STDLIB_TESTS} is missing: this interpreter ships no test suite"
    assert len(CORPUS) >= 40


def with_placeholder(source: str, module_name: str) -> str:
    """`from X import a` -> `from your_module import a`, `import X` -> `import your_module as X`."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    edits = []
    for node in ast.walk(tree):
        replacement = None
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == module_name:
            replacement = ast.unparse(ast.ImportFrom(PLACEHOLDER, node.names, 0))
        elif isinstance(node, ast.Import) and any(
            alias.name == module_name for alias in node.names
        ):
            replacement = ast.unparse(
                ast.Import(
                    [
                        ast.alias(PLACEHOLDER, alias.asname or module_name)
                        if alias.name == module_name
                        else alias
                        for alias in node.names
                    ]
                )
            )
        if replacement is not None:
            start = starts[node.lineno - 1] + len(
                lines[node.lineno - 1].encode()[: node.col_offset].decode()
            )
            end_line = lines[node.end_lineno - 1]
            end = starts[node.end_lineno - 1] + len(
                end_line.encode()[: node.end_col_offset].decode()
            )
            edits.append((start, end, replacement))
    for start, end, replacement in sorted(edits, reverse=True):
        source = source[:start] + replacement + source[end:]
    return source


def pipeline_steps(tests: str, module_name: str, names: list[str]) -> str:
    """What the pipeline does to a test file, in its order (see
    CodeGenerationPipeline._finish_tests)."""
    rewritten = point_imports_at_module(normalize_text(tests), module_name, names)
    return tidy(rewritten)


def unbound_globals(source: str) -> set[str]:
    """Names used as globals somewhere that nothing at module level binds (nor a builtin)."""
    top = symtable.symtable(source, "<corpus>", "exec")
    used: set[str] = set()
    bound: set[str] = set()

    def visit(table: symtable.SymbolTable) -> None:
        for symbol in table.get_symbols():
            name = symbol.get_name()
            if table is top:
                if symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace():
                    bound.add(name)
                if symbol.is_referenced():
                    used.add(name)
            elif symbol.is_global():
                if symbol.is_referenced():
                    used.add(name)
                if symbol.is_declared_global() and symbol.is_assigned():
                    bound.add(name)
        for child in table.get_children():
            visit(child)

    visit(top)
    return used - bound - set(dir(builtins))


def imports(source: str) -> set[tuple[str, str, str | None]]:
    """(bound name, module, imported name or None for a module) for every import in the file."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found.add((alias.asname, alias.name, None))
                else:  # `import a.b` binds `a`
                    found.add((alias.name.split(".")[0], alias.name.split(".")[0], None))
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                found.add((alias.asname or alias.name, module, alias.name))
    return found


def expected_import(entry: tuple[str, str, str | None], module_name: str, names: set[str]):
    """Where an import of the original file must point after the rewrite (DESIGN.md, pipeline step
    4)."""
    bound, module, imported = entry
    if module.startswith(
        "."
    ):  # a relative import: the generated test has no package, so it is the module
        if module.strip(".") or imported in names or imported == "*":
            return (bound, module_name, imported)
        return (bound, module_name, None)  # `from . import x`: x is the module
    if imported is not None and imported in names:  # a name the module defines is the module's
        return (bound, module_name, imported)
    return entry


def used_names(source: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}


@pytest.mark.parametrize(
    "module_name, module_source, test_path",
    CORPUS,
    ids=[entry[2].rpartition("/")[2] for entry in CORPUS],
)
def test_a_real_test_file_survives_the_pipeline(module_name, module_source, test_path):
    original = read(Path(test_path))
    names = defined_names(module_source)
    result = pipeline_steps(with_placeholder(original, module_name), module_name, names)

    assert parse_or_none(result) is not None
    assert PLACEHOLDER not in {module for _, module, _ in imports(result)}
    newly_unbound = unbound_globals(result) - unbound_globals(original)
    assert newly_unbound == set(), f"names no longer bound: {sorted(newly_unbound)}"
    used = used_names(original)
    missing = {
        expected_import(entry, module_name, set(names))
        for entry in imports(original)
        if entry[0] in used or entry[2] == "*"
    } - imports(result)
    assert missing == set(), f"imports lost or pointed elsewhere: {sorted(missing, key=str)}"
