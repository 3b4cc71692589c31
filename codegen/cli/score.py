"""`codegen score FILE`: seed scores and findings; with --run, the sandboxed test run too."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import CodegenError
from ..progress import StderrProgress
from ..scoring import quality
from ..settings import Settings
from ..source import without_bom
from .reporting import mutation_lines, test_run_lines


def read_source(path: Path) -> str:
    """Any file's text as Python reads it (no byte-order mark): undecodable bytes become U+FFFD so
    scoring never fails on encoding."""
    try:
        return without_bom(path.read_bytes().decode("utf-8", errors="replace"))
    except OSError as error:
        raise CodegenError(f"Cannot read {path}: {error.strerror or error}.") from None


def default_tests_path(module: Path) -> Path | None:
    for candidate in (
        module.with_name(f"test_{module.stem}.py"),
        module.parent / "tests" / f"test_{module.stem}.py",
    ):
        if candidate.is_file():
            return candidate
    return None


def score_command(args: argparse.Namespace, settings: Settings) -> int:
    code = read_source(args.file)
    tests_path = args.tests or default_tests_path(args.file)
    tests = read_source(tests_path) if tests_path else ""
    scores = quality.seed_scores(code, tests)
    found = quality.findings(code, tests if tests_path else None)
    report: dict = {
        "file": str(args.file),
        "tests": str(tests_path) if tests_path else None,
        "scores": scores.as_dict(),
        "findings": [
            {
                "code": f.code,
                "message": f.message,
                "function": f.function,
                "line": f.start_line,
                "column": f.start_col,
            }
            for f in found
        ],
        "execution": None,
    }
    if args.run or args.mutation:
        if tests_path is None:
            raise CodegenError(
                f"No tests to run: pass --tests, or put test_{args.file.stem}.py beside"
                f" {args.file}."
            )
        if args.mutation:
            report["execution"] = _mutation_run(args, settings, code, tests, tests_path)
        else:
            report["execution"] = _test_run(args, settings, code, tests, tests_path)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 0


def _test_run(
    args: argparse.Namespace, settings: Settings, code: str, tests: str, tests_path: Path
) -> dict:
    from ..execution import run_tests

    return run_tests(
        code,
        tests,
        module_name=args.file.stem,
        test_module_name=tests_path.stem,
        python=settings.test_python,
        timeout=settings.test_timeout,
        repeats=settings.test_repeats,
        extra_paths=[str(args.file.parent.resolve())],
        allow_unsandboxed=settings.allow_unsandboxed_tests,
    ).as_dict()


def _mutation_run(
    args: argparse.Namespace, settings: Settings, code: str, tests: str, tests_path: Path
) -> dict:
    """The clean run and the mutation report under it, as `execution` and `execution.mutation`."""
    import asyncio

    from ..mutation import mutation_test

    progress = StderrProgress(label="mutation")
    try:
        report = asyncio.run(
            mutation_test(
                args.file,
                tests_path,
                functions=args.functions,
                python=settings.test_python,
                timeout=settings.test_timeout,
                extra_paths=[str(args.file.parent.resolve())],
                allow_unsandboxed=settings.allow_unsandboxed_tests,
                module_source=code,
                test_source=tests,
                progress=progress.say,
            )
        )
    except ValueError as error:
        raise CodegenError(f"{error}.") from None
    assert report.clean is not None  # every report starts with the clean run
    return {**report.clean.as_dict(), "mutation": report.as_dict()}


def print_report(report: dict) -> None:
    s = report["scores"]
    print(
        f"{report['file']}: code quality {s['code_quality_score']:.2f} · test coverage "
        f"{s['test_coverage_score']:.2f} · overall {s['overall_score']:.2f}"
    )
    print(f"tests: {report['tests'] or 'none found'}")
    if report["findings"]:
        print(f"findings ({len(report['findings'])}):")
        for f in report["findings"]:
            print(f"  {report['file']}:{f['line']}:{f['column'] + 1}: {f['code']}: {f['message']}")
    else:
        print("findings: none")
    run = report["execution"]
    if run is None:
        return
    for line in test_run_lines(run, label="run"):
        print(line)
    for function in run["functions"]:
        missing = (
            f" (missing lines {', '.join(map(str, function['missing_lines']))})"
            if function["missing_lines"]
            else ""
        )
        print(f"  {function['name']}: {function['percent']:.0f}% covered{missing}")
    if run.get("mutation"):
        for line in mutation_lines(run["mutation"]):
            print(line)
