"""What the API's JSON encoder and SQL helpers must get exactly right."""

from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest
from django.utils.translation import gettext_lazy

from errortrack.api.renderers import FastJSONRenderer
from errortrack.dbfunctions import EpochSeconds
from errortrack.models import IssueHourBucket
from tests.factories import digest_events, error_event


def test_the_renderer_encodes_what_drf_would():
    data = {"lazy": gettext_lazy("Not found."), "amount": Decimal("1.50"),
            "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), 7: "int key"}
    assert orjson.loads(FastJSONRenderer().render(data)) == {
        "lazy": "Not found.", "amount": 1.5, "when": "2026-01-02T03:04:05Z", "7": "int key"}


def test_integers_orjson_refuses_still_encode():
    huge = 2 ** 70
    assert FastJSONRenderer().render({"n": huge}) == b'{"n":%d}' % huge


@pytest.mark.django_db
def test_epoch_seconds_match_python_on_this_database(web_project):
    digest_events(web_project, error_event())
    bucket = IssueHourBucket.objects.get()
    moments = [datetime(1999, 12, 31, 23, tzinfo=UTC), datetime(2026, 11, 23, 16, tzinfo=UTC),
               datetime(2038, 1, 19, 4, tzinfo=UTC)]
    for moment in moments:
        IssueHourBucket.objects.filter(pk=bucket.pk).update(hour=moment)
        epoch = IssueHourBucket.objects.annotate(epoch=EpochSeconds("hour")).get().epoch
        assert epoch == int(moment.timestamp())
