"""Recording the citizen's rating (好差评) of a finished ticket as a ledger event of the window.

The rating screen asks; this records what it got, a level or the reason there is none
(:class:`~counter_app.domain.rating.NoRating`), as one ``service.rated`` event whose
``clerk_id`` is the clerk who served the ticket. Events are never edited: a second rating of the
same ticket is a second event, and the server reads the latest.
"""

from __future__ import annotations

from counter_app.domain.rating import RATED_EVENT, Rating
from counter_app.services.clock import Clock
from counter_app.store.uow import Store


def record_rating(store: Store, clock: Clock, clerk_id: str, rating: Rating) -> int:
    """Append the rating as a ``service.rated`` event; returns its ledger sequence number."""
    now = clock()
    with store.unit_of_work() as uow:
        event = uow.ledger.append(RATED_EVENT, rating.payload(), clerk_id, now)
        uow.commit()
    return event.seq
