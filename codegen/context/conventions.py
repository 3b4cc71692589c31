"""The project's test conventions, within a budget: fixtures, imports, base classes and set-up,
helpers and test names from the module's test file and the conftest.py files above it."""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..source import parse_or_none
from . import stubs
from .budget import CHARS_PER_TOKEN, Context, ContextPiece, approximate_tokens

# A test file or conftest.py longer than this is left out: parsing it would cost more than it tells.
MAX_SOURCE_CHARS = 1_000_000
# Candidates found too big before the rest are left out.
MAX_MISSES = 20
# Existing test names shown, to show how tests are named.
TEST_NAMES = 12
# Rank of each kind of piece: fixtures and imports first, naming last.
_RANKS = {"fixture": 0, "imports": 1, "base class": 2, "test class": 3, "helper": 4, "tests": 5}
_ORDER_STRIDE = 10_000_000  # pieces of file i are ordered from i * stride, by line
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class TestSource:
    """A test file or conftest.py: how it is named to the model, and its text."""

    __test__ = False  # not a pytest test class, despite the name

    label: str  # e.g. "tests/conftest.py"
    text: str


def _is_fixture(node: ast.stmt) -> bool:
    return isinstance(node, _FUNCTIONS) and any(
        "fixture" in ast.unparse(decorator) for decorator in node.decorator_list
    )


def fixture_names(text: str) -> set[str]:
    """The pytest fixtures a conftest.py defines at top level (none when it does not parse)."""
    tree = parse_or_none(text) if "\x00" not in text else None
    return {node.name for node in tree.body if _is_fixture(node)} if tree else set()  # type: ignore[attr-defined]


def _is_test_name(name: str) -> bool:
    return name.startswith(("test", "Test"))


def _candidates(tree: ast.Module, base: int) -> Iterator[tuple[int, ContextPiece]]:
    """(rank, piece) for everything in one file worth showing."""
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    if imports:
        text = "\n".join(ast.unparse(node) for node in imports)
        yield _RANKS["imports"], ContextPiece("imports", "imports", text, base + imports[0].lineno)
    names: list[str] = []
    test_class_shown = False
    for node in tree.body:
        order = base + node.lineno
        if _is_fixture(node):
            stub = stubs.render(stubs.function_stub(node))  # type: ignore[arg-type]
            yield _RANKS["fixture"], ContextPiece("fixture", node.name, stub, order)  # type: ignore[attr-defined]
        elif isinstance(node, _FUNCTIONS) and not _is_test_name(node.name):
            stub = stubs.render(stubs.function_stub(node))
            yield _RANKS["helper"], ContextPiece("helper", node.name, stub, order)
        elif isinstance(node, ast.ClassDef) and not _is_test_name(node.name):
            text, _ = stubs.fitted_class(node, 1200)
            yield _RANKS["base class"], ContextPiece("base class", node.name, text, order)
        elif isinstance(node, ast.ClassDef) and not test_class_shown:
            test_class_shown = True  # one test class shows the set-up and the naming of methods
            text, _ = stubs.fitted_class(node, 800)
            yield _RANKS["test class"], ContextPiece("test class", node.name, text, order)
        if isinstance(node, (*_FUNCTIONS, ast.ClassDef)) and _is_test_name(node.name):
            names.append(node.name)
    if names:
        shown = ", ".join(names[:TEST_NAMES]) + (" …" if len(names) > TEST_NAMES else "")
        yield (
            _RANKS["tests"],
            ContextPiece("tests", "test names", f"# tests here: {shown}", base + 9_999_999),
        )


def _readable(source: TestSource, context: Context) -> ast.Module | None:
    """The file's tree, or None with a note saying why it is left out."""
    if "\x00" in source.text:
        context.note(f"{source.label} is not text; left out.")
        return None
    if len(source.text) > MAX_SOURCE_CHARS:
        context.note(
            f"{source.label} is too large to read ({len(source.text):,} characters); left out."
        )
        return None
    tree = parse_or_none(source.text)
    if tree is None:
        context.note(f"{source.label} does not parse; left out.")
    return tree


def conventions_context(sources: Sequence[TestSource], budget_tokens: int) -> Context:
    """What the new tests should follow, from `sources` (conftest.py files, then the test file),
    chosen by rank within `budget_tokens`, shown file by file."""
    headers = [f"# --- {source.label} ---" for source in sources]
    reserved = sum(approximate_tokens(header + "\n\n") for header in headers)
    context = Context(budget_tokens - reserved)
    if budget_tokens <= 0 or context.budget_tokens <= 0:
        return Context(max(0, budget_tokens))
    ranked: list[tuple[int, int, ContextPiece]] = []
    for index, source in enumerate(sources):
        tree = _readable(source, context)
        if tree is not None:
            base = (index + 1) * _ORDER_STRIDE
            ranked.extend((rank, piece.order, piece) for rank, piece in _candidates(tree, base))
    ranked.sort(key=lambda entry: entry[:2])
    misses = 0
    for _, _, piece in ranked:
        if misses >= MAX_MISSES or len(piece.text) > context.room * CHARS_PER_TOKEN:
            context.left_out += 1
            misses += 1
            continue
        context.add(piece)
    used = {piece.order // _ORDER_STRIDE for piece in context.pieces}
    context.budget_tokens = budget_tokens
    for index, header in enumerate(headers):
        if index + 1 in used:
            context.add_always(
                ContextPiece("file", sources[index].label, header, (index + 1) * _ORDER_STRIDE)
            )
    return context


def read_bounded(path: Path) -> str | None:
    """A file's text, or None when it is missing, unreadable, not UTF-8 or too large."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SOURCE_CHARS + 1)
    except OSError:
        return None
    if len(data) > MAX_SOURCE_CHARS:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def convention_sources(
    module_path: Path,
    project_dir: Path | None,
    test_text: str | None,
    read: Callable[[Path], str | None] = read_bounded,
) -> list[TestSource]:
    """The conftest.py files from the project folder down to the module's folder (and its tests/),
    then the module's test file, else the nearest `test_*.py`; read through `read` (the server
    passes its open documents' reader in an untrusted workspace)."""
    folder = module_path.parent
    root = project_dir if project_dir is not None and folder.is_relative_to(project_dir) else folder
    found: list[TestSource] = []
    for path in _conftest_paths(folder, root):
        text = read(path)
        if text is not None:
            found.append(TestSource(_label(path, root), text))
    if test_text is not None:
        found.append(TestSource(f"test_{module_path.stem}.py", test_text))
        return found
    for path in _nearby_test_files(folder, root):
        text = read(path)
        if text is not None:
            found.append(TestSource(_label(path, root), text))
            break
    return found


def _label(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name


def _conftest_paths(folder: Path, root: Path) -> list[Path]:
    """conftest.py in the root down to the module's folder, and in a tests/ folder beside it."""
    chain = [folder, *folder.parents]
    within = chain[: chain.index(root) + 1] if root in chain else [folder]
    paths = [directory / "conftest.py" for directory in reversed(within)]
    paths += [directory / "tests" / "conftest.py" for directory in dict.fromkeys((root, folder))]
    return list(dict.fromkeys(path for path in paths if path.is_file()))


def _nearby_test_files(folder: Path, root: Path, limit: int = 2000) -> Iterator[Path]:
    """`test_*.py` files beside the module, then in tests/ folders, by name; at most `limit`
    directory entries looked at per folder."""
    for directory in dict.fromkeys((folder, folder / "tests", root / "tests", root)):
        try:
            with os.scandir(directory) as entries:
                names = []
                for count, entry in enumerate(entries):
                    if count >= limit:
                        break
                    if entry.name.startswith("test_") and entry.name.endswith(".py"):
                        names.append(entry.name)
        except OSError:
            continue
        yield from (directory / name for name in sorted(names))
