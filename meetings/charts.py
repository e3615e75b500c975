"""Simple horizontal bar charts as data for inline SVG (page and PDF alike; no JavaScript, no images)."""

from __future__ import annotations

from dataclasses import dataclass

BAR_HEIGHT = 14
GAP = 4
LABEL_WIDTH = 120
BAR_WIDTH = 300


@dataclass
class Bar:
    label: str
    value: int
    y: int
    width: int
    text_x: int
    text_y: int


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    height: int
    width: int = LABEL_WIDTH + BAR_WIDTH + 40
    label_width: int = LABEL_WIDTH


def bar_chart(title: str, pairs: list[tuple[str, int]]) -> Chart:
    top = max((value for _label, value in pairs), default=0) or 1
    bars = []
    for i, (label, value) in enumerate(pairs):
        y = i * (BAR_HEIGHT + GAP)
        width = round(BAR_WIDTH * value / top)
        bars.append(Bar(label, value, y, width, LABEL_WIDTH + width + 4, y + BAR_HEIGHT - 3))
    return Chart(title=title, bars=bars, height=max(1, len(pairs)) * (BAR_HEIGHT + GAP))


def charts_for(sections: dict) -> dict[str, Chart]:
    from django.utils.translation import gettext as _

    charts = {}
    free = sections.get("free_places")
    if free:
        charts["free_places"] = bar_chart(
            _("Free places by entry level"), list(zip(free["levels"], free["totals"], strict=True))
        )
    handovers = sections.get("handovers")
    if handovers:
        charts["handovers"] = bar_chart(
            _("Handovers by status"), [(c["label"], c["count"]) for c in handovers["counts"]]
        )
    return charts
