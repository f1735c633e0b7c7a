"""The response-time chart of an uptime monitor, as SVG geometry computed here and drawn by
the template (autoescaped): no JavaScript, nothing fetched from elsewhere."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from health.models import UptimeResult

WIDTH, HEIGHT = 720, 180
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 10, 22


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[str]  # polylines of successful checks, oldest first, broken at failures
    failures: list[Mark]  # failed checks, drawn red
    y_ticks: list[Mark]
    x_ticks: list[Mark]
    checks: int

    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (the y axis' top)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _x(moment: datetime, start: datetime, end: datetime) -> float:
    share = (moment - start) / (end - start)
    return round(LEFT + min(1.0, max(0.0, share)) * (WIDTH - LEFT - RIGHT), 1)


def _y(ms: float | None, top_ms: float) -> float:
    plot = HEIGHT - TOP - BOTTOM
    return round(TOP + plot - min(ms or 0.0, top_ms) / top_ms * plot, 1)


def _failure_label(result: UptimeResult) -> str:
    return f"{result.checked_at:%Y-%m-%d %H:%M:%S} UTC: {result.error or 'failed'}"


def _segments(rows: list[UptimeResult], start: datetime, end: datetime,
              top_ms: float) -> list[str]:
    """Runs of successful checks as polyline points; a failure ends a run, so downtime is a
    gap in the line."""
    segments: list[list[str]] = [[]]
    for row in rows:
        if not row.ok:
            segments.append([])
        elif row.duration_ms is not None:
            segments[-1].append(f"{_x(row.checked_at, start, end)},{_y(row.duration_ms, top_ms)}")
    return [" ".join(points) for points in segments if points]


def response_chart(results: Iterable[UptimeResult], start: datetime, end: datetime) -> Chart:
    """Response times between `start` and `end`; failed checks are marks of their own."""
    rows = sorted(results, key=lambda r: (r.checked_at, r.pk or 0))
    durations = [r.duration_ms for r in rows if r.duration_ms is not None]
    top_ms = nice_ceiling(max(durations, default=0.0))
    lines = _segments(rows, start, end, top_ms)
    failures = [Mark(_x(r.checked_at, start, end), _y(r.duration_ms, top_ms), _failure_label(r))
                for r in rows if not r.ok]
    y_ticks = [Mark(LEFT - 4, _y(top_ms * share, top_ms), f"{top_ms * share:g} ms")
               for share in (0, 0.5, 1)]
    hours = (end - start).total_seconds() / 3600
    x_ticks = [Mark(_x(start + (end - start) * share, start, end), HEIGHT - 6, label)
               for share, label in ((0, f"{hours:g} h ago"), (0.5, f"{hours / 2:g} h ago"),
                                    (1, "now"))]
    return Chart(WIDTH, HEIGHT, lines, failures, y_ticks, x_ticks, len(rows))
