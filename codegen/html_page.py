"""Self-contained HTML pieces (inline CSS and SVG, no scripts, nothing fetched), every value
escaped."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import Any

MAX_VALUE_CHARS = 20_000  # one input or output shown in full up to this; model output can be huge

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1100px;
padding:0 16px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de}
.muted{color:#656d76}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border-bottom:1px solid #eaeef2;padding:4px 8px;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px;overflow:auto;
max-height:420px;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap;
word-break:break-word}
details{margin:4px 0}
summary{cursor:pointer}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:20px}
.ok{color:#1a7f37}
.bad{color:#cf222e}
.bar{display:inline-block;height:10px;background:#0969da;border-radius:2px;vertical-align:middle}
.charts{display:flex;flex-wrap:wrap;gap:16px}
"""


def esc(value: Any) -> str:
    """Text for HTML, quotes included: model output is untrusted and must never become markup."""
    return html.escape(str(value), quote=True)


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src'
        " 'unsafe-inline'\">"
        f'<meta name="viewport" content="width=device-width"><title>{esc(title)}</title>'
        f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )


def number(value: Any, pattern: str = "{:.2f}") -> str:
    return "n/a" if value is None else esc(pattern.format(value))


def cards(items: Iterable[tuple[str, str]]) -> str:
    """Big numbers with a label under each; values are already formatted (and escaped) text."""
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><b>{value}</b><span class="muted">{esc(label)}</span></div>'
            for label, value in items
        )
        + "</div>"
    )


def table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()
) -> str:
    """Cells are markup (escape text with `esc` first); columns in `numeric` align right."""

    def cell(tag: str, index: int, content: str) -> str:
        return (
            f'<{tag} class="num">{content}</{tag}>'
            if index in numeric
            else f"<{tag}>{content}</{tag}>"
        )

    head = "".join(cell("th", i, esc(h)) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def failures_table(failures: Iterable[dict[str, Any]]) -> str:
    """Tests that did not pass: id, outcome, line and message (TestCaseResult fields), escaped."""
    return table(
        ["test", "outcome", "line", "message"],
        [
            [
                esc(f.get("test_id")),
                esc(f.get("outcome")),
                esc(f.get("line")),
                esc(f.get("message")),
            ]
            for f in failures
        ],
    )


def code_block(text: Any) -> str:
    """A value in a <pre>: strings as they are, anything else as indented JSON; cut at
    MAX_VALUE_CHARS."""
    shown = (
        text
        if isinstance(text, str)
        else json.dumps(text, indent=2, default=str, ensure_ascii=False)
    )
    if len(shown) > MAX_VALUE_CHARS:
        shown = shown[:MAX_VALUE_CHARS] + f"\n[… {len(shown) - MAX_VALUE_CHARS} more characters]"
    return f"<pre>{esc(shown)}</pre>"


def bar(fraction: float, width: int = 160, *, start: float = 0.0) -> str:
    """A horizontal bar `fraction` (0..1) of `width` pixels, beginning `start` (0..1) of the way
    along."""

    def clamp(value: float) -> float:
        return min(max(value, 0.0), 1.0)

    pixels = max(1, round(clamp(fraction) * width))
    return (
        '<span class="bar"'
        f' style="width:{pixels}px;margin-left:{round(clamp(start) * width)}px"></span>'
    )


def histogram(
    title: str, values: Sequence[float], *, low: float = 0.0, high: float = 1.0, bins: int = 10
) -> str:
    """An inline-SVG histogram of `values` over [low, high], with counts over the bars."""
    counts = [0] * bins
    for value in values:
        position = (
            int((min(max(value, low), high) - low) / (high - low) * bins) if high > low else 0
        )
        counts[min(position, bins - 1)] += 1
    tallest = max(counts) or 1
    width, height, pad = 300, 150, 20
    slot = (width - 2 * pad) / bins
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" role="img"'
        f' aria-label="{esc(title)}"><text x="{pad}" y="14" font-size="13"'
        f' font-weight="600">{esc(title)}</text>'
    ]
    for index, count in enumerate(counts):
        bar_height = (height - 40) * count / tallest
        x, y = pad + index * slot, 20 + (height - 40) - bar_height + 10
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{slot - 2:.1f}" height="{bar_height:.1f}" '
            'fill="#0969da"/>'
        )
        if count:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{y - 3:.1f}" font-size="10"'
                f' text-anchor="middle">{count}</text>'
            )
    axis = height - 10 + 10
    parts.append(f'<line x1="{pad}" y1="{axis}" x2="{width - pad}" y2="{axis}" stroke="#656d76"/>')
    parts.append(f'<text x="{pad}" y="{axis + 14}" font-size="10">{esc(f"{low:g}")}</text>')
    parts.append(
        f'<text x="{width - pad}" y="{axis + 14}" font-size="10"'
        f' text-anchor="end">{esc(f"{high:g}")}</text>'
    )
    parts.append(
        f'<text x="{width / 2}" y="{axis + 26}" font-size="10" text-anchor="middle" fill="#656d76">'
        f"{len(values)} values</text></svg>"
    )
    return "".join(parts)
