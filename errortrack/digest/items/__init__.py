"""One storer per kept item type other than events: turn an inbox item into what it is stored
as (events and feedback go through errortrack.digest.pipeline).

Each takes the InboxItem and `now`, runs inside the transaction that deletes the item, and raises
to fail it (the inbox retries, then quarantines). Storing is idempotent where an item has an id.
The apps add the types they own (the health app: `check_in`) with `register` in their
AppConfig.ready(); an item of a type nobody registered fails and is quarantined.
"""

from collections.abc import Callable
from datetime import datetime

from errortrack.digest.items import attachments, client_reports, feedback, sessions, transactions
from errortrack.models import InboxItem

Storer = Callable[[InboxItem, datetime], None]

STORERS: dict[str, Storer] = {
    "transaction": transactions.store_transaction,
    "session": sessions.store_session,
    "sessions": sessions.store_sessions,
    "client_report": client_reports.store_client_report,
    "attachment": attachments.store_attachment,
    "user_report": feedback.store_user_report,
}


def register(item_type: str, storer: Storer) -> None:
    """An app's storer for an item type the core does not own."""
    STORERS[item_type] = storer


def storer_for(item_type: str) -> Storer:
    try:
        return STORERS[item_type]
    except KeyError:
        raise LookupError(f"no storer for {item_type!r} items") from None
