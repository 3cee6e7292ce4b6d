"""Server-side SVG charts: pure functions from labelled numbers to escaped SVG markup.

No JavaScript, no CDN, no inline styles (colours are presentation attributes and CSS
classes), so the charts work under a strict Content-Security-Policy and without network.
Every chart has a <title> and <desc> for screen readers, and each bar its value as text.
"""

from collections.abc import Callable, Sequence
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

Number = int | float | Decimal
PALETTE = ("#0b5c8c", "#e08a00", "#1c7c43", "#8c2d7a", "#c8102e", "#4f6d7a")
LABEL_WIDTH = 250
BAR_HEIGHT = 22
BAR_GAP = 10
VALUE_WIDTH = 150
TOP = 8


def _fmt_default(value: Number) -> str:
    return f"{value:,.0f}" if isinstance(value, int | Decimal | float) else str(value)


def _chart_open(*, chart_id: str, title: str, description: str, width: int, height: int) -> str:
    return (
        f'<svg class="chart" id="{escape(chart_id)}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
    )


def _truncate(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else f"{label[: limit - 1]}…"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, Number]],
    value_format: Callable[[Number], str] = _fmt_default,
    width: int = 720,
    colour: str = PALETTE[0],
) -> SafeString:
    """Horizontal bars, one per (label, value), longest scaled to the plot width."""
    items = list(items)
    height = TOP * 2 + max(len(items), 1) * (BAR_HEIGHT + BAR_GAP)
    plot = width - LABEL_WIDTH - VALUE_WIDTH
    peak = max((float(v) for _, v in items), default=0.0) or 1.0
    description = "; ".join(f"{label}: {value_format(value)}" for label, value in items)
    parts = [
        _chart_open(
            chart_id=chart_id,
            title=title,
            description=description or title,
            width=width,
            height=height,
        )
    ]
    for i, (label, value) in enumerate(items):
        y = TOP + i * (BAR_HEIGHT + BAR_GAP)
        length = max(float(value) / peak * plot, 0.0)
        if float(value) > 0:
            length = max(length, 2.0)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.7:.1f}" text-anchor="end" '
            f'font-size="13" fill="#1c2733">{escape(_truncate(str(label)))}</text>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" '
            f'height="{BAR_HEIGHT}" rx="3" fill="{colour}"></rect>'
            f'<text class="bar-value" x="{LABEL_WIDTH + length + 6:.1f}" '
            f'y="{y + BAR_HEIGHT * 0.7:.1f}" font-size="13" fill="#1c2733">'
            f"{escape(value_format(value))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label and value above is escaped


def grouped_bar_chart(
    *,
    chart_id: str,
    title: str,
    series: Sequence[str],
    groups: Sequence[tuple[str, Sequence[Number]]],
    value_format: Callable[[Number], str] = _fmt_default,
    width: int = 720,
) -> SafeString:
    """Per group (e.g. an opportunity list), one bar per series (total, sought, signed)."""
    groups = list(groups)
    per_group = len(series) * (BAR_HEIGHT + 4) + BAR_GAP * 2 + 18
    legend_height = 28
    height = TOP + legend_height + max(len(groups), 1) * per_group
    plot = width - LABEL_WIDTH - VALUE_WIDTH
    peak = max((float(v) for _, values in groups for v in values), default=0.0) or 1.0
    description = "; ".join(
        f"{name}: "
        + ", ".join(f"{s} {value_format(v)}" for s, v in zip(series, values, strict=False))
        for name, values in groups
    )
    parts = [
        _chart_open(
            chart_id=chart_id,
            title=title,
            description=description or title,
            width=width,
            height=height,
        )
    ]
    x = LABEL_WIDTH
    for i, name in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{TOP}" width="14" height="14" fill="{colour}"></rect>'
            f'<text x="{x + 20}" y="{TOP + 12}" font-size="13" fill="#1c2733">{escape(name)}</text>'
        )
        x += 30 + len(name) * 8
    y = TOP + legend_height
    for name, values in groups:
        parts.append(
            f'<text x="0" y="{y + 13}" font-size="14" font-weight="bold" fill="#1c2733">'
            f"{escape(_truncate(str(name), 60))}</text>"
        )
        y += 18
        for i, (label, value) in enumerate(zip(series, values, strict=False)):
            length = max(float(value) / peak * plot, 0.0)
            if float(value) > 0:
                length = max(length, 2.0)
            colour = PALETTE[i % len(PALETTE)]
            parts.append(
                f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.7:.1f}" text-anchor="end" '
                f'font-size="13" fill="#1c2733">{escape(label)}</text>'
                f'<rect class="bar" x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" '
                f'height="{BAR_HEIGHT}" rx="3" fill="{colour}"></rect>'
                f'<text class="bar-value" x="{LABEL_WIDTH + length + 6:.1f}" '
                f'y="{y + BAR_HEIGHT * 0.7:.1f}" font-size="13" fill="#1c2733">'
                f"{escape(value_format(value))}</text>"
            )
            y += BAR_HEIGHT + 4
        y += BAR_GAP * 2
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label and value above is escaped


def funnel_chart(
    *,
    chart_id: str,
    title: str,
    stages: Sequence[tuple[str, int]],
    width: int = 720,
) -> SafeString:
    """A centred funnel: each stage a band as wide as its share of the first stage."""
    stages = list(stages)
    band = 34
    height = TOP * 2 + max(len(stages), 1) * (band + 6)
    first = max((count for _, count in stages[:1]), default=0) or 1
    description = "; ".join(f"{label}: {count}" for label, count in stages)
    parts = [
        _chart_open(
            chart_id=chart_id,
            title=title,
            description=description or title,
            width=width,
            height=height,
        )
    ]
    centre = width / 2
    for i, (label, count) in enumerate(stages):
        y = TOP + i * (band + 6)
        share = count / first if first else 0
        bar = max(width * 0.9 * share, 4.0 if count else 0.0)
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect class="stage" x="{centre - bar / 2:.1f}" y="{y}" width="{bar:.1f}" '
            f'height="{band}" rx="4" fill="{colour}" fill-opacity="0.2" stroke="{colour}"></rect>'
            f'<text x="{centre}" y="{y + band * 0.65:.1f}" text-anchor="middle" font-size="14" '
            f'fill="#1c2733">{escape(label)}: {count}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label and value above is escaped
