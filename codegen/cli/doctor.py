"""`codegen doctor`: can this machine generate code? Each failed check says how to fix it."""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import time
from dataclasses import asdict, dataclass

from ..errors import CodegenError, ModelCallError
from ..settings import ENVIRONMENT_VARIABLES, UNSANDBOXED_SETTINGS, Settings, mask_secret

ADD_PROMPT = "Write `def add(a: int, b: int) -> int` returning a + b."


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # passed, with something the user may want to change

    @property
    def label(self) -> str:
        if not self.ok:
            return "FAIL"
        return "warn" if self.warning else "ok  "


def credentials_check(settings: Settings) -> Check:
    if settings.api_key is None and settings.base_url is None:
        return Check(
            "credentials",
            False,
            "no API key and no base URL",
            "set OPENAI_API_KEY (environment or .env), or OPENAI_BASE_URL / --base-url for a local"
            " server such as Ollama (http://localhost:11434/v1)",
        )
    key = (
        mask_secret(settings.api_key)
        if settings.api_key
        else "none (not needed for most local servers)"
    )
    return Check(
        "credentials",
        True,
        f"API key {key}; endpoint {settings.base_url or 'https://api.openai.com/v1'}",
    )


async def endpoint_check(settings: Settings) -> Check:
    import openai

    client = openai.AsyncOpenAI(
        api_key=settings.api_key_for_client(),
        base_url=settings.base_url,
        timeout=min(settings.timeout, 10),
        max_retries=0,
    )
    try:
        models = await client.models.list()
        names = [m.id for m in models.data]
        listed = settings.model in names if names else None
        detail = f"reachable; {len(names)} models listed"
        if listed is False:
            # A failure unless a request naming the model is answered (model_checks decides):
            # llama-cpp-python lists its file path and serves any name.
            return Check(
                "endpoint",
                False,
                f"{detail}, but not {settings.model!r} (listed: {', '.join(names[:8])})",
                f"pick one of {', '.join(names[:8])} with --model or CODEGEN_MODEL",
                warning=True,
            )
        return Check("endpoint", True, detail)
    except openai.AuthenticationError:
        return Check(
            "endpoint",
            False,
            "reachable, but the API key was rejected (401)",
            "check OPENAI_API_KEY",
        )
    except openai.APIStatusError as error:
        # Some servers have no /models listing; reaching them is what this check is for.
        return Check(
            "endpoint", True, f"reachable (the model list answered HTTP {error.status_code})"
        )
    except openai.APIConnectionError as error:
        return Check(
            "endpoint",
            False,
            f"cannot connect: {error.__cause__ or error}",
            "check OPENAI_BASE_URL / --base-url and that the server is running",
        )
    finally:
        await client.close()


async def model_checks(settings: Settings) -> tuple[list[Check], bool]:
    """Structured output, then concurrency, with one client (the mode it found serves both); and
    whether the endpoint answered a request naming the model at all."""
    from ..model.llm import ModelClient

    client = ModelClient(settings)
    try:
        check, answered = await structured_output_check(settings, client)
        checks = [check]
        if check.ok:
            checks.append(await concurrency_check(client))
        return checks, answered
    finally:
        await client.close()


async def structured_output_check(settings: Settings, client) -> tuple[Check, bool]:
    from ..model.schemas import GeneratedCode
    from ..model.structured_output import LADDERS

    started = time.perf_counter()
    try:
        reply = await client.ask(GeneratedCode, ADD_PROMPT, step="doctor", prompt="add")
    except CodegenError as error:
        check = Check(
            "structured output",
            False,
            str(error),
            "pick a structured-output mode the endpoint accepts (--structured-output"
            " auto|json_schema|json_object|text), or a model that answers in JSON",
        )
        return check, not isinstance(error, ModelCallError)
    mode = client.structured_output_mode
    stepped_down = (
        ""
        if mode == LADDERS[settings.structured_output][0]
        else ", after the endpoint rejected the modes before it"
    )
    ok = "def add" in reply.code
    check = Check(
        "structured output",
        ok,
        f"{settings.model} answered a GeneratedCode in {mode} mode{stepped_down} in"
        f" {time.perf_counter() - started:.1f} s"
        + ("" if ok else ", but without the asked-for function"),
        "" if ok else "try a stronger model",
    )
    return check, True


async def concurrency_check(client) -> Check:
    """Two requests at once, as a generation sends the runner and tests requests: does the
    endpoint answer both, or stop one (then codegen sends them one after the other)?"""
    from ..model.schemas import GeneratedCode

    if client.one_request_at_a_time:  # the setting says so: nothing to find out
        return Check("concurrency", True, client.requests.describe())
    outcomes = await asyncio.gather(
        *(client.ask(GeneratedCode, ADD_PROMPT, step="doctor", prompt="add") for _ in range(2)),
        return_exceptions=True,
    )
    failed = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    if failed:
        return Check(
            "concurrency",
            False,
            f"two requests at once: {failed[0]}",
            "set --concurrency serial (CODEGEN_CONCURRENCY, the editor's codegen.concurrency)"
            " if the server serves one request at a time",
        )
    return Check("concurrency", True, client.requests.describe())


async def sandbox_check(settings: Settings) -> Check:
    from ..execution import probe_isolation

    isolation = await probe_isolation(settings.test_python)
    detail = f"isolation {isolation.describe()}"
    if isolation.level == "none" and not settings.allow_unsandboxed_tests:
        return Check(
            "sandbox",
            False,
            detail + "; generated tests will not run",
            "use Linux 5.13 or later with Landlock enabled, or allow unsandboxed runs "
            "(--allow-unsandboxed, CODEGEN_ALLOW_UNSANDBOXED=true)",
        )
    if isolation.level == "unknown":
        return Check("sandbox", False, detail, "check the test interpreter (CODEGEN_TEST_PYTHON)")
    if isolation.level == "none":
        detail += "; unsandboxed runs allowed"
    return Check("sandbox", True, detail)


def tracing_check(settings: Settings) -> Check:
    from ..tracing import local_trace_dir

    mode = settings.resolved_tracing()
    if mode == "off":
        return Check("tracing", True, "off (CODEGEN_TRACING=off or --tracing off)")
    if mode == "wandb":
        if settings.wandb_api_key is None:
            return Check(
                "tracing",
                False,
                "wandb requested but WANDB_API_KEY is not set",
                "set WANDB_API_KEY, or use --tracing local",
            )
        return Check(
            "tracing",
            True,
            f"hosted Weave project {settings.weave_project!r} (WANDB_API_KEY"
            f" {mask_secret(settings.wandb_api_key)}); falls back to local files if unreachable",
        )
    return Check("tracing", True, f"local files under {local_trace_dir(settings.weave_project)}")


async def endpoint_checks(settings: Settings) -> list[Check]:
    """The endpoint, then what its model answers. A model the endpoint does not list is a
    warning when a request naming it is answered, a failure when not."""
    endpoint = await endpoint_check(settings)
    if not (endpoint.ok or endpoint.warning):
        return [endpoint]
    answering, answered = await model_checks(settings)
    if endpoint.warning:
        endpoint.ok = answered
        endpoint.warning = answered
        if answered:
            endpoint.detail += ", yet a request naming it was answered"
            endpoint.fix = f"if that is not the model you meant, {endpoint.fix}"
    return [endpoint, *answering]


async def doctor_command(args: argparse.Namespace, settings: Settings) -> int:
    checks = [
        Check("python", True, f"{platform.python_version()} at {platform.python_implementation()}")
    ]
    checks.append(credentials_check(settings))
    if checks[-1].ok:
        checks.extend(await endpoint_checks(settings))
    checks.append(await sandbox_check(settings))
    checks.append(tracing_check(settings))
    ok = all(c.ok for c in checks)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [asdict(c) for c in checks]}, indent=2))
    else:
        for check in checks:
            print(f"{check.label} {check.name}: {check.detail}")
            if check.fix:
                print(f"     fix: {check.fix}")
        variables = ", ".join(sorted(ENVIRONMENT_VARIABLES.values()))
        kept_out = " and ".join(ENVIRONMENT_VARIABLES[name] for name in UNSANDBOXED_SETTINGS)
        print(
            f"\nSettings come from flags, then the environment, then ./.env ({variables};"
            f" {kept_out} never from ./.env)."
        )
    return 0 if ok else 1
