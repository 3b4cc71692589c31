"""Editor settings (camelCase, section `codegen`) mapped in one place onto typed server options."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args, get_type_hints

from .constants import TRUST_HOWTO

if TYPE_CHECKING:  # pydantic: imported only when a changed setting is checked
    from pydantic import BaseModel

TestLocation = Literal["auto", "beside", "testsFolder"]
TEST_LOCATIONS: tuple[str, ...] = get_args(TestLocation)
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

    The fields from `keep_prompt_comment` to `preview_edits` are the server's own editor settings,
    and their annotations, defaults and bounds (`field` metadata, pydantic's `Field` arguments) are
    their schema: `editor_schema` makes the pydantic model of it, which validates them. A plain
    dataclass, so that starting the server imports no pydantic. `pipeline` holds the editor's
    values for codegen's `Settings` fields, by field name: `Settings` validates them
    (`checked_pipeline`), so the pipeline's schema is the only one.
    """

    pipeline: Mapping[str, Any] = field(default_factory=dict)
    keep_prompt_comment: bool = False
    test_location: TestLocation = "auto"
    run_tests_after_generation: bool | None = None  # None: on in trusted workspaces, off elsewhere
    diagnostics_delay_ms: int = field(default=300, metadata={"ge": 0, "le": 10_000})
    # per file; one more diagnostic says how many were left out
    max_diagnostics: int = field(default=500, metadata={"ge": 1, "le": 100_000})
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
    "mutation": "mutation",
    "contextTokens": "context_tokens",
    "concurrency": "concurrency",
}
# camelCase setting name -> ServerOptions field: what only the server uses. The names are the
# aliases of `editor_schema` (pydantic's `to_camel`), spelled out so that `initialize` needs no
# pydantic; tests/test_vscode_settings.py holds them to the schema.
SERVER_SETTINGS: dict[str, str] = {
    "keepPromptComment": "keep_prompt_comment",
    "testLocation": "test_location",
    "runTestsAfterGeneration": "run_tests_after_generation",
    "diagnosticsDelayMs": "diagnostics_delay_ms",
    "maxDiagnostics": "max_diagnostics",
    "previewEdits": "preview_edits",
}
SETTINGS = (*PIPELINE_SETTINGS, *SERVER_SETTINGS)
_EDITOR_NAMES = {
    field_name: name for name, field_name in {**PIPELINE_SETTINGS, **SERVER_SETTINGS}.items()
}


@functools.cache
def editor_schema() -> type[BaseModel]:
    """The server's own editor settings as a pydantic model (camelCase aliases, strict: the values
    arrive typed, as JSON), built from `ServerOptions`' fields so that they are the one schema."""
    from pydantic import ConfigDict, Field, create_model
    from pydantic.alias_generators import to_camel

    hints = get_type_hints(ServerOptions)
    fields: dict[str, Any] = {
        option.name: (hints[option.name], Field(option.default, **option.metadata))
        for option in dataclasses.fields(ServerOptions)
        if option.name in SERVER_SETTINGS.values()
    }
    config = ConfigDict(alias_generator=to_camel, populate_by_name=True, strict=True)
    return create_model("EditorOptions", __config__=config, **fields)


def parse_options(
    raw: Any, *, workspace_trusted: bool, from_initialization: bool = False
) -> tuple[ServerOptions, list[str]]:
    """Options from a settings object, and one sentence per setting that was invalid or ignored.

    Invalid values fall back to their defaults; the rest of the settings still apply. The pipeline's
    values are checked by `checked_pipeline` (it imports codegen's settings and pydantic, too slow
    for `initialize`); the server's own at once, by `editor_schema`.
    """
    problems: list[str] = []
    settings = _settings_section(raw)
    if raw is not None and settings is None:
        problems.append("codegen settings must be an object; using the defaults")
    if from_initialization and isinstance(raw, Mapping) and "workspaceTrusted" in raw:
        workspace_trusted = _trust_flag(raw["workspaceTrusted"], problems)
    values: dict[str, Any] = {"workspace_trusted": workspace_trusted}
    pipeline: dict[str, Any] = {}
    server: dict[str, Any] = {}
    for name, value in (settings or {}).items():
        field_name, converted = _converted(name, value, problems)
        if converted is None:
            # Unset or unknown: the default (for the pipeline: the environment, then the default)
            continue
        if field_name in WORKSPACE_SENSITIVE and converted is not False and not workspace_trusted:
            problems.append(
                f"codegen.{name} is ignored because this workspace is not trusted; "
                "trust the workspace to use it"
            )
            continue
        (pipeline if name in PIPELINE_SETTINGS else server)[field_name] = converted
    values.update(_checked_server_settings(server, problems))
    return ServerOptions(pipeline=pipeline, **values), problems


def _checked_server_settings(values: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """The server settings `editor_schema` accepts; `problems` says why each other was not.

    A value that is its default needs no check: editors send every setting, mostly unchanged, and
    so `initialize` imports pydantic (~50 ms) only for a setting someone changed.
    """
    defaults = {option.name: option.default for option in dataclasses.fields(ServerOptions)}
    changed = {
        name: value
        for name, value in values.items()
        if not (value == defaults[name] and type(value) is type(defaults[name]))
    }
    if not changed:
        return {}
    from codegen.field_checks import check_model_fields  # pydantic only, not codegen's settings

    valid, rejected = check_model_fields(changed, editor_schema())
    problems.extend(_rejections(rejected))
    return valid


def _rejections(rejected: Mapping[str, str]) -> list[str]:
    """One sentence per rejected value (field name -> why), naming the editor's setting."""
    return [
        f"codegen.{_EDITOR_NAMES[name]}: {why}; using the default" for name, why in rejected.items()
    ]


def _trust_flag(value: Any, problems: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    problems.append("workspaceTrusted must be true or false; treating the workspace as untrusted")
    return False


def _converted(name: str, value: Any, problems: list[str]) -> tuple[str, Any]:
    """(field name, value) for one editor setting, unchecked; the value is None when the setting is
    unset or unknown (or `apiKey`: then `problems` says why)."""
    if name == "apiKey":
        problems.append(
            "codegen.apiKey is ignored: keys never come from editor settings. "
            "Set OPENAI_API_KEY in your environment (or a .env file in a trusted workspace)."
        )
        return name, None
    if name in PIPELINE_SETTINGS:
        return PIPELINE_SETTINGS[name], _unset_when_blank(value)
    return SERVER_SETTINGS.get(name, name), (value if name in SERVER_SETTINGS else None)


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
    return dataclasses.replace(options, pipeline=valid), _rejections(rejected)


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
