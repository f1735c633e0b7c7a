"""The API's time range parameters, read as Sentry reads them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.http import QueryDict
from rest_framework.exceptions import ParseError

from errortrack.api.timerange import time_range

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("period", "length"), [
    ("30d", timedelta(days=30)), ("24h", timedelta(hours=24)), ("90m", timedelta(minutes=90)),
    ("2w", timedelta(weeks=2)), ("3600", timedelta(hours=1)), ("45s", timedelta(seconds=45)),
])
def test_stats_periods_in_every_unit(period, length):
    span = time_range(QueryDict(f"statsPeriod={period}"), NOW)
    assert (span.start, span.end) == (NOW - length, NOW)


def test_naive_start_and_end_are_utc_and_zoned_ones_keep_their_zone():
    span = time_range(QueryDict("start=2026-12-01T00:00:00&end=2026-12-02T10:30:00%2B01:00"), NOW)
    assert span.start == datetime(2026, 12, 1, tzinfo=UTC)
    assert span.end == datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    assert time_range(QueryDict("start=1764547200&end=2026-12-02T00:00:00Z"), NOW).start == (
        datetime(2025, 12, 1, tzinfo=UTC))


def test_defaults_and_all_time():
    assert time_range(QueryDict(""), NOW).start == NOW - timedelta(days=14)
    assert time_range(QueryDict("statsPeriod="), NOW) is None
    assert time_range(QueryDict(""), NOW, default_period=None) is None
    span = time_range(QueryDict("statsPeriodStart=14d&statsPeriodEnd=7d"), NOW)
    assert (span.start, span.end) == (NOW - timedelta(days=14), NOW - timedelta(days=7))


@pytest.mark.parametrize(("query", "named"), [
    ("statsPeriod=30x", "statsPeriod"), ("statsPeriod=-1d", "statsPeriod"),
    ("statsPeriod=999999999w", "at most"), ("start=yesterday&end=2026-12-01", "start"),
    ("start=2026-12-01", "together"), ("start=2026-12-02&end=2026-12-01", "before"),
    ("start=2026-13-45T00:00:00&end=2026-12-01", "start"),
    ("statsPeriodStart=7d&statsPeriodEnd=14d", "more recent"),
])
def test_bad_ranges_are_400s_that_say_what_is_wrong(query, named):
    with pytest.raises(ParseError, match=named):
        time_range(QueryDict(query), NOW)
