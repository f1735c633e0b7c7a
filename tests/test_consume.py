"""The inbox consumer: batches when it can, isolates a bad item when it must, never duplicates."""

import pytest
from django.utils import timezone

from errortrack.digest.consume import consume_batch, consume_inbox
from errortrack.models import Event, InboxItem


def inbox_event(project, event_id: str, payload: bytes = b'{"message":"hi"}') -> InboxItem:
    return InboxItem.objects.create(project=project, item_type="event", event_id=event_id,
                                    payload=payload, headers={})


@pytest.mark.django_db
def test_a_good_batch_is_stored_together_and_leaves_the_inbox(web_project):
    for n in range(5):
        inbox_event(web_project, f"{n:032x}")
    assert consume_batch(timezone.now()) == (5, 0)
    assert Event.objects.count() == 5 and InboxItem.objects.count() == 0


@pytest.mark.django_db
def test_a_bad_item_fails_alone_and_is_quarantined_after_its_attempts(settings, web_project):
    settings.ERRORTRACK_INBOX_MAX_ATTEMPTS = 2
    inbox_event(web_project, "a" * 32)
    bad = inbox_event(web_project, "b" * 32, payload=b"[1, 2]")
    inbox_event(web_project, "c" * 32)
    assert consume_batch(timezone.now()) == (2, 1)
    assert set(Event.objects.values_list("event_id", flat=True)) == {"a" * 32, "c" * 32}
    bad.refresh_from_db()
    assert (bad.attempts, bad.quarantined) == (1, False)
    assert "not a JSON object" in bad.last_error
    consume_inbox(timezone.now())
    bad.refresh_from_db()
    assert (bad.attempts, bad.quarantined) == (2, True)
    assert consume_batch(timezone.now()) == (0, 0)  # quarantined items are not claimed again


@pytest.mark.django_db
def test_an_item_whose_event_was_already_stored_is_not_duplicated(web_project):
    """A consumer that died after its INSERT committed elsewhere, before the DELETE."""
    Event.objects.create(project=web_project, event_id="d" * 32, data={"message": "first"},
                         received_at=timezone.now())
    inbox_event(web_project, "d" * 32, payload=b'{"message":"again"}')
    inbox_event(web_project, "e" * 32)
    assert consume_batch(timezone.now()) == (2, 0)
    assert Event.objects.count() == 2
    assert Event.objects.get(event_id="d" * 32).data == {"message": "first"}
    assert InboxItem.objects.count() == 0
