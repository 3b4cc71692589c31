"""CodeGenerationPipeline: prompt -> function -> (runner || tests) -> formatted, checked, scored."""

from __future__ import annotations

import asyncio
import contextvars
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import weave
from pydantic import PrivateAttr

from .shaping import formatting
from .model import prompts
from .scoring import quality
from . import repair, source
from .errors import GeneratedCodeError, ModelCallError, ModelReplyError, ReplayMiss
from .shaping.imports import (
    defined_names,
    imported_modules,
    point_imports_at_module,
    rebindings,
    strip_definitions_and_imports,
)
from .model.llm import ModelClient
from .shaping.naming import module_name_for, name_beside
from .progress import StageCallback, TokenCallback
from .execution.frameworks import Framework, resolve_framework
from .model.schemas import GeneratedCode, ProgramRunner, UnitTest



class CodeFormatter(weave.Object):
    """Normalizes generated code; every step is traced on its own."""

    @weave.op
    def replace_literal_newlines(self, code: str) -> str:
        return formatting.replace_literal_newlines(code)

    @weave.op
    def strip_markdown_fences(self, code: str) -> str:
        return formatting.strip_markdown_fences(code)

    @weave.op
    def remove_unused(self, code: str) -> str:
        return formatting.remove_unused(code)

    @weave.op
    def sort_imports(self, code: str) -> str:
        return formatting.sort_imports(code)

    @weave.op
    def pep8(self, code: str) -> str:
        return formatting.pep8(code)

    @weave.op
    def format(self, code: str, step: str) -> str:
        """Text repairs, then a syntax check (naming `step`), then autoflake -> isort -> autopep8."""
        code = self.strip_markdown_fences(self.replace_literal_newlines(code.replace("\r\n", "\n")))
        ensure_parses(code, step)
        return formatting.tidy(code, (self.remove_unused, self.sort_imports, self.pep8))


def ensure_parses(code: str, step: str) -> None:
    """Raise GeneratedCodeError (naming the step and the line) unless `code` is valid Python."""
    if not code.strip():
        raise GeneratedCodeError("The model returned empty code; try again or rephrase the prompt.", step=step)
    try:
        with source.AST_LOCK:
            compile(code, f"<{step}>", "exec", dont_inherit=True, flags=0x400)  # ast.PyCF_ONLY_AST
    except SyntaxError as error:
        raise GeneratedCodeError(
            f"The generated code has a syntax error at line {error.lineno}: {error.msg}. Nothing was written; try again.",
            step=step,
        ) from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise GeneratedCodeError(f"The generated code cannot be parsed ({error}). Nothing was written.", step=step) from None


def ensure_uses_module(code: str, module_name: str, names: list[str], step: str, *, runner: bool = False) -> None:
    """Raise GeneratedCodeError when `code` still binds one of the module's names to something else.

    Called on the formatted text: autopep8 turns `f = lambda …` into a def after the rewrite ran. A
    runner shares the module's namespace, so `module_name` is "" for it (no import of them is honest).
    """
    ensure_parses(code, step)  # rebindings() sees nothing in text that does not parse
    found = rebindings(code, module_name, names, module_scope_only=runner)
    if found:
        where = ", ".join(rebinding.describe() for rebinding in found[:5])
        part = "runner" if runner else "tests"
        raise GeneratedCodeError(
            f"The generated {part} redefine the module's own names instead of using them: {where}; "
            f"they would {'run' if runner else 'test'} that code, not the module's. Nothing was written; try again.",
            step=step,
        )


@dataclass
class GenerationResult:
    """What one pipeline run made, formatted and scored, ready to be written."""

    prompt: str
    module_name: str
    generated_code: str
    program_runner: str
    unit_tests: str
    scores: quality.SeedScores
    timings: dict[str, float] = field(default_factory=dict)
    execution: dict[str, Any] | None = None  # TestRunResult.as_dict() of the final run, if tests ran
    repaired: bool = False  # the tests were rewritten by a repair round
    possible_bugs: list[dict[str, Any]] = field(default_factory=list)
    repair_problem: str | None = None  # why the optional repair step could not be used
    test_framework: str = "unittest"  # what the tests are written for and were run with

    @property
    def module_code(self) -> str:
        """The module file: the function(s), then the runner."""
        return join_module(self.generated_code, self.program_runner)

    @property
    def test_file_name(self) -> str:
        return f"test_{self.module_name}.py"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GenerationResult":
        """The inverse of as_dict (predict returns a dict, which is what Weave records)."""
        return cls(**{**data, "scores": quality.SeedScores(**data["scores"])})

    def as_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "module_name": self.module_name,
            "generated_code": self.generated_code,
            "program_runner": self.program_runner,
            "unit_tests": self.unit_tests,
            "scores": self.scores.as_dict(),
            "timings": self.timings,
            "execution": self.execution,
            "repaired": self.repaired,
            "possible_bugs": self.possible_bugs,
            "repair_problem": self.repair_problem,
            "test_framework": self.test_framework,
        }


def join_module(code: str, runner: str) -> str:
    return code.rstrip() + ("\n\n\n" + runner.strip() + "\n" if runner.strip() else "\n")


class _StageClock:
    """Wall time per stage, and the part of it spent waiting for the model.

    One per `run`, held in a context variable: concurrent runs on one pipeline (an evaluation, the
    language server) each see their own, and the runner/tests tasks of one run share it.
    """

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    def add(self, key: str, seconds: float) -> None:
        self.timings[key] = self.timings.get(key, 0.0) + seconds


_clock_var: contextvars.ContextVar[_StageClock] = contextvars.ContextVar("codegen_stage_clock")


def _current_clock() -> _StageClock:
    """The running `run`'s clock; outside a run (a single step called directly), a throwaway one."""
    try:
        return _clock_var.get()
    except LookupError:
        clock = _StageClock()
        _clock_var.set(clock)
        return clock


class CodeGenerationPipeline(weave.Model):
    """The whole pipeline as a Weave Model; `predict(prompt)` returns code, runner, tests and scores."""

    model_name: str = "gpt-4o"
    formatter: CodeFormatter = CodeFormatter()

    _client: ModelClient = PrivateAttr()
    _on_stage: StageCallback | None = PrivateAttr(default=None)
    _on_tokens: TokenCallback | None = PrivateAttr(default=None)
    _call_id: str | None = PrivateAttr(default=None)
    _project_dir: Path | None = PrivateAttr(default=None)
    _framework: Framework | None = PrivateAttr(default=None)

    def __init__(self, client: ModelClient, *, on_stage: StageCallback | None = None,
                 on_tokens: TokenCallback | None = None, project_dir: Path | None = None, **data: Any):
        data.setdefault("model_name", client.settings.model)
        super().__init__(**data)
        self._client = client
        self._on_stage = on_stage
        self._on_tokens = on_tokens
        self._project_dir = project_dir

    @property
    def test_framework(self) -> Framework:
        """The setting, with `auto` decided once from the project folder and the test interpreter."""
        if self._framework is None:
            settings = self._client.settings
            self._framework = resolve_framework(settings.test_framework, self._project_dir, settings.test_python)
        return self._framework

    @property
    def call_id(self) -> str | None:
        """The Weave call id of the last traced `predict`, to tell the user where the trace is."""
        return self._call_id

    def _stage(self, name: str) -> None:
        if self._on_stage is not None:
            self._on_stage(name)

    async def _ask(self, response_model, message: str, *, step: str, prompt: str):
        started = time.perf_counter()
        try:
            return await self._client.ask(response_model, message, step=step, prompt=prompt, on_tokens=self._on_tokens)
        finally:
            _current_clock().add(f"model.{step}", time.perf_counter() - started)

    async def _format(self, code: str, step: str) -> str:
        """Formatting is CPU work (autopep8 alone takes ~10 ms): off the event loop, so a server stays responsive."""
        started = time.perf_counter()
        try:
            return await asyncio.to_thread(contextvars.copy_context().run, self.formatter.format, code, step)
        finally:
            _current_clock().add(f"format.{step}", time.perf_counter() - started)

    @weave.op
    async def generate_code(self, prompt: str) -> GeneratedCode:
        return await self._ask(GeneratedCode, prompts.render("function", prompt=prompt), step="function", prompt=prompt)

    @weave.op
    async def generate_program(self, code: str) -> ProgramRunner:
        return await self._ask(ProgramRunner, prompts.render("runner", code=code), step="runner", prompt=_describe(code))

    @weave.op
    async def generate_tests(self, code: str, module_name: str) -> UnitTest:
        names = [n for n in defined_names(code) if not n.startswith("_")] or defined_names(code)
        message = prompts.render_tests(self.test_framework, code=code, module_name=module_name,
                                       names=", ".join(names) or "*")
        return await self._ask(UnitTest, message, step="tests", prompt=_describe(code))

    @weave.op
    async def repair_tests(self, code: str, tests: str, failures: str, module_name: str) -> UnitTest:
        message = prompts.render_repair(self.test_framework, code=code, tests=tests, failures=failures,
                                        module_name=module_name)
        return await self._ask(UnitTest, message, step="repair", prompt=_describe(code))

    @weave.op
    async def run_tests(self, module_code: str, tests: str, module_name: str):
        """The sandboxed run: a child process under coverage, never this one. Returns a TestRunResult."""
        from .execution import run_tests_async

        settings = self._client.settings
        started = time.perf_counter()
        try:
            result = await run_tests_async(
                module_code, tests, module_name=module_name, python=settings.test_python,
                timeout=settings.test_timeout, repeats=settings.test_repeats,
                allow_unsandboxed=settings.allow_unsandboxed_tests, framework=self.test_framework,
            )
        finally:
            _current_clock().add("run", time.perf_counter() - started)
        return result

    async def tests_that_pass(self, code: str, module_code: str, tests: str, module_name: str):
        """Run the tests; on failures, up to `repair_rounds` repairs, keeping whichever version fails least.

        Repair is optional: an unusable repair (a refusal, a reply that does not parse or has the wrong
        shape, a failing endpoint) keeps the tests already made and is reported, never fatal.
        Returns (tests, TestRunResult, repaired, possible bugs, why repair stopped or None).
        """
        self._stage("run")
        best_result = await self.run_tests(module_code, tests, module_name)
        repaired, repair_problem = False, None
        for _ in range(self._client.settings.repair_rounds):
            if not repair.needs_repair(best_result):
                break
            self._stage("repair")
            try:
                reply = await self.repair_tests(code, tests, repair.failure_report(best_result), module_name)
                candidate = await self._finish_tests(reply.test_code, code, module_name, step="repair")
            except (ModelCallError, ModelReplyError, GeneratedCodeError, ReplayMiss) as error:
                repair_problem = f"{error} The tests as first generated were kept."
                break
            self._stage("run")
            outcome = await self.run_tests(module_code, candidate, module_name)
            if repair.failure_count(outcome) < repair.failure_count(best_result):
                tests, best_result, repaired = candidate, outcome, True
        bugs = repair.possible_bugs(tests, best_result, defined_names(code))
        return tests, best_result, repaired, bugs, repair_problem

    async def function_for(self, prompt: str) -> str:
        """The formatted function(s) for a prompt."""
        self._stage("function")
        reply = await self.generate_code(prompt)
        code = await self._format(reply.code, "function")
        if not defined_names(code):
            raise GeneratedCodeError(
                "The model's answer defines no function; try again or make the prompt more specific.", step="function"
            )
        return code

    async def runner_for(self, code: str) -> str:
        """A formatted `main()` + guard calling the functions of `code`, defining none of them."""
        self._stage("runner")
        reply = await self.generate_program(code)
        runner = formatting.normalize_text(reply.main_function_code)
        ensure_parses(runner, "runner")
        names = defined_names(code)
        runner = await self._format(strip_definitions_and_imports(runner, names), "runner")
        ensure_uses_module(runner, module_name="", names=names, step="runner", runner=True)
        return runner

    async def tests_for(self, code: str, module_name: str) -> str:
        """A formatted test file (the chosen framework) importing the functions from `module_name`."""
        self._stage("tests")
        reply = await self.generate_tests(code, module_name)
        return await self._finish_tests(reply.test_code, code, module_name, step="tests")

    async def _finish_tests(self, test_code: str, code: str, module_name: str, *, step: str) -> str:
        tests = formatting.normalize_text(test_code)
        ensure_parses(tests, step)
        names = defined_names(code)
        tests = await self._format(point_imports_at_module(tests, module_name, names), step)
        ensure_uses_module(tests, module_name, names, step)
        return tests

    @weave.op
    async def generate_for_editor(self, kind: str, prompt: str, source: str, module_name: str,
                                  runner_exists: bool = False) -> dict[str, str]:
        """What an editor's code action asks for, traced as one call (listed by `codegen traces`).

        `kind`: "function" or "all" (from the comment `prompt`; `source` is the same text), "runner" or
        "tests" (for the function `source`; `prompt` says which). The tests are not run here: the editor
        runs them against the module as it will be once the edit lands.
        """
        call = weave.get_current_call()
        self._call_id = call.id if call is not None else None
        code = runner = tests = ""
        if kind in ("function", "all"):
            code = await self.function_for(source)
        if kind == "all":
            runner_step = self.runner_for(code) if not runner_exists else _no_runner()
            runner, tests = await gather_or_cancel(runner_step, self.tests_for(code, module_name))
        elif kind == "runner":
            runner = await self.runner_for(source)
        elif kind == "tests":
            tests = await self.tests_for(source, module_name)
        elif kind != "function":
            raise ValueError(f"unknown kind {kind!r}")
        return {"generated_code": code, "program_runner": runner, "unit_tests": tests, "module_name": module_name}

    @weave.op
    async def predict(self, prompt: str, module_name: str | None = None) -> dict[str, Any]:
        call = weave.get_current_call()
        self._call_id = call.id if call is not None else None
        result = await self.run(prompt, module_name=module_name)
        return result.as_dict()

    async def run(self, prompt: str, *, module_name: str | None = None) -> GenerationResult:
        """Every stage; raises a CodegenError naming the failed step, having produced nothing partial."""
        if not prompt.strip():
            raise GeneratedCodeError("The prompt is empty; describe the function you want.", step="function")
        clock = _StageClock()
        _clock_var.set(clock)
        started = time.perf_counter()
        if not module_name:  # asking the test interpreter what it can import takes a process start
            module_name = await asyncio.to_thread(module_name_for, prompt, python=self._client.settings.test_python)
        code = await self.function_for(prompt)
        # `import requests` in a module named requests.py would import the module itself.
        module_name = name_beside(module_name, imported_modules(code))
        # The runner adds nothing the tests need, so both are asked for at once.
        runner, tests = await gather_or_cancel(self.runner_for(code), self.tests_for(code, module_name))
        self._stage("format")  # each part was formatted as it arrived; the module is their join
        module_code = join_module(code, runner)
        execution, repaired, bugs, repair_problem = None, False, [], None
        if self._client.settings.run_tests:
            tests, run_result, repaired, found, repair_problem = await self.tests_that_pass(
                code, module_code, tests, module_name
            )
            execution, bugs = run_result.as_dict(), [bug.as_dict() for bug in found]
        self._stage("score")
        score_started = time.perf_counter()
        scores = quality.seed_scores(code, tests)
        _current_clock().add("score", time.perf_counter() - score_started)
        _current_clock().add("total", time.perf_counter() - started)
        return GenerationResult(
            prompt=prompt,
            module_name=module_name,
            generated_code=code,
            program_runner=runner,
            unit_tests=tests,
            scores=scores,
            timings=dict(clock.timings),
            execution=execution,
            repaired=repaired,
            possible_bugs=bugs,
            repair_problem=repair_problem,
            test_framework=self.test_framework,
        )


async def _no_runner() -> str:
    return ""


async def gather_or_cancel(*coroutines):
    """Like asyncio.gather, but the first failure cancels the siblings instead of leaving them running."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _describe(code: str) -> str:
    """How replay misses name a runner/tests request: by the functions it is for."""
    return f"the code defining {', '.join(defined_names(code)) or 'nothing'}"
