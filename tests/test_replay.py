"""Record and replay: the demo replays offline, recordings round-trip, a miss names the prompt."""

from __future__ import annotations

from pathlib import Path

from codegen.cli import main
from codegen.shaping.naming import module_name_for
from tests.helpers.cli import generate
from tests.helpers.ports import closed_port_url

ROOT = Path(__file__).resolve().parent.parent
REPLAY = ROOT / "codegen" / "demo" / "replay"


def replay(endpoint: str | None, out: Path, prompt: str) -> int:
    """Exit code of `codegen generate PROMPT --replay REPLAY --out OUT`, naming `endpoint`."""
    return generate(
        endpoint, out, "--replay", str(REPLAY), prompt=prompt, max_retries=None, timeout=None
    )


def test_demo_prompts_replay_offline_and_their_tests_pass(tmp_path, capsys):
    import subprocess
    import sys

    prompts = (ROOT / "codegen" / "demo" / "prompts.csv").read_text().splitlines()[1:]
    assert len(prompts) == 3
    for prompt in prompts:
        # A closed base URL proves replay never touches the network.
        assert replay(closed_port_url(), tmp_path, prompt) == 0, capsys.readouterr().err
        assert (tmp_path / f"test_{module_name_for(prompt)}.py").is_file()
    run = subprocess.run(
        [sys.executable, "-m", "unittest"], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "Ran 20 tests" in run.stderr


def test_recorded_answers_replay_identically(model, tmp_path):
    record, first, second = tmp_path / "rec", tmp_path / "a", tmp_path / "b"
    args = ["generate", "sum two numbers", "--module", "adder", "--tracing", "off"]
    assert (
        main([*args, "--out", str(first), "--base-url", model.base_url, "--record", str(record)])
        == 0
    )
    assert len(list(record.glob("*.json"))) == 3
    requests_before = len(model.requests)
    assert main([*args, "--out", str(second), "--replay", str(record)]) == 0
    assert len(model.requests) == requests_before
    for name in ("adder.py", "test_adder.py"):
        assert (first / name).read_text() == (second / name).read_text()


def test_replay_miss_names_the_prompt_and_writes_nothing(tmp_path, capsys):
    assert replay(None, tmp_path, "reverse a linked list") == 1
    err = capsys.readouterr().err
    assert "No recorded answer" in err and "'reverse a linked list'" in err and "--record" in err
    assert list(tmp_path.iterdir()) == []


def test_codegen_demo_replays_the_shipped_answers_offline(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing from the checkout: the answers ship inside the package
    assert main(["demo", "--out", "out", "--tracing", "off", "--base-url", closed_port_url()]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        name
        for prompt in (ROOT / "codegen" / "demo" / "prompts.csv").read_text().splitlines()[1:]
        for name in (f"{module_name_for(prompt)}.py", f"test_{module_name_for(prompt)}.py")
    )
    out = capsys.readouterr().out
    assert out.count("Tests: ") == 3 and "failed" not in out
    assert "written by hand for this demo" in out
