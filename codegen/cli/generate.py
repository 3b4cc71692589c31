"""`codegen generate PROMPT`: run the pipeline and write NAME.py and test_NAME.py."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import ConfigurationError
from ..execution.frameworks import run_command
from ..files import check_output_directory, refuse_existing, write_all
from ..progress import StderrProgress
from ..session import traced_session
from ..settings import Settings
from ..shaping.naming import check_module_name, module_name_for
from .reporting import mutation_lines, steer_lines, test_run_lines


async def generate_command(args: argparse.Namespace, settings: Settings) -> int:
    progress = StderrProgress(quiet=args.json)
    # Everything that can be checked fails before a model call is paid for.
    check_output_directory(args.out)
    if args.record:
        check_output_directory(args.record)
    module_name = args.module or module_name_for(args.prompt, python=settings.test_python)
    problem = check_module_name(module_name, python=settings.test_python)
    if problem:
        raise ConfigurationError(f"{problem}; pass another --module.")
    # Checked again at write time (the files may appear meanwhile).
    refuse_existing(list(output_paths(args.out, module_name)), force=args.force)

    async with traced_session(settings, record_dir=args.record, replay_dir=args.replay) as session:
        progress.say(
            f"asking {session.client.endpoint} ({settings.model}); traces: {session.tracing.mode}"
        )
        result = await session.generate(
            args.prompt,
            module_name=module_name,
            on_stage=progress.stage,
            on_tokens=progress.tokens,
            project_dir=args.out,
        )
        module_path, test_path = output_paths(args.out, result.module_name)
        if result.module_name != module_name:
            progress.say(
                f"the generated code imports {module_name}, so the module is named"
                f" {result.module_name}"
            )
        write_all({module_path: result.module_code, test_path: result.unit_tests}, force=args.force)

    scores = result.scores
    if args.json:
        payload = {
            **result.as_dict(),
            "files": {"module": str(module_path), "tests": str(test_path)},
            "trace": {
                "mode": session.tracing.mode,
                "location": session.tracing.location,
                "call_id": session.last_call_id,
            },
        }
        print(json.dumps(payload, indent=2))
        return 0
    progress.say("done")
    print(f"Wrote {module_path} (function + main runner)")
    print(f"Wrote {test_path} ({result.test_framework} tests)")
    print(
        f"Scores: code quality {scores.code_quality_score:.2f} · test coverage"
        f" {scores.test_coverage_score:.2f} · overall {scores.overall_score:.2f}"
    )
    for line in execution_summary(result):
        print(line)
    print(
        f"Trace: {session.tracing.detail}"
        + (f" (call {session.last_call_id})" if session.last_call_id else "")
    )
    cd = "" if args.out.resolve() == Path.cwd() else f"cd {args.out} && "
    print(f"Run the tests: {cd}{run_command(result.test_framework, test_path.stem)}")
    return 0


def output_paths(out: Path, module_name: str) -> tuple[Path, Path]:
    """The module file and its test file."""
    return out / f"{module_name}.py", out / f"test_{module_name}.py"


def execution_summary(result) -> list[str]:
    """The sandboxed run, whether the model repaired the tests, and possible bugs in the code."""
    if result.execution is None:
        return ["Tests: not run (--no-run)"]
    lines = test_run_lines(result.execution)
    if result.repaired:
        lines[0] += " · repaired by the model"
    if result.repair_problem:
        lines.append(f"  repair not used: {result.repair_problem}")
    for bug in result.possible_bugs:
        lines.append(
            f"  possible bug in `{bug['function']}`: {bug['test_id']} fails with {bug['message']}"
        )
    if result.mutation is not None:
        lines += mutation_lines(result.mutation)
    if result.steer is not None:
        lines += steer_lines(result.steer)
    return lines
