"""Bar charts drawn as inline SVG on the server (no script, no third-party library).

Only SVG presentation attributes are used (no ``style``), so the page's CSP needs no
``'unsafe-inline'``. Each chart carries a ``<title>`` and a ``<desc>`` for screen readers and
is followed in the page by the same figures as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["bar_chart", "column_chart"]

_BAR = "#1f5f8b"
_TEXT = "#1b1b1b"


def bar_chart(title: str, rows: Sequence[tuple[str, int]], *, width: int = 520) -> str:
    """Horizontal bars, one per label (vendors, sites, agents)."""
    if not rows:
        return ""
    label_w, bar_h, gap = 170, 20, 6
    top = max(v for _, v in rows) or 1
    height = len(rows) * (bar_h + gap) + gap
    scale = (width - label_w - 50) / top
    parts = _open(title, width, height, rows)
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(int(value * scale), 1 if value else 0)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" font-size="13" '
            f'fill="{_TEXT}">{escape(label[:24])}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{_BAR}"/>'
            f'<text x="{label_w + w + 6}" y="{y + 15}" font-size="13" fill="{_TEXT}">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(title: str, columns: Sequence[tuple[str, int]], *, height: int = 180) -> str:
    """Vertical columns over time (one per day)."""
    if not columns:
        return ""
    col_w, gap, base = 30, 8, 30
    width = len(columns) * (col_w + gap) + gap
    top = max(v for _, v in columns) or 1
    scale = (height - base - 20) / top
    parts = _open(title, width, height, columns)
    for i, (label, value) in enumerate(columns):
        x = gap + i * (col_w + gap)
        h = int(value * scale)
        y = height - base - h
        parts.append(
            f'<rect x="{x}" y="{y}" width="{col_w}" height="{h}" fill="{_BAR}"/>'
            f'<text x="{x + col_w // 2}" y="{y - 4}" text-anchor="middle" font-size="11" '
            f'fill="{_TEXT}">{value}</text>'
            f'<text x="{x + col_w // 2}" y="{height - base + 14}" text-anchor="middle" '
            f'font-size="10" fill="{_TEXT}">{escape(label[-5:])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _open(title: str, width: int, height: int, rows: Sequence[tuple[str, int]]) -> list[str]:
    ident = "c-" + _id(title)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{ident}">',
        f'<title id="{ident}">{escape(title)}</title>',
        f"<desc>{escape(', '.join(f'{k}: {v}' for k, v in rows))}</desc>",
    ]


def _id(title: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in title.lower())[:40]
