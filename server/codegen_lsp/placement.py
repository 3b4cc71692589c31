"""Where a module's test file lives: beside the module, or in the workspace's tests/ folder."""

from __future__ import annotations

from pathlib import Path


def module_name(module_path: Path) -> str:
    return module_path.stem


def is_test_file(path: Path) -> bool:
    return path.name.startswith("test_") or path.name.endswith("_test.py")


def test_file_path(module_path: Path, root: Path | None, location: str) -> Path:
    """`test_<module>.py` beside the module, or under `<root>/tests/` (location "auto" picks by
    whether it exists)."""
    name = f"test_{module_name(module_path)}.py"
    folder = (root or module_path.parent) / "tests"
    if location == "testsFolder" or (location == "auto" and folder.is_dir()):
        return folder / name
    return module_path.parent / name


def existing_test_file(module_path: Path, root: Path | None, location: str) -> Path | None:
    """The module's test file that exists on disk, looking where `location` says first."""
    candidates = [test_file_path(module_path, root, location)]
    for other in ("beside", "testsFolder"):
        path = test_file_path(module_path, root, other)
        if path not in candidates:
            candidates.append(path)
    return next((path for path in candidates if path.is_file()), None)


# pytest would collect these helpers as tests when a test module imports them by name.
test_file_path.__test__ = False  # type: ignore[attr-defined]
