"""Editor settings (camelCase, section `codegen`) mapped in one place onto typed server options."""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .constants import TRUST_HOWTO

TEST_LOCATIONS = ("auto", "beside", "testsFolder")
# Settings an untrusted workspace could use to send the user's key and code elsewhere, or to run a
# program (or its own code) on opening; in such a workspace only the user's environment decides
# them.
WORKSPACE_SENSITIVE = (
    "model",
    "base_url",
    "test_python",
    "run_tests_after_generation",
    "allow_unsandboxed_tests",
)


@dataclass(frozen=True)
class ServerOptions:
    """Everything the server can be told by its client; every field has a default.

    `pipeline` holds the editor's values for codegen's `Settings` fields, by field name: `Settings`
    validates them (`checked_pipeline`), so the pipeline's schema is the only one.
    """

    pipeline: Mapping[str, Any] = field(default_factory=dict)
    keep_prompt_comment: bool = False
    test_location: str = "auto"
    run_tests_after_generation: bool | None = None  # None: on in trusted workspaces, off elsewhere
    diagnostics_delay_ms: int = 300
    max_diagnostics: int = 500  # per file; one more diagnostic says how many were left out
    preview_edits: bool = False  # send edits with change annotations that need confirmation
    workspace_trusted: bool = False

    @property
    def runs_tests_after_generation(self) -> bool:
        if self.run_tests_after_generation is None:
            return self.workspace_trusted
        return self.run_tests_after_generation

    @property
    def interpreter(self) -> str | None:
        """The project's interpreter the editor chose (`codegen.interpreter`), if any."""
        return self.pipeline.get("test_python")


@dataclass(frozen=True)
class FolderOptions:
    """Each workspace folder's options: a document follows the innermost folder holding it."""

    folders: Mapping[Path, ServerOptions] = field(default_factory=dict)

    def folder_of(self, path: Path | None) -> Path | None:
        """The innermost workspace folder holding `path`, or None."""
        if path is None:
            return None
        holding = [folder for folder in self.folders if path.is_relative_to(folder)]
        return max(holding, key=lambda folder: len(folder.parts), default=None)

    def options_for(self, path: Path | None, default: ServerOptions) -> ServerOptions:
        """The options of the folder holding `path`; `default` outside every folder."""
        folder = self.folder_of(path)
        return default if folder is None else self.folders[folder]


def _whole_number(low: int, high: int) -> Callable[[Any], int | None]:
    def check(value: Any) -> int | None:
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise ValueError(f"must be a number between {low} and {high}")
        if value != int(value):
            raise ValueError("must be a whole number")
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return int(value)

    return check


def _boolean(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError("must be true or false")


def _one_of(*choices: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is None:
            return None
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(repr(c) for c in choices)}")
        return value

    return check


# camelCase setting name -> codegen Settings field. The VS Code extension mirrors these names.
PIPELINE_SETTINGS: dict[str, str] = {
    "model": "model",
    "baseUrl": "base_url",
    "timeout": "timeout",
    "maxRetries": "max_retries",
    "tracing": "tracing",
    "structuredOutput": "structured_output",
    "maxTokens": "max_tokens",
    "testTimeout": "test_timeout",
    "interpreter": "test_python",
    "allowUnsandboxedTests": "allow_unsandboxed_tests",
    "testFramework": "test_framework",
    "contextTokens": "context_tokens",
    "concurrency": "concurrency",
}
# camelCase setting name -> (ServerOptions field, converter): what only the server uses.
SERVER_SETTINGS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "keepPromptComment": ("keep_prompt_comment", _boolean),
    "testLocation": ("test_location", _one_of(*TEST_LOCATIONS)),
    "runTestsAfterGeneration": ("run_tests_after_generation", _boolean),
    "diagnosticsDelayMs": ("diagnostics_delay_ms", _whole_number(0, 10_000)),
    "maxDiagnostics": ("max_diagnostics", _whole_number(1, 100_000)),
    "previewEdits": ("preview_edits", _boolean),
}
SETTINGS = (*PIPELINE_SETTINGS, *SERVER_SETTINGS)
_EDITOR_NAMES = {field_name: name for name, field_name in PIPELINE_SETTINGS.items()}


def parse_options(
    raw: Any, *, workspace_trusted: bool, from_initialization: bool = False
) -> tuple[ServerOptions, list[str]]:
    """Options from a settings object, and one sentence per setting that was invalid or ignored.

    Invalid values fall back to their defaults; the rest of the settings still apply. The pipeline's
    values are checked by `checked_pipeline` (it imports pydantic, too slow for `initialize`).
    """
    problems: list[str] = []
    settings = _settings_section(raw)
    if raw is not None and settings is None:
        problems.append("codegen settings must be an object; using the defaults")
    if from_initialization and isinstance(raw, Mapping) and "workspaceTrusted" in raw:
        workspace_trusted = _trust_flag(raw["workspaceTrusted"], problems)
    values: dict[str, Any] = {"workspace_trusted": workspace_trusted}
    pipeline: dict[str, Any] = {}
    for name, value in (settings or {}).items():
        field_name, converted = _converted(name, value, problems)
        if converted is None:
            # Unset or invalid: the default (for the pipeline: the environment, then the default)
            continue
        if field_name in WORKSPACE_SENSITIVE and converted is not False and not workspace_trusted:
            problems.append(
                f"codegen.{name} is ignored because this workspace is not trusted; "
                "trust the workspace to use it"
            )
            continue
        (pipeline if name in PIPELINE_SETTINGS else values)[field_name] = converted
    return ServerOptions(pipeline=pipeline, **values), problems


def _trust_flag(value: Any, problems: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    problems.append("workspaceTrusted must be true or false; treating the workspace as untrusted")
    return False


def _converted(name: str, value: Any, problems: list[str]) -> tuple[str, Any]:
    """(field name, value) for one editor setting; the value is None when the setting is unset,
    unknown or invalid (then `problems` says why)."""
    if name == "apiKey":
        problems.append(
            "codegen.apiKey is ignored: keys never come from editor settings. "
            "Set OPENAI_API_KEY in your environment (or a .env file in a trusted workspace)."
        )
        return name, None
    if name in PIPELINE_SETTINGS:
        return PIPELINE_SETTINGS[name], _unset_when_blank(value)
    if name not in SERVER_SETTINGS:
        return name, None
    field_name, convert = SERVER_SETTINGS[name]
    try:
        return field_name, convert(value)
    except ValueError as error:
        problems.append(f"codegen.{name} {error}; using the default")
        return field_name, None


def _unset_when_blank(value: Any) -> Any:
    """An editor clears a setting by sending an empty string or null: both mean unset."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def checked_pipeline(options: ServerOptions) -> tuple[ServerOptions, list[str]]:
    """The options without the pipeline values `Settings` rejects (their defaults apply), and why
    each was.

    Imports pydantic: call it off the event loop, after `initialize` has been answered.
    """
    from codegen.settings import check_fields

    valid, rejected = check_fields(options.pipeline)
    problems = [
        f"codegen.{_EDITOR_NAMES[name]}: {why}; using the default" for name, why in rejected.items()
    ]
    return dataclasses.replace(options, pipeline=valid), problems


def checked_folders(
    default: ServerOptions, folders: FolderOptions
) -> tuple[tuple[ServerOptions, FolderOptions], list[str]]:
    """`checked_pipeline` for the default options and each folder's (each distinct one once), and
    the problems, each named by its folder where there are several."""
    done: dict[int, tuple[ServerOptions, list[str]]] = {}

    def check(options: ServerOptions) -> tuple[ServerOptions, list[str]]:
        if id(options) not in done:
            done[id(options)] = checked_pipeline(options)
        return done[id(options)]

    by_folder = {path: check(options) for path, options in folders.folders.items()}
    problems = folder_problems(
        {path: found for path, (_, found) in by_folder.items()}, len(by_folder)
    )
    if id(default) not in done:  # no folder has the root folder's options
        problems = check(default)[1] + problems
    checked = FolderOptions({path: options for path, (options, _) in by_folder.items()})
    return (check(default)[0], checked), problems


def folder_problems(problems: Mapping[Path, list[str]], folder_count: int) -> list[str]:
    """The folders' problems as one list: with several folders, each problem names its folder,
    unless every folder has it (a user or initialization setting, then said once)."""
    if folder_count <= 1:
        return [problem for found in problems.values() for problem in found]
    lists = list(problems.values())
    everywhere = [
        problem
        for problem in (lists[0] if len(lists) == folder_count else [])
        if all(problem in found for found in lists)
    ]
    return everywhere + [
        f"folder {path.name}: {problem}"
        for path, found in problems.items()
        for problem in found
        if problem not in everywhere
    ]


def merge_settings(initial: Any, configured: Any) -> Any:
    """workspace/configuration values over the initialization options (which may also carry the
    trust flag)."""
    base, top = _settings_section(initial), _settings_section(configured)
    if base is None or top is None or not isinstance(configured, Mapping):
        return configured
    return {**{k: v for k, v in base.items() if k != "workspaceTrusted"}, **top}


def _settings_section(raw: Any) -> Mapping[str, Any] | None:
    """The settings object, whether sent flat or under `codegen` / `settings`."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        return None
    for key in ("codegen", "settings"):
        if isinstance(raw.get(key), Mapping):
            return raw[key]
    return raw


def codegen_settings(
    options: ServerOptions, root: Path | None, environ: Mapping[str, str] | None = None
):
    """The pipeline's Settings for these options; raises codegen's ConfigurationError when invalid.

    A workspace `.env` is read only in a trusted workspace: an untrusted one could otherwise send
    the user's key, and their code, to a host of its choosing. Tests run after a generation only
    where `tests_refused` lets them.
    """
    from codegen.settings import load_settings  # pydantic: only when a generation needs it

    env_file = root / ".env" if options.workspace_trusted and root is not None else None
    options, _ = checked_pipeline(options)
    overrides = {**options.pipeline, "run_tests": tests_refused(options) is None}
    return load_settings(
        overrides,
        env_file=env_file,
        environ=os.environ if environ is None else environ,
        env_file_trusted=True,  # read only in a workspace the user trusted
    )


def tests_refused(options: ServerOptions) -> str | None:
    """Why tests must not run after a generation, or None when they may."""
    if not options.workspace_trusted:
        return f"this workspace is not trusted, and running them runs its code. {TRUST_HOWTO}"
    if not options.runs_tests_after_generation:
        return "codegen.runTestsAfterGeneration is off; run them with the codegen.runTests command"
    return None
