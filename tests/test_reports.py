"""The HTML pages: an evaluation report and one traced generation, rendered from real runs and read
back."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from codegen.cli import main
from codegen.tracing.page import render_call_html
from tests.helpers.reports import evaluate_demo, traced_generate
from tests.loopback_model import MOVING_AVERAGE, Reply

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "compute the moving average of a time series with a window"
HOSTILE = '</pre><script>alert("x")</script><img src=x onerror=alert(1)>'


class PageReader(HTMLParser):
    """The tags, attributes and text of a page, so tests check what a browser would see."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_parts: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())


def assert_self_contained(page: str) -> PageReader:
    """No script, nothing loaded from anywhere: no external src/href, no <link>, <img>, <iframe>."""
    reader = PageReader(page)
    names = {tag for tag, _ in reader.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed"}, names
    for tag, attrs in reader.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)  # no event handlers
            if name in ("src", "href") and tag != "svg":
                assert (value or "").startswith("#"), (tag, name, value)  # only in-page anchors
    return reader


def test_eval_html_shows_the_reports_numbers_per_prompt_and_its_drill_down(tmp_path, capsys):
    report, page = evaluate_demo(tmp_path)
    assert f"HTML report: {tmp_path / 'report.html'}" in capsys.readouterr().out
    reader = assert_self_contained(page)
    summary = report["summary"]
    assert "<title>Evaluation: 3 prompts with gpt-4o</title>" in page
    text = reader.text
    assert f"{summary['succeeded']}/{summary['rows']} succeeded" in text
    assert f"{summary['tests_passed']}/{summary['tests_run']} tests passed" in text
    assert f"{summary['line_coverage']:.1f}% line coverage" in text
    assert page.count("<svg") == 4  # three score histograms and the pass rate's
    for index, row in enumerate(report["rows"], start=1):
        execution = row["execution"]
        assert f"{index} {row['prompt']} ok 1.00 1.00" in text
        assert (
            f"{execution['passed']}/{execution['tests_run']} {execution['line_coverage']:.0f}%"
            in text
        )
        assert f'id="row-{index}"' in page and f'href="#row-{index}"' in page
        assert row["code"].splitlines()[-1].strip() in text and "def test_" in row["tests"]
    for stage, stats in summary["latency"].items():
        assert f"{stage} {stats['p50']:.2f} {stats['p95']:.2f}" in text
    first = report["rows"][0]
    assert first["code"] and first["tests"] and first["failures"] == []


def test_eval_html_escapes_prompts_and_shows_failures(model, tmp_path):
    dataset = tmp_path / "hostile.jsonl"
    dataset.write_text(
        json.dumps({"prompt": "sum two numbers " + HOSTILE})
        + "\n"
        + json.dumps({"prompt": "explode"})
        + "\n"
    )
    model.enqueue(Reply.error(500, "upstream " + HOSTILE, kind="GeneratedCode"))
    page = tmp_path / "r.html"
    assert (
        main(
            [
                "eval",
                "--dataset",
                str(dataset),
                "--base-url",
                model.base_url,
                "--tracing",
                "off",
                "--max-retries",
                "0",
                "--parallel",
                "1",
                "--report",
                str(tmp_path / "r.json"),
                "--html",
                str(page),
            ]
        )
        == 0
    )
    html = page.read_text(encoding="utf-8")
    reader = assert_self_contained(html)
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert HOSTILE in reader.text  # shown as text, exactly
    assert "1/2 succeeded" in reader.text and "failed" in reader.text and "HTTP 500" in reader.text


def test_trace_page_of_a_traced_generation_shows_steps_timings_io_and_scores(
    model, tmp_path, capsys
):
    traced_generate(model, tmp_path)
    payload = json.loads(capsys.readouterr().out)
    call_id = payload["trace"]["call_id"]
    assert main(["traces", "show", "--html", str(tmp_path / "trace.html")]) == 0  # the latest run
    assert f"Wrote {tmp_path / 'trace.html'}" in capsys.readouterr().out
    html = (tmp_path / "trace.html").read_text(encoding="utf-8")
    assert html == render_call_html(call_id[:13])  # the function the server can call, by id prefix
    reader = assert_self_contained(html)
    text = reader.text
    assert f"<title>Trace: {PROMPT}</title>" in html and f"call {call_id}" in text
    assert (
        "1.00 code quality score 1.00 test coverage score 1.00 overall score 3/3 tests passed"
        in text
    )
    for step in (
        "CodeGenerationPipeline.predict",
        "CodeGenerationPipeline.generate_code",
        "openai.chat.completions.create",
        "CodeFormatter.pep8",
        "CodeGenerationPipeline.run_tests",
    ):
        assert step in text
    assert "input prompt" in text and PROMPT in text  # the inputs
    assert (
        "def moving_average(series: List[float], window: int) -&gt; List[float]:" in html
    )  # outputs, escaped
    assert "from ma import moving_average" in text  # the tests as written
    assert "none: every test passed" in text
    assert html.count('class="bar"') == len(re.findall(r"<details", html))  # one bar per step


def test_traces_show_prints_the_steps_with_their_times(model, tmp_path, capsys):
    traced_generate(model, tmp_path)
    capsys.readouterr()
    assert main(["traces", "show"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == f"prompt: {PROMPT}"
    assert "scores: code_quality_score 1.00 · test_coverage_score 1.00 · overall_score 1.00" in out
    assert "tests: 3/3 passed" in out
    steps = [line for line in out if line.endswith("CodeGenerationPipeline.generate_code")]
    assert len(steps) == 1 and steps[0].strip().split("s ")[0].replace(".", "").isdigit()


def test_model_output_cannot_inject_markup_into_the_trace_page(model, tmp_path, capsys):
    hostile_code = MOVING_AVERAGE.replace('"""Return the simple', f'"""{HOSTILE} Return the simple')
    model.enqueue(Reply.code("GeneratedCode", hostile_code))
    traced_generate(model, tmp_path, "--no-run")
    call_id = json.loads(capsys.readouterr().out)["trace"]["call_id"]
    html = render_call_html(call_id)
    reader = assert_self_contained(html)
    assert "<script>" not in html and "<img" not in html
    assert HOSTILE in reader.text  # the docstring, shown as the model wrote it


def test_unknown_or_missing_traces_name_the_fix(model, tmp_path, capsys):
    assert main(["traces", "show"]) == 1
    assert "No traced runs" in capsys.readouterr().err
    traced_generate(model, tmp_path, "--no-run")
    capsys.readouterr()
    assert main(["traces", "show", "no-such-call"]) == 1
    assert (
        "is not in the local traces; `codegen traces` lists the recent runs"
        in capsys.readouterr().err
    )
    with pytest.raises(SystemExit):
        main(["traces", "list", "--bogus"])
    assert main(["traces", "list", "abc"]) == 2
    assert "goes with `traces show`" in capsys.readouterr().err


def test_trace_page_lists_the_failing_tests_with_their_messages(model, tmp_path, capsys):
    wrong = model.answers["UnitTest"].replace("[1.5, 2.5, 3.5]", "[1.5, 2.5, 9.5]")
    model.enqueue(Reply.code("UnitTest", wrong))
    traced_generate(model, tmp_path, "--repair-rounds", "0")
    payload = json.loads(capsys.readouterr().out)
    [failure] = [t for t in payload["execution"]["tests"] if t["outcome"] == "failed"]
    text = assert_self_contained(render_call_html()).text
    assert "2/3 tests passed" in text
    assert f"{failure['test_id']} failed {failure['line']} {failure['message']}" in text
