"""Group commit: concurrent requests share transactions, and nobody is acked before a commit."""

import asyncio

import pytest

from errortrack.compat.errors import RequestRejected
from errortrack.ingest.batcher import InboxBatcher
from errortrack.ingest.inbox import Accepted
from errortrack.ingest.keys import KeyInfo, load_key
from errortrack.models import InboxItem


def event(n: int) -> Accepted:
    return Accepted("event", f"{n:032x}", {}, b'{"message":"%d"}' % n)


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_all_stored_and_answered(web_project):
    key = load_key(web_project.keys.get().public_key)
    batcher = InboxBatcher()

    async def many() -> list:
        return await asyncio.gather(*(batcher.write(key, [event(n)], "127.0.0.1")
                                      for n in range(50)))

    assert [(a.limited, a.dropped_events) for a in asyncio.run(many())] == [([], 0)] * 50
    assert InboxItem.objects.filter(project=web_project).count() == 50


@pytest.mark.django_db(transaction=True)
def test_rate_limited_items_are_reported_to_their_own_request(settings, web_project):
    settings.ERRORTRACK_PROJECT_RATE_LIMIT = 0
    from errortrack import actions

    limited_key = actions.create_project_key(web_project, "tight", rate_limit_count=1)
    tight, free = load_key(limited_key.public_key), load_key(web_project.keys.first().public_key)
    batcher = InboxBatcher()

    async def both() -> list:
        return await asyncio.gather(batcher.write(tight, [event(1), event(2)], None),
                                    batcher.write(free, [event(3)], None))

    tight_result, free_result = asyncio.run(both())
    assert [(entry.scope, entry.categories) for entry in tight_result.limited] == [
        ("key", "error")]
    assert tight_result.dropped_events == 1
    assert (free_result.limited, free_result.dropped_events) == ([], 0)
    assert InboxItem.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_failed_write_is_a_503_and_stores_nothing(web_project):
    good = load_key(web_project.keys.get().public_key)
    missing_project = KeyInfo("f" * 32, 10**12, True, 0, 60)  # violates the foreign key
    batcher = InboxBatcher()

    async def together() -> list:
        return await asyncio.gather(batcher.write(missing_project, [event(1)], None),
                                    batcher.write(good, [event(2)], None),
                                    return_exceptions=True)

    results = asyncio.run(together())
    assert all(isinstance(r, RequestRejected) and r.status == 503 for r in results)
    assert InboxItem.objects.count() == 0
