"""Generating into a 20,000-line module parses it once and formats only what was generated."""

from __future__ import annotations

import asyncio
import builtins
from pathlib import Path

import pytest

from codegen.execution.sandbox import Sandbox
from codegen.generation import Destination, SavedFiles
from codegen.session import GenerationSession
from codegen.settings import load_settings
from codegen.shaping import formatting
from codegen_lsp.editing.anchors import anchor_for_request
from codegen_lsp.editing.plans import FilesSnapshot, Generated, edit_for, plan
from codegen_lsp.run_results import module_results

PROMPT = "# compute the moving average of a time series with a window\n"
BLOCK = '''def scale_{i}(values: list[float], factor: float) -> list[float]:
    """Multiply every value by factor."""
    result = []
    for value in values:
        result.append(value * factor)
    return result


'''


def big_module(lines: int) -> str:
    """Functions and their blank lines, about `lines` lines, then the prompt."""
    count = lines // BLOCK.count("\n")
    return "import math\n\n\n" + "".join(BLOCK.format(i=i) for i in range(count)) + PROMPT


class Handed:
    """The sizes of the texts handed to Python's compiler (every parse: ast.parse, the formatters'
    own) and to the three formatters, and the sandboxed runs (each imports the whole module in
    its child), while it is installed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.parsed: list[int] = []
        self.formatted: list[int] = []
        self.sandboxes: list[str] = []
        compile_ = builtins.compile
        enter = Sandbox.__enter__

        def counted_enter(sandbox: Sandbox) -> Sandbox:
            self.sandboxes.append(sandbox.spec.module_name)
            return enter(sandbox)

        monkeypatch.setattr(Sandbox, "__enter__", counted_enter)

        def counted_compile(source, *arguments, **keywords):
            if isinstance(source, (str, bytes)):
                self.parsed.append(len(source))
            return compile_(source, *arguments, **keywords)

        monkeypatch.setattr(builtins, "compile", counted_compile)
        for name in ("remove_unused", "sort_imports", "pep8"):
            monkeypatch.setattr(formatting, name, self._counting(getattr(formatting, name)))

    def _counting(self, step):
        def counted(code: str) -> str:
            self.formatted.append(len(code))
            return step(code)

        return counted


def generate_and_edit(model, tmp_path: Path, text: str):
    """The server's path for "Generate function, runner and tests", in process: the pipeline's
    predict, its tests run against the files as `plan` merges them, the run's results attached to
    the module's functions, and the workspace edit."""
    module_path = tmp_path / "big.py"
    files = FilesSnapshot(
        module_path.as_uri(), text, 1, module_path, tmp_path / "test_big.py", None, None
    )

    class Request:
        uri, kind, line, function = files.uri, "all", text.count("\n") - 1, None

    anchor = anchor_for_request(Request, text)
    merged: dict[str, str] = {}

    async def compose(code: str, runner: str, tests: str) -> SavedFiles:
        module, test_file = plan(files, anchor, Generated(code, runner, tests))
        assert test_file is not None
        merged[test_file.new_text] = module.new_text
        return SavedFiles(module.new_text, test_file.new_text)

    settings = load_settings(
        {"base_url": model.base_url, "tracing": "off", "test_repeats": 1}, environ={}
    )

    async def predict():
        session = GenerationSession(settings)
        try:
            pipeline = session.pipeline(
                destination=Destination("big", compose, (str(tmp_path),), None)
            )
            return await pipeline.predict(PROMPT.strip("# \n")), pipeline.last_run
        finally:
            await session.close()

    output, (saved, run) = asyncio.run(predict())
    results = module_results(saved.module_code, saved.test_code, run)
    generated = Generated(output["generated_code"], output["program_runner"], output["unit_tests"])
    changes, _ = edit_for(files, anchor, generated, len, document_changes=True, creates=True)
    return output, results, changes


def test_a_generation_into_a_20000_line_module_parses_it_once(model, tmp_path, monkeypatch):
    text = big_module(20_000)
    handed = Handed(monkeypatch)
    output, results, changes = generate_and_edit(model, tmp_path, text)

    # What the user sees: the function, runner and tests went in, and their tests ran and passed.
    assert results.functions["moving_average"].tests_passed == 3
    new_module = changes[0].new_text
    assert new_module.startswith("import math\n") and "def moving_average(" in new_module
    assert new_module.rstrip().endswith("main()") and len(new_module) > len(text)
    generated = sum(
        len(output[part]) for part in ("generated_code", "program_runner", "unit_tests")
    )
    # The module goes to Python's parser at most once (the goal): merging finds its imports, and
    # coverage, the distrust check and the results find the generated functions, statement by
    # statement; coverage.py reads only those functions' lines. Every text formatted is no longer
    # than the generated parts.
    whole = [size for size in handed.parsed if size >= len(text)]
    assert len(whole) <= 1, f"the module was parsed {len(whole)} times: {whole}"
    assert max(handed.formatted) <= generated, handed.formatted
    # The sandbox imports the module once to run the tests and once for the mutants: the mutation
    # run's clean run is the test run the generation just made (the module's own parse in each
    # child costs seconds at 200,000 lines).
    assert output["mutation"]["total"] > 0, output["mutation"]
    assert len(handed.sandboxes) == 2, handed.sandboxes
