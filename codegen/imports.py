"""Make generated tests and runners import the real module instead of placeholders or pasted copies."""

from __future__ import annotations

import ast
import sys

from .quality import parse_or_none

# Module names models invent when they are not told (or forget) where the code lives.
PLACEHOLDER_MODULES = frozenset(
    {
        "your_module", "yourmodule", "my_module", "mymodule", "module", "solution", "solutions", "main",
        "code", "functions", "function", "implementation", "source", "src", "app", "program", "script",
        "module_name", "your_module_name", "your_file", "your_script", "generated_code", "generated",
    }
)


def defined_names(code: str) -> list[str]:
    """Top-level functions and classes of a module, in order."""
    tree = parse_or_none(code)
    if tree is None:
        return []
    return [
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]


def _is_placeholder(module: str | None, module_name: str) -> bool:
    if not module or module == module_name:
        return False
    root = module.split(".")[0]
    return root in PLACEHOLDER_MODULES and root not in sys.stdlib_module_names


def point_imports_at_module(source: str, module_name: str, names: list[str], *, import_names: bool = True) -> str:
    """Rewrite `source` so that it uses `names` from `module_name`.

    - `from your_module import f` (a placeholder, or any module, for names the code defines) is removed;
    - `import your_module` becomes `import <module_name> as your_module`;
    - top-level copies of the functions/classes (a pasted implementation) are removed;
    - with `import_names`, one `from <module_name> import …` is added for the names the source uses.
    Source that does not parse is returned unchanged (the caller reports it).
    """
    tree = parse_or_none(source)
    if tree is None:
        return source
    wanted = set(names)
    lines = source.splitlines(keepends=True)
    replacements: dict[int, tuple[int, str]] = {}  # first line index -> (last line index, new text)
    already_imported: set[str] = set()
    last_import_end = 0

    for node in tree.body:
        first = (node.decorator_list[0].lineno if getattr(node, "decorator_list", None) else node.lineno) - 1
        last = node.end_lineno - 1
        if isinstance(node, ast.ImportFrom):
            last_import_end = last + 1
            imported = {alias.name for alias in node.names}
            if node.module == module_name and node.level == 0:
                already_imported |= imported
            elif _is_placeholder(node.module, module_name) or (imported and imported <= wanted):
                kept = [a for a in node.names if a.name not in wanted and not _is_placeholder(node.module, module_name)]
                text = ""
                if kept:
                    text = f"from {node.module} import {', '.join(_alias(a) for a in kept)}\n"
                replacements[first] = (last, text)
        elif isinstance(node, ast.Import):
            last_import_end = last + 1
            parts = []
            changed = False
            for alias in node.names:
                if _is_placeholder(alias.name, module_name):
                    parts.append(f"import {module_name} as {alias.asname or alias.name}")
                    changed = True
                else:
                    parts.append(f"import {_alias(alias)}")
            if changed:
                indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
                replacements[first] = (last, "".join(f"{indent}{p}\n" for p in parts))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in wanted:
            replacements[first] = (last, "")

    used = _used_names(tree) & wanted
    missing = [name for name in names if name in used and name not in already_imported]
    output: list[str] = []
    index = 0
    inserted = not (import_names and missing)
    while index < len(lines):
        if not inserted and index == last_import_end:
            output.append(f"from {module_name} import {', '.join(missing)}\n")
            inserted = True
        if index in replacements:
            last, text = replacements[index]
            output.append(text)
            index = last + 1
            continue
        output.append(lines[index])
        index += 1
    if not inserted:
        if output and not output[-1].endswith("\n"):
            output[-1] += "\n"
        output.append(f"from {module_name} import {', '.join(missing)}\n")
    return "".join(output)


def _alias(alias: ast.alias) -> str:
    return f"{alias.name} as {alias.asname}" if alias.asname else alias.name


def _used_names(tree: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def strip_definitions_and_imports(runner: str, names: list[str]) -> str:
    """A runner calls the module's functions; drop pasted copies and imports of them."""
    return point_imports_at_module(runner, "__main__", names, import_names=False)
