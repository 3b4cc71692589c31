"""Reading pipeline runs back from a real local WAL, and replaying it to hosted Weave."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import pytest

from codegen.tracing.store import recent_runs
from codegen.tracing.sync import TraceSyncError
from tests.helpers.child_python import clean_env, run_python
from tests.helpers.ports import closed_port

RUNS_SCENARIO = """
    import asyncio, json, time
    from codegen.tracing import start_tracing, stop_tracing
    status = start_tracing("local")
    import weave

    class CodeGenerationPipeline(weave.Model):
        model_name: str

        @weave.op
        async def predict(self, prompt: str) -> dict:
            if prompt == "fail":
                raise ValueError("the model refused")
            await asyncio.sleep(0.05)
            return {"generated_code": "def f(): pass", "program_runner": "def main(): f()",
                    "unit_tests": "import unittest", "overall_score": 0.7,
                    "scores": {"code_quality_score": 0.8, "test_coverage_score": 0.6}}

    class PromptEcho(weave.Scorer):
        @weave.op
        def score(self, output, prompt):
            return {"echo": bool(output)}

    async def main():
        await CodeGenerationPipeline(model_name="gpt-4o").predict("moving average")
        time.sleep(0.01)
        await CodeGenerationPipeline(model_name="gpt-4o-mini").predict("parse a date")
        time.sleep(0.01)
        try:
            await CodeGenerationPipeline(model_name="gpt-4o").predict("fail")
        except ValueError:
            pass
        # predict calls inside an evaluation are not pipeline runs of their own
        evaluation = weave.Evaluation(dataset=[{"prompt": "in an eval"}], scorers=[PromptEcho()])
        await evaluation.evaluate(CodeGenerationPipeline(model_name="eval-model"))

    asyncio.run(main())
    stop_tracing()
    print(json.dumps(status.__dict__))
"""


@pytest.fixture(scope="module")
def trace_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root holding a real WAL written by weave: three top-level runs and one evaluation."""
    root = tmp_path_factory.mktemp("traces")
    home = tmp_path_factory.mktemp("home")
    status = run_python(RUNS_SCENARIO, clean_env(home, CODEGEN_TRACE_DIR=str(root)))
    assert status["mode"] == "local", status
    return root


@pytest.fixture
def traces(trace_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CODEGEN_TRACE_DIR", str(trace_root))
    return trace_root / "local" / "codegen"


def test_recent_runs_reads_prompt_model_scores_and_duration(traces: Path) -> None:
    runs = recent_runs("codegen")
    assert [run.prompt for run in runs] == [
        "fail",
        "parse a date",
        "moving average",
    ]  # newest first
    failed, second, first = runs
    assert first.op_name == "CodeGenerationPipeline.predict"
    # Three CodeGenerationPipeline objects share a name: only the ref's digest tells them apart.
    assert first.model == "gpt-4o" and second.model == "gpt-4o-mini"
    assert first.scores == {
        "overall_score": 0.7,
        "code_quality_score": 0.8,
        "test_coverage_score": 0.6,
    }
    assert first.duration is not None and first.duration >= 0.05
    assert first.ended_at is not None and first.ended_at > first.started_at
    assert first.error is None
    assert failed.error is not None and "the model refused" in failed.error
    assert failed.scores == {}
    assert len({run.call_id for run in runs}) == 3


def test_recent_runs_honours_last_and_op_suffix(traces: Path) -> None:
    assert [run.prompt for run in recent_runs("codegen", last=1)] == ["fail"]
    assert recent_runs("codegen", last=0) == []
    evaluations = recent_runs("codegen", op_suffix="evaluate")
    assert [run.op_name for run in evaluations] == ["Evaluation.evaluate"]
    assert evaluations[0].prompt is None and evaluations[0].model == "eval-model"


def test_missing_or_empty_trace_directory_gives_no_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEGEN_TRACE_DIR", str(tmp_path))
    assert recent_runs("codegen") == []
    (tmp_path / "local" / "codegen").mkdir(parents=True)
    (tmp_path / "local" / "codegen" / "0001_empty.jsonl").write_text("")
    assert recent_runs("codegen") == []


def test_corrupt_lines_are_skipped(
    trace_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "local" / "codegen"
    shutil.copytree(trace_root / "local" / "codegen", copy)
    [wal] = sorted(copy.glob("*.jsonl"))
    lines = wal.read_text().splitlines(keepends=True)
    garbage = [
        "{not json\n",
        "[1, 2, 3]\n",
        '{"type": "call_start"}\n',
        '{"type": "call_end", "req": 5}\n',
        "\n",
    ]
    wal.write_text(
        garbage[0]
        + "".join(lines[:3])
        + "".join(garbage[1:])
        + "".join(lines[3:])
        + '{"type": "call_st'
    )
    monkeypatch.setenv("CODEGEN_TRACE_DIR", str(tmp_path))
    assert [run.prompt for run in recent_runs("codegen")] == [
        "fail",
        "parse a date",
        "moving average",
    ]


def test_only_predict_calls_are_listed_and_other_top_level_calls_open_by_id(
    trace_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor run is a predict call like any other; a call of another op (the pre-release
    `generate_for_editor`) is not listed, but `traces show <id>` still opens it."""
    from codegen.tracing.store import load_call

    copy = tmp_path / "local" / "codegen"
    shutil.copytree(trace_root / "local" / "codegen", copy)
    old_op = "weave:///local/codegen/op/CodeGenerationPipeline.generate_for_editor:abc"
    start = {
        "id": "old-editor-call",
        "op_name": old_op,
        "started_at": "2026-12-01T22:00:00+00:00",
        "inputs": {"prompt": "from the editor"},
    }
    (copy / "0000_old.jsonl").write_text(
        json.dumps({"type": "call_start", "req": {"start": start}}) + "\n"
    )
    monkeypatch.setenv("CODEGEN_TRACE_DIR", str(tmp_path))
    assert [run.prompt for run in recent_runs("codegen")] == [
        "fail",
        "parse a date",
        "moving average",
    ]
    run, root = load_call("codegen", "old-editor")
    assert (
        run.prompt == "from the editor"
        and root.op_name == "CodeGenerationPipeline.generate_for_editor"
    )


def _fingerprint(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_sync_without_network_fails_fast_with_the_fix_and_keeps_local_files(
    trace_root: Path, tmp_path: Path
) -> None:
    before = _fingerprint(trace_root / "local" / "codegen")
    env = clean_env(
        tmp_path,
        CODEGEN_TRACE_DIR=str(trace_root),
        WANDB_BASE_URL=f"http://127.0.0.1:{closed_port()}",
    )
    started = time.perf_counter()
    out = run_python(
        """
        import json
        from codegen.tracing.sync import TraceSyncError, sync_to_hosted
        try:
            sync_to_hosted("codegen", wandb_api_key="wandb-key-never-valid-0123456789")
            print(json.dumps({"raised": None}))
        except TraceSyncError as error:
            raised = {"raised": str(error), "runtime_error": isinstance(error, RuntimeError)}
            print(json.dumps(raised))
        """,
        env,
    )
    assert time.perf_counter() - started < 30
    message = out["raised"]
    assert message and out["runtime_error"]
    assert "Cannot reach the Weave server" in message and "WANDB_BASE_URL" in message
    assert "untouched" in message
    assert "wandb-key-never-valid-0123456789" not in message
    assert _fingerprint(trace_root / "local" / "codegen") == before


REPLAY_SCENARIO = """
    import json
    import codegen.tracing.sync as trace_sync
    from codegen.tracing.sync import HostedProject

    class FakeTraceServer:
        def __init__(self, fail):
            self.fail, self.received = fail, []

        def _take(self, kind, req):
            self.received.append([kind, req])
            if self.fail:
                raise ConnectionError("network went away")

        def call_start(self, req): self._take("call_start", req)
        def call_end(self, req): self._take("call_end", req)
        def obj_create(self, req): self._take("obj_create", req)
        def table_create(self, req): self._take("table_create", req)
        def file_create(self, req):
            self._take("file_create", {"project_id": req["project_id"], "name": req["file"][0]})

    server = FakeTraceServer(fail=FAIL)
    trace_sync.connect_hosted = lambda project, **kw: HostedProject(
        "team", project, "https://wandb.example/team/codegen/weave", server, kw["wandb_api_key"])
    try:
        result = trace_sync.sync_to_hosted("codegen", wandb_api_key="k" * 40)
    except trace_sync.TraceSyncError as error:
        result = "error: " + str(error)
    print(json.dumps({"result": result, "received": server.received}, default=str))
"""


@pytest.mark.parametrize("outcome", ["ok", "fail"])
def test_sync_replays_a_copy_moved_to_the_users_entity(
    trace_root: Path, tmp_path: Path, outcome: str
) -> None:
    wal_dir = trace_root / "local" / "codegen"
    before = _fingerprint(wal_dir)
    record_count = sum(
        1 for p in wal_dir.glob("*.jsonl") for line in p.read_text().splitlines() if line.strip()
    )
    out = run_python(
        REPLAY_SCENARIO.replace("FAIL", repr(outcome == "fail")),
        clean_env(tmp_path, CODEGEN_TRACE_DIR=str(trace_root)),
    )
    assert _fingerprint(wal_dir) == before, "syncing must keep the local WAL as it was"
    if outcome == "fail":
        assert len(out["received"]) == 1, "after the first failure the rest is not sent"
        assert out["result"].startswith("error: ")
        assert f"{record_count} of {record_count} trace records did not reach" in out["result"]
        assert "network went away" in out["result"] and "untouched" in out["result"]
        return
    assert out["result"].startswith(f"Synced {record_count} trace records")
    assert "local copy is kept" in out["result"]
    assert len(out["received"]) == record_count
    sent = json.dumps(out["received"])
    assert "weave:///local/" not in sent and '"local/codegen"' not in sent
    assert "weave:///team/codegen/" in sent and '"team/codegen"' in sent


def test_sync_with_no_local_traces_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from codegen.tracing.sync import sync_to_hosted

    monkeypatch.setenv("CODEGEN_TRACE_DIR", str(tmp_path))
    assert sync_to_hosted("codegen", wandb_api_key="unused").startswith("Nothing to sync")


def test_trace_sync_error_is_a_runtime_error() -> None:
    assert issubclass(TraceSyncError, RuntimeError)


def test_codegen_traces_lists_evaluations_marked_with_their_model_and_mean(
    traces: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from codegen.cli import main

    assert main(["traces"]) == 0
    lines = capsys.readouterr().out.splitlines()
    evaluations = [line for line in lines if "[evaluation] eval-" in line]
    assert len(evaluations) == 1, lines
    assert "eval-model" in evaluations[0] and " 0.70 " in evaluations[0]
    assert len(lines) == 1 + 4 + 1  # heading, three runs and the evaluation, the failed run's error
    assert main(["traces", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [run["kind"] for run in listed].count("evaluation") == 1
    evaluation = next(run for run in listed if run["kind"] == "evaluation")
    assert evaluation["model"] == "eval-model"
    assert evaluation["scores"] == {
        "overall_score": 0.7,
        "code_quality_score": 0.8,
        "test_coverage_score": 0.6,
    }
    assert {run["kind"] for run in listed if run["prompt"]} == {"run"}
