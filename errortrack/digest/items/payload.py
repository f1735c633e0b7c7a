"""What every item storer shares: the payload as a JSON object, and idempotent creation."""

from django.db import IntegrityError, models, transaction

from errortrack.compat.json import JSONError, loads_lenient
from errortrack.models import InboxItem


def json_object(item: InboxItem) -> dict:
    data = loads_lenient(bytes(item.payload))
    if not isinstance(data, dict):
        raise JSONError(f"{item.item_type} payload is not a JSON object")
    return data


def create_once(model: type[models.Model], **fields: object) -> None:
    try:
        with transaction.atomic():
            model._default_manager.create(**fields)
    except IntegrityError:
        pass  # stored by an earlier attempt
