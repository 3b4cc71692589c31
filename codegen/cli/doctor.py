"""`codegen doctor`: can this machine generate code? Each failed check says how to fix it."""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import asdict, dataclass

from ..errors import CodegenError
from ..settings import ENVIRONMENT_VARIABLES, UNSANDBOXED_SETTINGS, Settings, mask_secret


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


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
            return Check(
                "endpoint",
                False,
                f"{detail}, but not {settings.model!r}",
                f"pick one of {', '.join(names[:8])} with --model or CODEGEN_MODEL",
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


async def structured_output_check(settings: Settings) -> Check:
    from ..model.llm import ModelClient
    from ..model.schemas import GeneratedCode
    from ..model.structured_output import LADDERS

    client = ModelClient(settings)
    started = time.perf_counter()
    try:
        reply = await client.ask(
            GeneratedCode,
            "Write `def add(a: int, b: int) -> int` returning a + b.",
            step="doctor",
            prompt="add",
        )
    except CodegenError as error:
        return Check(
            "structured output",
            False,
            str(error),
            "pick a structured-output mode the endpoint accepts (--structured-output"
            " auto|json_schema|json_object|text), or a model that answers in JSON",
        )
    finally:
        await client.close()
    mode = client.structured_output_mode
    stepped_down = (
        ""
        if mode == LADDERS[settings.structured_output][0]
        else ", after the endpoint rejected the modes before it"
    )
    ok = "def add" in reply.code
    return Check(
        "structured output",
        ok,
        f"{settings.model} answered a GeneratedCode in {mode} mode{stepped_down} in"
        f" {time.perf_counter() - started:.1f} s"
        + ("" if ok else ", but without the asked-for function"),
        "" if ok else "try a stronger model",
    )


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


async def doctor_command(args: argparse.Namespace, settings: Settings) -> int:
    checks = [
        Check("python", True, f"{platform.python_version()} at {platform.python_implementation()}")
    ]
    checks.append(credentials_check(settings))
    if checks[-1].ok:
        checks.append(await endpoint_check(settings))
        if checks[-1].ok:
            checks.append(await structured_output_check(settings))
    checks.append(await sandbox_check(settings))
    checks.append(tracing_check(settings))
    ok = all(c.ok for c in checks)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [asdict(c) for c in checks]}, indent=2))
    else:
        for check in checks:
            print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
            if check.fix:
                print(f"     fix: {check.fix}")
        variables = ", ".join(sorted(ENVIRONMENT_VARIABLES.values()))
        kept_out = " and ".join(ENVIRONMENT_VARIABLES[name] for name in UNSANDBOXED_SETTINGS)
        print(
            f"\nSettings come from flags, then the environment, then ./.env ({variables};"
            f" {kept_out} never from ./.env)."
        )
    return 0 if ok else 1
