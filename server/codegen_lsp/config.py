"""Editor settings (camelCase, section `codegen`) converted in one place into typed server options."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEST_LOCATIONS = ("auto", "beside", "testsFolder")
TRACING_MODES = ("auto", "local", "wandb", "off")
STRUCTURED_OUTPUT_MODES = ("auto", "json_schema", "json_object", "text")
TEST_FRAMEWORKS = ("auto", "unittest", "pytest")
# Settings an untrusted workspace could use to send the user's key and code elsewhere, or to run a
# program (or its own code) on opening; in such a workspace only the user's environment decides them.
WORKSPACE_SENSITIVE = ("model", "base_url", "interpreter", "run_tests_after_generation", "allow_unsandboxed_tests")


@dataclass(frozen=True)
class ServerOptions:
    """Everything the server can be told by its client; every field has a default."""

    model: str | None = None
    base_url: str | None = None
    timeout: float | None = None
    max_retries: int | None = None
    tracing: str | None = None
    structured_output: str | None = None
    max_tokens: int | None = None
    keep_prompt_comment: bool = False
    test_location: str = "auto"
    run_tests_after_generation: bool | None = None  # None: on in trusted workspaces, off elsewhere
    test_timeout: float = 30.0
    interpreter: str | None = None
    diagnostics_delay_ms: int = 300
    max_diagnostics: int = 500  # per file; one more diagnostic says how many were left out
    allow_unsandboxed_tests: bool = False  # run tests even where the machine has no sandbox for them
    preview_edits: bool = False  # send edits with change annotations that need confirmation
    test_framework: str = "auto"  # auto: pytest where the project is set up for it
    workspace_trusted: bool = False

    @property
    def runs_tests_after_generation(self) -> bool:
        if self.run_tests_after_generation is None:
            return self.workspace_trusted
        return self.run_tests_after_generation


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value.strip()


def _base_url(value: Any) -> str | None:
    url = _text(value)
    if url is not None and not url.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https:// (for example http://localhost:11434/v1)")
    return url


def _number(low: float, high: float, kind: type = float) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"must be a number between {low:g} and {high:g}")
        if kind is int and value != int(value):
            raise ValueError("must be a whole number")
        if not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")
        return kind(value)

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


# camelCase setting name -> (field name, converter). The VS Code extension mirrors these names.
SETTINGS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "model": ("model", _text),
    "baseUrl": ("base_url", _base_url),
    "timeout": ("timeout", _number(0.001, 3600)),
    "maxRetries": ("max_retries", _number(0, 10, int)),
    "tracing": ("tracing", _one_of(*TRACING_MODES)),
    "structuredOutput": ("structured_output", _one_of(*STRUCTURED_OUTPUT_MODES)),
    "maxTokens": ("max_tokens", _number(1, 1_000_000, int)),
    "keepPromptComment": ("keep_prompt_comment", _boolean),
    "testLocation": ("test_location", _one_of(*TEST_LOCATIONS)),
    "runTestsAfterGeneration": ("run_tests_after_generation", _boolean),
    "testTimeout": ("test_timeout", _number(0.1, 3600)),
    "interpreter": ("interpreter", _text),
    "diagnosticsDelayMs": ("diagnostics_delay_ms", _number(0, 10_000, int)),
    "maxDiagnostics": ("max_diagnostics", _number(1, 100_000, int)),
    "allowUnsandboxedTests": ("allow_unsandboxed_tests", _boolean),
    "previewEdits": ("preview_edits", _boolean),
    "testFramework": ("test_framework", _one_of(*TEST_FRAMEWORKS)),
}
# Fields whose None means "the default" rather than "unset".
_DEFAULT_WHEN_NONE = {"keep_prompt_comment", "test_location", "test_timeout", "diagnostics_delay_ms", "max_diagnostics",
                      "allow_unsandboxed_tests", "preview_edits", "test_framework"}


def parse_options(
    raw: Any, *, workspace_trusted: bool, from_initialization: bool = False
) -> tuple[ServerOptions, list[str]]:
    """Options from a settings object, and one sentence per setting that was invalid or ignored.

    Invalid values fall back to their defaults; the rest of the settings still apply.
    """
    problems: list[str] = []
    settings = _settings_section(raw)
    if raw is not None and settings is None:
        problems.append("codegen settings must be an object; using the defaults")
        settings = {}
    if from_initialization and isinstance(raw, Mapping) and "workspaceTrusted" in raw:
        trusted = raw["workspaceTrusted"]
        if isinstance(trusted, bool):
            workspace_trusted = trusted
        else:
            problems.append("workspaceTrusted must be true or false; treating the workspace as untrusted")
            workspace_trusted = False
    values: dict[str, Any] = {"workspace_trusted": workspace_trusted}
    for name, value in (settings or {}).items():
        if name == "apiKey":
            problems.append(
                "codegen.apiKey is ignored: keys never come from editor settings. "
                "Set OPENAI_API_KEY in your environment (or a .env file in a trusted workspace)."
            )
            continue
        if name not in SETTINGS:
            continue
        field, convert = SETTINGS[name]
        try:
            converted = convert(value)
        except ValueError as error:
            problems.append(f"codegen.{name} {error}; using the default")
            continue
        if converted is None and field in _DEFAULT_WHEN_NONE:
            continue
        if field in WORKSPACE_SENSITIVE and converted not in (None, False) and not workspace_trusted:
            problems.append(
                f"codegen.{name} is ignored because this workspace is not trusted; "
                "trust the workspace to use it"
            )
            continue
        values[field] = converted
    return ServerOptions(**values), problems


def merge_settings(initial: Any, configured: Any) -> Any:
    """workspace/configuration values over the initialization options (which may also carry the trust flag)."""
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


def codegen_settings(options: ServerOptions, root: Path | None, environ: Mapping[str, str] | None = None):
    """The pipeline's Settings for these options; raises codegen's ConfigurationError when invalid.

    A workspace `.env` is read only in a trusted workspace: an untrusted one could otherwise send the
    user's key, and their code, to a host of its choosing.
    """
    from codegen.settings import load_settings  # pydantic: only when a generation needs it
    from codegen.execution.frameworks import resolve_framework

    env_file = root / ".env" if options.workspace_trusted and root is not None else None
    overrides = {
        "model": options.model,
        "base_url": options.base_url,
        "timeout": options.timeout,
        "max_retries": options.max_retries,
        "tracing": options.tracing,
        "structured_output": options.structured_output,
        "max_tokens": options.max_tokens,
        "test_timeout": options.test_timeout,
        # auto: pytest when the workspace is configured for it and the test interpreter has pytest
        "test_framework": resolve_framework(options.test_framework, root, options.interpreter),
    }
    return load_settings(overrides, env_file=env_file, environ=os.environ if environ is None else environ)
