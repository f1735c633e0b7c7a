"""The issue page's numbers as shapes to draw: event bars per hour or day, and each tag's
values as shares of its total. Plain structures; the templates autoescape every label."""

from dataclasses import dataclass
from datetime import UTC, datetime

from errortrack.models import IssueTagValue
from errortrack.presenters.event import moment

CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 480, 64, 4


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # "2026-01-02 13:00 UTC: 5 events", the bar's tooltip
    empty: bool


@dataclass(frozen=True, slots=True)
class BarChart:
    title: str
    width: int
    height: int
    bars: list[Bar]
    total: int
    peak: int
    start: datetime | None
    end: datetime | None


def bar_chart(points: list, step_seconds: int, title: str) -> BarChart:
    """Bars from `[[slot start (Unix seconds), events], …]` (the API's stats), drawn by the
    template as inline SVG: geometry from numbers only, nothing from the event."""
    counts = [(int(start), int(events)) for start, events in points]
    peak = max((events for _, events in counts), default=0)
    slot = CHART_WIDTH / max(1, len(counts))
    plot = CHART_HEIGHT - CHART_TOP
    fmt = "%Y-%m-%d %H:%M UTC" if step_seconds < 86400 else "%Y-%m-%d"
    bars = []
    for n, (start, events) in enumerate(counts):
        height = max(1.0, round(events / peak * plot, 1)) if peak else 1.0
        label = f"{datetime.fromtimestamp(start, UTC):{fmt}}: {events} event" + (
            "" if events == 1 else "s")
        bars.append(Bar(round(n * slot + 1, 1), round(CHART_HEIGHT - height, 1),
                        round(max(1.0, slot - 2), 1), height, label, events == 0))
    return BarChart(title, CHART_WIDTH, CHART_HEIGHT, bars, sum(e for _, e in counts), peak,
                    moment(counts[0][0]) if counts else None,
                    moment(counts[-1][0] + step_seconds) if counts else None)


@dataclass(frozen=True, slots=True)
class TagShare:
    key: str
    value: str
    count: int
    percent: int

    @property
    def search(self) -> str:
        """The issue stream's query for this value (errortrack.queries.search: quoted, escaped)."""
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.key}:"{escaped}"'


@dataclass(frozen=True, slots=True)
class TagSummary:
    key: str
    total: int
    values: list[TagShare]
    other_percent: int  # the share of the values not listed


def tag_summary(key: str, total: int, values: list[IssueTagValue]) -> TagSummary:
    """One key's top values with their share of `total`."""
    total = max(total, 1)
    shares = [TagShare(key, value.value, value.times_seen,
                       round(value.times_seen * 100 / total)) for value in values]
    listed = sum(value.times_seen for value in values)
    return TagSummary(key, total, shares, max(0, round((total - listed) * 100 / total)))
