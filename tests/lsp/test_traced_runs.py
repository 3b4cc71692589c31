"""An editor's generation is one traced `CodeGenerationPipeline.predict` call that `codegen traces`
lists."""

from __future__ import annotations

from tests.helpers.lsp_editor import copy_data, generate_everything


async def test_an_editor_generation_is_one_traced_run_that_codegen_traces_lists(
    start_editor, workspace, model, tmp_path
):
    import asyncio
    import json
    import os
    import subprocess
    import sys

    copy_data("prompt_module.py", workspace)
    editor = await start_editor(model=model, env={"CODEGEN_TRACING": "local"})
    await generate_everything(editor)

    def listed() -> list[dict]:
        completed = subprocess.run(
            [sys.executable, "-m", "codegen", "traces", "--json"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "HOME": str(tmp_path / "home"), "CODEGEN_TRACING": "local"},
        )
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout)

    runs: list[dict] = []
    for _ in range(40):  # the WAL is appended as the call ends; give the writer a moment
        runs = listed()
        if runs:
            break
        await asyncio.sleep(0.25)
    [run] = runs
    assert run["op_name"].endswith("CodeGenerationPipeline.predict")
    assert "moving average" in run["prompt"]


async def test_show_trace_gives_our_client_the_page_and_others_its_path(
    start_editor, workspace, model
):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(model=model, env={"CODEGEN_TRACING": "local"})
    await generate_everything(editor)

    page = await editor.command("codegen.showTrace", {"webview": True})
    assert page["mode"] == "local" and page["callId"]
    assert "<title>Trace:" in page["html"]
    assert "moving average" in page["html"] and "CodeGenerationPipeline.predict" in page["html"]
    assert "<script" not in page["html"]
    # The run, its tests and its scores are inside the traced call: the page shows them as the CLI's
    # does.
    assert "overall score" in page["html"] and "tests passed" in page["html"]

    elsewhere = await editor.command("codegen.showTrace")
    assert "html" in elsewhere and elsewhere["path"].endswith(".html")
    assert elsewhere["path"] in elsewhere["message"]
