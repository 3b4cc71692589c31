"""config: options per workspace folder, and how each folder's problems are reported."""

from __future__ import annotations

from pathlib import Path

from codegen_lsp.config import (
    FolderOptions,
    ServerOptions,
    checked_folders,
    folder_problems,
    parse_options,
)

ROOT, INNER, OTHER = Path("/work/project"), Path("/work/project/sub"), Path("/work/other")


def options(**settings) -> ServerOptions:
    return parse_options(settings, workspace_trusted=True)[0]


def test_a_file_follows_the_innermost_folder_holding_it():
    root, inner, other = (
        options(testLocation="beside"),
        options(testLocation="testsFolder"),
        options(),
    )
    folders = FolderOptions({ROOT: root, INNER: inner, OTHER: other})
    default = options(keepPromptComment=True)
    assert folders.options_for(ROOT / "a.py", default) is root
    assert folders.options_for(INNER / "deep" / "b.py", default) is inner
    assert folders.options_for(OTHER / "c.py", default) is other
    assert folders.folder_of(INNER / "b.py") == INNER


def test_a_file_outside_every_folder_gets_the_default():
    default = options(keepPromptComment=True)
    folders = FolderOptions({ROOT: options()})
    assert folders.options_for(Path("/elsewhere/x.py"), default) is default
    assert (
        folders.options_for(Path("/work/projectile/x.py"), default) is default
    )  # a prefix, not a parent
    assert folders.options_for(None, default) is default
    assert folders.folder_of(Path("/elsewhere/x.py")) is None


def test_with_one_folder_problems_are_not_labelled():
    assert folder_problems({ROOT: ["codegen.timeout is bad"]}, 1) == ["codegen.timeout is bad"]


def test_with_several_folders_each_problem_names_its_folder_unless_all_have_it():
    problems = folder_problems(
        {ROOT: ["everywhere", "only root"], OTHER: ["everywhere", "only other"]}, 2
    )
    assert problems == ["everywhere", "folder project: only root", "folder other: only other"]


def test_a_problem_of_the_only_configured_folder_of_two_names_it():
    assert folder_problems({OTHER: ["bad"]}, 2) == ["folder other: bad"]


def test_the_pipeline_check_names_the_folder_and_drops_only_that_value():
    good, bad = options(testFramework="pytest"), options(testFramework="nose")
    (default, checked), problems = checked_folders(good, FolderOptions({ROOT: good, OTHER: bad}))
    assert default.pipeline == {"test_framework": "pytest"}
    assert checked.folders[ROOT].pipeline == {"test_framework": "pytest"}
    assert checked.folders[OTHER].pipeline == {}
    [problem] = problems
    assert problem.startswith("folder other: codegen.testFramework:") and problem.endswith(
        "using the default"
    )
