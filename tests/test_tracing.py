"""Weave tracing: the local WAL recipe against the installed weave, off mode, hosted fallback.

Every scenario runs in a child Python: weave keeps its client, patches and settings in process
globals, and each scenario needs a fresh `import weave`.
"""

from __future__ import annotations

import ast
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.child_python import REPO, clean_env, run_python
from tests.helpers.ports import closed_port

SECRET = "sk-test-DO-NOT-LEAK-4f9a1c2e7b"


def wal_records(directory: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted(directory.glob("*.jsonl")):
        records += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return records


def calls_named(records: list[dict[str, Any]], op_name: str) -> list[tuple[dict, dict | None]]:
    """(start, end) of every call whose op is `op_name`."""
    ends = {r["req"]["end"]["id"]: r["req"]["end"] for r in records if r["type"] == "call_end"}
    return [
        (r["req"]["start"], ends.get(r["req"]["start"]["id"]))
        for r in records
        if r["type"] == "call_start" and f"/op/{op_name}:" in r["req"]["start"]["op_name"]
    ]


def test_weave_internals_the_recipe_uses_exist(tmp_path: Path) -> None:
    """Fails loudly when a weave upgrade moves a name codegen.tracing relies on."""
    out = run_python(
        """
        import inspect, json, os, sys, time
        import codegen.tracing, codegen.tracing.store
        lazy = "weave" not in sys.modules
        codegen.tracing.configure_environment()
        started = time.perf_counter()
        import weave
        import_seconds = time.perf_counter() - started
        import importlib
        from codegen.tracing import weave_compat
        missing = []
        for module, path in weave_compat.INTERNALS:
            try:
                found = importlib.import_module(module)
                for part in path.split("."):
                    found = getattr(found, part)
            except (ImportError, AttributeError) as error:
                missing.append(f"{module}: {path} ({error})")
        from weave.compat import wandb
        from weave.durability import wal_manager
        from weave.trace import settings
        from weave.trace.serialization.digest import canonical_json, str_digest
        from weave.trace.weave_client import WeaveClient
        from weave.vendor.weave_server_sdk.types import FeedbackCreateResponse
        from weave.telemetry import trace_sentry
        sample = {"model_name": "gpt-x", "trials": [1, 2], "nested": {"b": None, "a": "é"}}

        os.environ.update(WEAVE_ENABLE_WAL="true", WEAVE_DISABLE_WAL_SENDER="true")
        print(json.dumps({
            "lazy": lazy,
            "import_seconds": import_seconds,
            "version": weave.__version__,
            "client_params": list(inspect.signature(WeaveClient).parameters),
            "wal_root": wal_manager.WAL_ROOT,
            "wal_switches": [settings.should_enable_wal(), settings.should_disable_wal_sender()],
            "missing": missing,
            "default_entity_name": callable(wandb.Api().default_entity_name),
            "digest_agrees": (
                weave_compat.object_digest(sample) == str_digest(canonical_json(sample))
            ),
            "wal_env": sorted(weave_compat.WAL_SWITCHES),
            "feedback_fields": sorted(FeedbackCreateResponse.model_fields),
            "sentry_disabled": trace_sentry.global_trace_sentry._disabled,
        }))
        """,
        clean_env(tmp_path),
    )
    assert out["lazy"], "importing codegen.tracing or codegen.tracing.store must not import weave"
    assert out["version"].startswith("0.54."), "the recipe was measured on weave 0.54; re-check it"
    assert out["client_params"][:4] == ["entity", "project", "server", "ensure_project_exists"]
    assert out["wal_root"] == str(tmp_path / ".weave" / "wal"), "weave's WAL root is ~/.weave/wal"
    assert out["wal_switches"] == [True, True]
    assert out["missing"] == [], "weave internals moved: update codegen/tracing/weave_compat.py"
    assert out["default_entity_name"]
    assert out["digest_agrees"], (
        "weave's object ref digest changed: update weave_compat.object_digest"
    )
    assert out["wal_env"] == ["WEAVE_DISABLE_WAL_SENDER", "WEAVE_ENABLE_WAL"]
    assert {"id", "created_at", "payload", "wb_user_id"} <= set(out["feedback_fields"])
    assert out["sentry_disabled"], "WANDB_ERROR_REPORTING=false no longer silences weave's Sentry"


# weave's public API: anything else codegen uses is an internal and lives in weave_compat.
PUBLIC_WEAVE = {
    "op",
    "Model",
    "Object",
    "Scorer",
    "Evaluation",
    "Dataset",
    "Table",
    "init",
    "get_current_call",
    "__version__",
}


def test_every_weave_internal_is_in_weave_compat_and_checked_by_the_canary() -> None:
    """Outside weave_compat only weave's public names are used; inside, every import is in
    INTERNALS."""
    from codegen.tracing import weave_compat

    listed = {module for module, _ in weave_compat.INTERNALS}
    outside, unlisted = [], []
    for path in sorted([*(REPO / "codegen").rglob("*.py"), *(REPO / "server").rglob("*.py")]):
        where = path.relative_to(REPO)
        in_compat = where == Path("codegen/tracing/weave_compat.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "weave":
                if not in_compat:
                    outside.append(f"{where}:{node.lineno} from {node.module}")
                unlisted += [
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if node.module not in listed and f"{node.module}.{alias.name}" not in listed
                ]
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "weave"
                and node.attr not in PUBLIC_WEAVE
            ):
                if not in_compat:
                    outside.append(f"{where}:{node.lineno} weave.{node.attr}")
                elif f"weave.{node.attr}" not in listed:
                    unlisted.append(f"weave.{node.attr}")
    assert outside == [], "weave internals used outside codegen/tracing/weave_compat.py"
    assert unlisted == [], (
        "weave_compat uses weave internals missing from INTERNALS (the canary checks those)"
    )


LOCAL_SCENARIO = """
    import asyncio, json, os, sys, time
    from codegen.tracing import configure_environment, start_tracing, stop_tracing
    configure_environment()
    import weave  # timed separately from start_tracing
    started = time.perf_counter()
    status = start_tracing("local")
    start_seconds = time.perf_counter() - started
    again = start_tracing("local")

    @weave.op
    def add_numbers(a: int, b: int) -> int:
        return a + b

    class CodeGenerationPipeline(weave.Model):
        model_name: str

        @weave.op
        async def predict(self, prompt: str) -> dict:
            return {"generated_code": "def f(): pass", "total": add_numbers(2, 3)}

    value = add_numbers(20, 22)
    output = asyncio.run(CodeGenerationPipeline(model_name="gpt-test").predict("moving average"))
    stop_tracing()
    print(json.dumps({"status": status.__dict__, "same": again is status, "value": value,
                      "output": output, "start_seconds": start_seconds,
                      "wal_switches_left": [os.environ.get("WEAVE_ENABLE_WAL"),
                                            os.environ.get("WEAVE_DISABLE_WAL_SENDER")]}))
"""


@pytest.mark.parametrize("relocated", [False, True], ids=["home", "CODEGEN_TRACE_DIR"])
def test_local_mode_writes_ops_and_model_calls_to_the_wal(tmp_path: Path, relocated: bool) -> None:
    home = tmp_path / "home"
    extra = {"CODEGEN_TRACE_DIR": str(tmp_path / "traces")} if relocated else {}
    out = run_python(LOCAL_SCENARIO, clean_env(home, **extra))

    root = tmp_path / "traces" if relocated else home / ".weave" / "wal"
    wal_dir = root / "local" / "codegen"
    assert out["status"]["mode"] == "local"
    assert out["status"]["location"] == str(wal_dir)
    assert "traces are written to" in out["status"]["detail"]
    assert out["same"], "a second start_tracing with the same mode returns the first status"
    assert out["value"] == 42 and out["output"]["total"] == 5
    assert out["wal_switches_left"] == [None, None], (
        "the WAL switches must not leak to child processes"
    )
    if relocated:
        assert not (home / ".weave").exists()

    records = wal_records(wal_dir)
    add_calls = calls_named(records, "add_numbers")
    assert {(s["inputs"]["a"], s["inputs"]["b"], e["output"]) for s, e in add_calls} == {
        (20, 22, 42),
        (2, 3, 5),
    }
    [(start, end)] = calls_named(records, "CodeGenerationPipeline.predict")
    assert start["inputs"]["prompt"] == "moving average"
    assert start["parent_id"] is None and end["exception"] is None
    assert end["output"] == {"generated_code": "def f(): pass", "total": 5}
    nested = [s for s, _ in add_calls if s["inputs"]["a"] == 2]
    assert nested[0]["parent_id"] == start["id"]
    models = [r["req"]["obj"]["val"] for r in records if r["type"] == "obj_create"]
    assert any(v.get("model_name") == "gpt-test" for v in models if isinstance(v, dict))
    assert not list(wal_dir.glob("*.lock")), "stop_tracing() closes the WAL (releases its lock)"


def test_off_mode_records_nothing_and_ops_still_run(tmp_path: Path) -> None:
    out = run_python(
        """
        import asyncio, json, os
        from codegen.tracing import start_tracing, stop_tracing
        status = start_tracing("off")
        import weave

        @weave.op
        def double(x: int) -> int:
            return 2 * x

        class Pipeline(weave.Model):
            model_name: str = "m"

            @weave.op
            async def predict(self, prompt: str) -> str:
                return prompt.upper()

        values = [double(21), asyncio.run(Pipeline().predict("hi"))]
        disabled_while_off = os.environ.get("WEAVE_DISABLED")
        stop_tracing()
        print(json.dumps({"status": status.__dict__, "values": values,
                          "disabled_while_off": disabled_while_off,
                          "disabled_after": os.environ.get("WEAVE_DISABLED")}))
        """,
        clean_env(tmp_path),
    )
    assert out["status"] == {
        "mode": "off",
        "location": "disabled",
        "detail": out["status"]["detail"],
    }
    assert out["values"] == [42, "HI"]
    assert out["disabled_while_off"] == "true" and out["disabled_after"] is None
    assert not (tmp_path / ".weave").exists()


WANDB_SCENARIO = """
    import json, os, time
    from codegen.tracing import configure_environment, start_tracing, stop_tracing
    configure_environment()
    import weave
    started = time.perf_counter()
    status = start_tracing("wandb", wandb_api_key=os.environ.pop("TEST_KEY"), init_timeout=3)
    seconds = time.perf_counter() - started

    @weave.op
    def traced_after_fallback(x: int) -> int:
        return x + 1

    traced_after_fallback(1)
    stop_tracing()
    print(json.dumps({"status": status.__dict__, "seconds": seconds}))
"""


def test_wandb_with_unreachable_host_falls_back_to_local(tmp_path: Path) -> None:
    env = clean_env(tmp_path, WANDB_BASE_URL=f"http://127.0.0.1:{closed_port()}", TEST_KEY=SECRET)
    out = run_python(WANDB_SCENARIO, env)
    assert out["status"]["mode"] == "local"
    assert "hosted Weave could not start" in out["status"]["detail"]
    assert "traces are written to" in out["status"]["detail"]
    assert SECRET not in out["status"]["detail"]
    # Bounded, not timed: a start that waited for weave's own retries would run into run_python's
    # 120 s.
    assert out["seconds"] < 60
    wal_dir = tmp_path / ".weave" / "wal" / "local" / "codegen"
    assert calls_named(wal_records(wal_dir), "traced_after_fallback")


def test_wandb_with_a_host_that_never_answers_is_bounded_by_init_timeout(tmp_path: Path) -> None:
    # A listening socket nobody accepts on: connections open, requests hang.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        port = silent.getsockname()[1]
        env = clean_env(tmp_path, WANDB_BASE_URL=f"http://127.0.0.1:{port}", TEST_KEY=SECRET)
        out = run_python(WANDB_SCENARIO, env)
    assert out["status"]["mode"] == "local"
    assert "did not answer within 3 s" in out["status"]["detail"]
    # The detail above shows our 3 s bound fired; this only says the start ended (not a timing
    # figure: the machine is shared, and the same start took 7.5-11.5 s under load).
    assert out["seconds"] < 60


def test_wandb_success_reports_the_hosted_project_and_stop_restores_the_environment(
    tmp_path: Path,
) -> None:
    # weave.init itself needs the network; stand it in so our side of the success path runs.
    out = run_python(
        """
        import json, os
        from types import SimpleNamespace
        from codegen.tracing import start_tracing, stop_tracing
        import weave
        finished = []
        seen = {}

        def fake_init(project):
            seen.update(key=os.environ.get("WANDB_API_KEY") == os.environ["TEST_KEY"],
                        timeout=os.environ.get("WEAVE_HTTP_TIMEOUT"))
            return SimpleNamespace(entity="team", project=project,
                                   finish=lambda **kw: finished.append(kw))

        weave.init = fake_init
        status = start_tracing("wandb", wandb_api_key=os.environ["TEST_KEY"], init_timeout=4)
        stop_tracing()
        print(json.dumps({"status": status.__dict__, "seen": seen, "finished": finished,
                          "key_after": os.environ.get("WANDB_API_KEY")}))
        """,
        clean_env(tmp_path, TEST_KEY=SECRET),
    )
    assert out["status"]["mode"] == "wandb"
    assert out["status"]["location"].endswith("/team/codegen/weave")
    assert out["seen"] == {"key": True, "timeout": "4"}
    assert out["finished"] == [{"use_progress_bar": False}]
    assert out["key_after"] is None, "stop_tracing() puts the environment back"


def test_a_hosted_init_that_finishes_late_cannot_replace_the_local_fallback(tmp_path: Path) -> None:
    out = run_python(
        """
        import json, time
        from codegen.tracing import start_tracing, stop_tracing
        import weave
        from weave.trace.context import weave_client_context

        def slow_init(project):
            time.sleep(1.5)
            late = object()
            weave_client_context.set_weave_client_global(late)  # what weave.init does last
            return late

        weave.init = slow_init
        status = start_tracing("wandb", wandb_api_key="k" * 40, init_timeout=0.5)
        local_client = weave_client_context.get_weave_client()
        time.sleep(2)
        still_local = weave_client_context.get_weave_client() is local_client
        stop_tracing()
        print(json.dumps({"mode": status.mode, "still_local": still_local}))
        """,
        clean_env(tmp_path),
    )
    assert out == {"mode": "local", "still_local": True}


def test_wandb_without_a_key_falls_back_to_local_and_says_how_to_fix(tmp_path: Path) -> None:
    out = run_python(
        """
        import json
        from codegen.tracing import start_tracing, stop_tracing
        status = start_tracing("wandb")
        stop_tracing()
        print(json.dumps(status.__dict__))
        """,
        clean_env(tmp_path),
    )
    assert out["mode"] == "local"
    assert "WANDB_API_KEY" in out["detail"]


def test_weave_error_reporting_is_off_by_default(tmp_path: Path) -> None:
    out = run_python(
        """
        import json, os
        from codegen.tracing import configure_environment
        configure_environment()
        import weave
        from weave.telemetry import trace_sentry
        print(json.dumps({"env": os.environ["WANDB_ERROR_REPORTING"],
                          "disabled": trace_sentry.global_trace_sentry._disabled}))
        """,
        clean_env(tmp_path),
    )
    assert out == {"env": "false", "disabled": True}


def test_the_users_error_reporting_choice_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    from codegen.tracing import configure_environment

    monkeypatch.setenv("WANDB_ERROR_REPORTING", "true")
    configure_environment()  # only sets environment defaults: safe in this process
    assert os.environ["WANDB_ERROR_REPORTING"] == "true"


def test_openai_calls_are_traced_and_the_key_stays_out_of_the_wal(tmp_path: Path, model) -> None:
    out = run_python(
        """
        import json, os
        from pydantic import BaseModel
        from codegen.tracing import start_tracing, stop_tracing
        start_tracing("local")
        from openai import OpenAI

        class GeneratedCode(BaseModel):
            code: str

        key, base_url = os.environ.pop("TEST_KEY"), os.environ.pop("TEST_BASE_URL")
        client = OpenAI(api_key=key, base_url=base_url)
        plain = client.chat.completions.create(
            model="loopback", messages=[{"role": "user", "content": "say the code"}])
        parsed = client.chat.completions.parse(
            model="loopback", messages=[{"role": "user", "content": "write add"}],
            response_format=GeneratedCode)
        stop_tracing()
        print(json.dumps({"plain": plain.choices[0].message.content,
                          "parsed": parsed.choices[0].message.parsed.code}))
        """,
        clean_env(tmp_path, TEST_KEY=SECRET, TEST_BASE_URL=model.base_url),
    )
    assert "moving_average" in out["parsed"]
    wal_dir = tmp_path / ".weave" / "wal" / "local" / "codegen"
    records = wal_records(wal_dir)
    [(create, create_end)] = calls_named(records, "openai.chat.completions.create")
    [(parse, parse_end)] = calls_named(records, "openai.chat.completions.parse")
    assert create["inputs"]["messages"][0]["content"] == "say the code"
    assert create_end["output"]["choices"][0]["message"]["content"] == out["plain"]
    assert parse["inputs"]["model"] == "loopback"
    assert parse_end["exception"] is None
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace"), f"the API key leaked into {path}"


def test_the_context_sent_is_traced_as_names_and_sizes(tmp_path: Path, model) -> None:
    from tests.context_data import GEOMETRY, PERIMETER_REDEFINING, PROMPT, PROMPT_COMMENT
    from tests.loopback_model import Reply

    project = tmp_path / "project"
    project.mkdir()
    (project / "geometry.py").write_text(GEOMETRY + f'API_TOKEN = "{SECRET}"\n\n' + PROMPT_COMMENT)
    model.enqueue(Reply.code("GeneratedCode", PERIMETER_REDEFINING))
    out = run_python(
        f"""
        import json, os
        from codegen.cli import main
        os.chdir({str(project)!r})
        status = main(["generate", {PROMPT!r}, "--into", "geometry.py", "--no-run",
                       "--base-url", {model.base_url!r}, "--tracing", "local"])
        print(json.dumps({{"status": status}}))
        """,
        clean_env(tmp_path),
    )
    assert out["status"] == 0
    records = wal_records(tmp_path / ".weave" / "wal" / "local" / "codegen")
    [(start, _end)] = calls_named(records, "CodeGenerationPipeline.generate_code")
    context = start["inputs"]["context"]
    pieces = {(piece["kind"], piece["name"]) for piece in context["pieces"]}
    assert {("class", "Point"), ("helper", "distance"), ("constant", "API_TOKEN")} <= pieces
    assert all(isinstance(piece["chars"], int) for piece in context["pieces"])
    assert 0 < context["tokens"] <= context["budget_tokens"] == 1500
    assert "math.hypot" not in json.dumps(start["inputs"])  # sizes, not the text
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.name != "geometry.py":
            assert SECRET not in path.read_text(errors="replace"), f"the secret leaked into {path}"
