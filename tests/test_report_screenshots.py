"""Both HTML pages rendered by headless Chromium: a real browser lays them out into a non-blank
screenshot.

Run by `make test-reports` (CI runs it after `make test-vscode`, which installs Debian's chromium);
`make test` leaves these out (marker `screenshot`).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from codegen.tracing.page import render_call_html
from tests.helpers.reports import evaluate_demo, traced_generate

pytestmark = pytest.mark.screenshot
WIDTH, HEIGHT = 1000, 900
# A blank page of this size compresses to a few kilobytes; text, tables and charts take far more.
MIN_PNG_BYTES = 20_000


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = (
            "Debian's chromium is not installed (apt-get install chromium); the screenshot "
            "check needs it"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def screenshot(chromium: str, page: Path, tmp_path: Path) -> bytes:
    """The PNG of `page`; fails on any console message (an error, a refused resource, a CSP
    violation)."""
    png = tmp_path / f"{page.stem}.png"
    completed = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--window-size={WIDTH},{HEIGHT}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0 and png.is_file(), completed.stderr[-2000:]
    console = [line for line in completed.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    return png.read_bytes()


def assert_real_screenshot(data: bytes) -> None:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(data) > MIN_PNG_BYTES, len(data)


def test_the_eval_report_renders_in_chromium(chromium, tmp_path, capsys):
    evaluate_demo(tmp_path)
    assert_real_screenshot(screenshot(chromium, tmp_path / "report.html", tmp_path))


def test_the_trace_page_renders_in_chromium(chromium, model, tmp_path, capsys):
    traced_generate(model, tmp_path)
    page = tmp_path / "trace.html"
    page.write_text(render_call_html(), encoding="utf-8")
    assert_real_screenshot(screenshot(chromium, page, tmp_path))


def test_a_blank_page_is_not_taken_for_a_report(chromium, tmp_path):
    page = tmp_path / "blank.html"
    page.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    with pytest.raises(AssertionError):
        assert_real_screenshot(screenshot(chromium, page, tmp_path))


def test_a_console_error_is_caught(chromium, tmp_path):
    page = tmp_path / "noisy.html"
    page.write_text(
        '<!DOCTYPE html><html><body><script>console.error("broken")</script>text</body></html>',
        encoding="utf-8",
    )
    with pytest.raises(AssertionError, match="broken"):
        screenshot(chromium, page, tmp_path)
