"""One typed settings object, fed from defaults < .env < environment < explicit overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator

from .errors import ConfigurationError
from .field_checks import check_model_fields

TracingMode = Literal["auto", "local", "wandb", "off"]
# auto: json_schema first, stepping down json_object (+schema) -> json_object -> text on a
# rejection.
StructuredOutputMode = Literal["auto", "json_schema", "json_object", "text"]
TestFrameworkChoice = Literal["auto", "unittest", "pytest"]
# off: no mutation run; score: measure the kept tests; steer: then one more round for survivors.
MutationMode = Literal["off", "score", "steer"]
# auto: side by side until a cut stream shows the endpoint serves one request at a time.
ConcurrencyMode = Literal["auto", "parallel", "serial"]

# Setting name -> environment variable. OPENAI_* are the SDK's own names, so a user who has
# configured the openai SDK has configured us.
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "api_key": "OPENAI_API_KEY",
    "base_url": "OPENAI_BASE_URL",
    "model": "CODEGEN_MODEL",
    "timeout": "CODEGEN_TIMEOUT",
    "max_retries": "CODEGEN_MAX_RETRIES",
    "tracing": "CODEGEN_TRACING",
    "weave_project": "CODEGEN_WEAVE_PROJECT",
    "wandb_api_key": "WANDB_API_KEY",
    "test_timeout": "CODEGEN_TEST_TIMEOUT",
    "test_repeats": "CODEGEN_TEST_REPEATS",
    "repair_rounds": "CODEGEN_REPAIR_ROUNDS",
    "run_tests": "CODEGEN_RUN_TESTS",
    "test_python": "CODEGEN_TEST_PYTHON",
    "allow_unsandboxed_tests": "CODEGEN_ALLOW_UNSANDBOXED",
    "structured_output": "CODEGEN_STRUCTURED_OUTPUT",
    "max_tokens": "CODEGEN_MAX_TOKENS",
    "test_framework": "CODEGEN_TEST_FRAMEWORK",
    "mutation": "CODEGEN_MUTATION",
    "context_tokens": "CODEGEN_CONTEXT_TOKENS",
    "concurrency": "CODEGEN_CONCURRENCY",
}

# A key sent to a host nobody chose on purpose is a leak; when the base URL is set but no key is,
# local servers (Ollama, vLLM, llama.cpp) accept any string.
NO_KEY_PLACEHOLDER = "not-needed"


class Settings(BaseModel):
    """Everything the pipeline needs to know; every field has a sensible default."""

    model_config = {"extra": "forbid", "validate_assignment": True}

    model: str = Field("gpt-4o", min_length=1, description="Chat model name.")
    base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint (Ollama, vLLM, LM Studio, Groq...)."
    )
    api_key: SecretStr | None = Field(
        None, description="API key; read from OPENAI_API_KEY, never from editor settings."
    )
    timeout: float = Field(60.0, gt=0, le=3600, description="Seconds to wait for one model reply.")
    max_retries: int = Field(
        2, ge=0, le=10, description="Retries on 429/5xx/connection errors (the SDK's)."
    )
    temperature: float | None = Field(
        None,
        ge=0,
        le=2,
        description=(
            "Sampling temperature; unset = model default. Dropped (with a warning) for a model"
            " that takes only its default."
        ),
    )
    tracing: TracingMode = Field(
        "auto", description="auto: hosted Weave with WANDB_API_KEY, else local files."
    )
    weave_project: str = Field("codegen", min_length=1, description="Weave project name.")
    wandb_api_key: SecretStr | None = Field(None, description="W&B key for hosted tracing.")
    test_timeout: float = Field(
        30.0, gt=0, le=3600, description="Wall-clock limit for one sandboxed test run."
    )
    test_repeats: int = Field(3, ge=1, le=20, description="Runs per test, to detect flaky tests.")
    repair_rounds: int = Field(
        1, ge=0, le=5, description="Model repair rounds for failing generated tests."
    )
    run_tests: bool = Field(
        True, description="Run the generated tests in a sandboxed child process."
    )
    test_python: str | None = Field(
        None, description="Interpreter for running tests (default: this one)."
    )
    allow_unsandboxed_tests: bool = Field(
        False,
        description="Run generated tests even where the machine offers no sandbox (no Landlock).",
    )
    structured_output: StructuredOutputMode = Field(
        "auto",
        description=(
            "How replies are held to the schema; auto steps down until the endpoint accepts one."
        ),
    )
    max_tokens: int = Field(
        4096,
        ge=1,
        le=1_000_000,
        description=(
            "Reply token limit sent with every request (as max_completion_tokens to an endpoint"
            " that refuses max_tokens)."
        ),
    )
    test_framework: TestFrameworkChoice = Field(
        "auto",
        description=(
            "Tests to write: auto = pytest when the project is set up for it, else unittest."
        ),
    )
    mutation: MutationMode = Field(
        "score",
        description=(
            "After the kept tests pass: off; score = measure how many small bugs (mutants) they"
            " catch; steer = then ask the model for tests that catch the survivors."
        ),
    )
    context_tokens: int = Field(
        1500,
        ge=0,
        le=100_000,
        description=(
            "Budget (approximate tokens, characters / 4) for the parts of the module and of the"
            " project's tests sent with each request; 0 sends none."
        ),
    )

    concurrency: ConcurrencyMode = Field(
        "auto",
        description=(
            "Whether the runner and tests requests go at once: auto = at once until the endpoint"
            " cuts a reply when a second request arrives, then one after the other."
        ),
    )

    @field_validator("base_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip().rstrip("/") if isinstance(value, str) else value

    @field_validator("base_url")
    @classmethod
    def _must_be_http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(
                "must start with http:// or https:// (for example http://localhost:11434/v1)"
            )
        return value

    def require_endpoint(self) -> None:
        """Raise a ConfigurationError saying how to configure, when no model can be reached."""
        if self.api_key is None and self.base_url is None:
            raise ConfigurationError(
                "No API key: set OPENAI_API_KEY (in the environment or a .env file), or point"
                " OPENAI_BASE_URL (--base-url, or the editor's codegen.baseUrl setting) at a local"
                " OpenAI-compatible server such as Ollama (http://localhost:11434/v1)."
            )

    def api_key_for_client(self) -> str:
        """The key to hand the SDK: the real one, or a placeholder for keyless local servers."""
        self.require_endpoint()
        return self.api_key.get_secret_value() if self.api_key else NO_KEY_PLACEHOLDER

    def resolved_tracing(self) -> Literal["local", "wandb", "off"]:
        if self.tracing == "auto":
            return "wandb" if self.wandb_api_key else "local"
        return self.tracing


def mask_secret(secret: SecretStr | str | None) -> str:
    """`sk-…abcd` at most: enough to tell keys apart, never enough to use one."""
    if secret is None:
        return "(not set)"
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    if len(value) <= 8:
        return "…" * bool(value)
    return f"{value[:3]}…{value[-4:]}"


def _from_environment(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        name: environ[var]
        for name, var in ENVIRONMENT_VARIABLES.items()
        if environ.get(var, "") != ""
    }


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    env_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    env_file_trusted: bool = False,
    notices: list[str] | None = None,
) -> Settings:
    """Merge the sources, lowest first: defaults, `env_file`, `environ`, then `overrides`.

    `overrides` holds explicit choices (CLI flags, editor settings); None values are ignored so
    that an unset flag never hides the environment. Unless `env_file_trusted` (the editor's trusted
    workspace), `env_file` is a file anyone could have put in the folder: `_distrust_env_file`
    applies, and `notices` gets what it changed. Raises ConfigurationError naming the bad value.
    """
    from_file = _read_env_file(env_file)
    from_environ = _from_environment(os.environ if environ is None else environ)
    explicit = {k: v for k, v in (overrides or {}).items() if v is not None}
    if not env_file_trusted and env_file is not None:
        said = _distrust_env_file(from_file, from_environ, explicit, env_file)
        if notices is not None:
            notices.extend(said)
    try:
        return Settings(**{**from_file, **from_environ, **explicit})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
            for e in error.errors()
        )
        raise ConfigurationError(f"Invalid settings ({problems}).") from None


def _read_env_file(env_file: Path | None) -> dict[str, str]:
    if env_file is None or not env_file.is_file():
        return {}
    from dotenv import dotenv_values

    return _from_environment({k: v for k, v in dotenv_values(env_file).items() if v is not None})


# Settings that start a program, or let code run, outside the sandbox: a dotenv file may not set
# them (every start of the test interpreter - module naming, doctor's probe, the runner - comes
# before any confinement).
UNSANDBOXED_SETTINGS = ("test_python", "allow_unsandboxed_tests")


def _distrust_env_file(
    from_file: dict[str, str],
    from_environ: dict[str, str],
    explicit: Mapping[str, Any],
    env_file: Path,
) -> list[str]:
    """Edit the sources in place so that a dotenv file can neither send the environment's key to a
    host of its choosing nor run anything outside the sandbox; say what it changed."""
    said = []
    for name in UNSANDBOXED_SETTINGS:
        if from_file.pop(name, None) is not None and name not in {**from_environ, **explicit}:
            said.append(
                f"{ENVIRONMENT_VARIABLES[name]} in {env_file} is ignored: a file in the folder may"
                " not run anything outside the sandbox. Set it in your environment instead."
            )
    chose_url = "base_url" in from_file and "base_url" not in {**from_environ, **explicit}
    if chose_url and from_environ.pop("api_key", None) is not None:
        # only the file's own key, or none, goes to the file's URL
        where = "the key from that file" if "api_key" in from_file else "no key (none there)"
        said.append(
            f"OPENAI_BASE_URL comes from {env_file}, so it is sent {where}, never OPENAI_API_KEY"
            " from your environment. To send it your key, pass --base-url or set OPENAI_BASE_URL"
            " in your environment."
        )
    return said


def check_fields(
    values: Mapping[str, Any], *, strict: bool = True
) -> tuple[dict[str, Any], dict[str, str]]:
    """Each value checked against its `Settings` field alone (`check_model_fields`)."""
    return check_model_fields(values, Settings, strict=strict)
