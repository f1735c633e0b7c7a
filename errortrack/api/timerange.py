"""The time range of an API request, read the way Sentry reads it.

`statsPeriod` is a number with an optional unit (`s`, `m`, `h`, `d`, `w`; none means seconds):
`30d`, `24h`, `90m`, `2w`. Or `start` and `end`: ISO 8601, with a zone or naive (UTC, as
Grafana sends them), or Unix seconds. `statsPeriodStart`/`statsPeriodEnd` (`14d` to `7d` ago)
are accepted too. Anything else is a 400 that names the parameter.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.http import QueryDict
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ParseError

PERIOD = re.compile(r"^(\d{1,9})([smhdw]?)$")
UNITS = {"": "seconds", "s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# No longer than anything is kept (the longest retention a project may set is 3650 days).
LONGEST = timedelta(days=3660)


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime


def parse_period(raw: str, name: str = "statsPeriod") -> timedelta:
    """`30d` → 30 days; a 400 naming `name` for anything Sentry would not take."""
    match = PERIOD.match(raw.strip())
    if match is None:
        raise ParseError(f"{name} must be a number and a unit (s, m, h, d or w), such as 24h "
                         f"or 30d; got {raw[:40]!r}.")
    amount = int(match.group(1))
    if amount > LONGEST / timedelta(**{UNITS[match.group(2)]: 1}):
        raise ParseError(f"{name} may be at most {LONGEST.days} days.")
    return timedelta(**{UNITS[match.group(2)]: amount})


def parse_moment(raw: str, name: str) -> datetime:
    """An ISO 8601 datetime (naive means UTC) or Unix seconds."""
    text = raw.strip()
    try:
        if re.fullmatch(r"\d{1,10}(\.\d+)?", text):
            return datetime.fromtimestamp(float(text), UTC)
        moment = parse_datetime(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise ParseError(f"{name} must be an ISO 8601 datetime such as 2026-12-01T00:00:00, "
                         f"got {raw[:40]!r}.")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def time_range(params: QueryDict, now: datetime,
               default_period: str | None = "14d") -> TimeRange | None:
    """The range a request asks for: `start`/`end`, `statsPeriodStart`/`statsPeriodEnd`, or
    `statsPeriod` (an empty one means all time); else `default_period` (None: all time)."""
    start, end = params.get("start"), params.get("end")
    if start or end:
        if not (start and end):
            raise ParseError("start and end must be given together.")
        span = TimeRange(parse_moment(start, "start"), parse_moment(end, "end"))
        if span.start > span.end:
            raise ParseError("start must be before end.")
        return span
    if params.get("statsPeriodStart") or params.get("statsPeriodEnd"):
        older = parse_period(params.get("statsPeriodStart", ""), "statsPeriodStart")
        newer = parse_period(params.get("statsPeriodEnd", "0"), "statsPeriodEnd")
        if newer > older:
            raise ParseError("statsPeriodEnd must be more recent than statsPeriodStart.")
        return TimeRange(now - older, now - newer)
    period = params.get("statsPeriod", default_period)
    if not period:
        return None
    return TimeRange(now - parse_period(period), now)
