"""The digest: inbox event items → normalized, derived, scrubbed, grouped, stored.

`prepare` runs per item and only computes (parse, normalize, derive, scrub, group), so a bad
item fails alone and, on SQLite, no write lock is held meanwhile. `store` writes a whole batch
in the caller's transaction (errortrack.digest.consume claims the items, isolates failures by
splitting the batch, and quarantines poison items). `store_synthetic` is the one entry for events
errortrack makes itself (monitor failures): the same scrub and store, grouped by their source.
"""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from django.db import transaction

from errortrack import signals
from errortrack.compat.json import JSONError, loads_lenient
from errortrack.digest.derive import derive, user_tag
from errortrack.digest.grouping import Grouping, group
from errortrack.digest.normalize import Received, event_datetime, normalize
from errortrack.digest.scrub import ScrubConfig, config_for, scrub
from errortrack.digest.store import PreparedEvent, store_batch, user_hash
from errortrack.models import InboxItem, Project

FEEDBACK_TITLE = "User Feedback"


@dataclass(frozen=True, slots=True)
class ProjectSettings:
    scrub: ScrubConfig
    grouping_version: str


def project_settings(project_ids: set[int]) -> dict[int, ProjectSettings]:
    """What the digest needs of each project, one query per batch."""
    rows = Project.objects.filter(pk__in=project_ids).values_list(
        "pk", "scrub_defaults", "sensitive_fields", "safe_fields", "scrub_ip_addresses",
        "grouping_version")
    return {pk: ProjectSettings(config_for(defaults, sensitive, safe, scrub_ip), version)
            for pk, defaults, sensitive, safe, scrub_ip, version in rows}


def as_feedback(event: dict) -> None:
    """User feedback (a `feedback` item): an event carrying contexts.feedback. Each feedback is
    its own issue, as in Sentry, unless the SDK sent a fingerprint."""
    feedback = event.get("contexts", {}).get("feedback") or {}
    message = feedback.get("message")
    if not isinstance(message, str):
        message = ""
    event["type"] = "feedback"
    event["level"] = "info"
    event["title"] = FEEDBACK_TITLE
    event["message"] = message
    event["culprit"] = str(feedback.get("url") or "")[:200]
    event["metadata"] = {"title": FEEDBACK_TITLE, "message": message[:1024],
                         "contact_email": feedback.get("contact_email"),
                         "name": feedback.get("name")}
    event.setdefault("fingerprint", ["feedback", event["event_id"]])


def parse(raw: bytes) -> tuple[object, bool]:
    """The payload, and whether it may hold values that need cleaning before storage: the
    strict parser refuses lone surrogates, NaN and huge integers, and a NUL can only come
    escaped."""
    try:
        return orjson.loads(raw), b"\\u0000" in raw
    except orjson.JSONDecodeError:
        return loads_lenient(raw), True


def prepare(item: InboxItem, settings: ProjectSettings) -> PreparedEvent:
    payload, suspicious = parse(bytes(item.payload))
    if not isinstance(payload, dict):
        raise JSONError(f"{item.item_type} payload is not a JSON object")
    event = derive(normalize(payload, Received(item.event_id, item.received_at, item.client_ip),
                             suspicious))
    if item.item_type == "feedback":
        as_feedback(event)
    document = scrub(event, settings.scrub)
    return PreparedEvent(
        inbox_id=item.pk, project_id=item.project_id, event=event, document=document,
        grouping=group(event, settings.grouping_version), timestamp=event_datetime(event),
        received_at=item.received_at, user_hash=user_hash(user_tag(event.get("user"))))


def prepare_batch(items: list[InboxItem]) -> tuple[list[PreparedEvent],
                                                   list[tuple[InboxItem, Exception]]]:
    """Prepare each item; an item that fails is returned with its error, the rest go on."""
    settings = project_settings({item.project_id for item in items})
    prepared, failed = [], []
    for item in items:
        try:
            prepared.append(prepare(item, settings[item.project_id]))
        except Exception as exc:
            failed.append((item, exc))
    return prepared, failed


def store(batch: list[PreparedEvent]) -> signals.Facts:
    """Store a prepared batch in the caller's transaction; its facts go on the bus after the
    commit (a batch that stored nothing says nothing)."""
    facts = store_batch(batch)
    if facts.stored:
        signals.digest_facts.publish_on_commit(facts)
    return facts


# The grouping version of synthetic issues, stored with them: one issue per (kind, source id).
SYNTHETIC_GROUPING_VERSION = "monitor"


@dataclass(frozen=True)
class Synthetic:
    """An event errortrack writes itself, such as a monitor failure: issue kind `kind`
    ("uptime", "cron"), one issue per `source_id` (the monitor), its fields as shown."""

    kind: str
    source_id: int
    title: str
    culprit: str
    message: str
    tags: dict[str, str] = field(default_factory=dict)
    context: dict = field(default_factory=dict)
    environment: str = ""
    release: str = ""


def synthetic_grouping(kind: str, source_id: int) -> Grouping:
    components = (kind, str(source_id))
    digest = hashlib.md5(":".join(components).encode(), usedforsecurity=False).hexdigest()
    return Grouping(hash=digest, version=SYNTHETIC_GROUPING_VERSION, components=components)


def synthetic_event(synthetic: Synthetic, now: datetime) -> dict:
    """The synthetic event in the shape an SDK sends, normalized like any event."""
    payload: dict = {"event_id": uuid.uuid4().hex, "timestamp": now.isoformat(),
                     "level": "error", "platform": "other", "logger": "errortrack.monitors",
                     "message": {"formatted": synthetic.message}, "tags": synthetic.tags,
                     "contexts": {"monitor": synthetic.context}}
    if synthetic.environment:
        payload["environment"] = synthetic.environment
    if synthetic.release:
        payload["release"] = synthetic.release
    event = derive(normalize(payload, Received(payload["event_id"], now)))
    event["title"] = synthetic.title[:255]
    event["culprit"] = synthetic.culprit[:200]
    event["metadata"] = {"title": synthetic.title[:255], "value": synthetic.message[:1024]}
    return event


def store_synthetic(project_id: int, synthetic: Synthetic, now: datetime) -> int:
    """Store one synthetic event in its source's issue (created, or reopened as a regression)
    in the caller's transaction; return the issue's id. Listeners hear of it after commit."""
    event = synthetic_event(synthetic, now)
    settings = project_settings({project_id})[project_id]
    prepared = PreparedEvent(
        inbox_id=0, project_id=project_id, event=event, document=scrub(event, settings.scrub),
        grouping=synthetic_grouping(synthetic.kind, synthetic.source_id),
        timestamp=event_datetime(event), received_at=event_datetime(event), user_hash=None,
        kind=synthetic.kind)
    with transaction.atomic():
        facts = store([prepared])
    return facts.event_ids[0][0]
