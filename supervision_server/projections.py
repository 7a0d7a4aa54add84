"""Read models updated in the same transaction as the events they come from.

:func:`project` receives the events a batch newly stored (main chain and fork table alike: a
forked counter's cases are real cases handled at a real window) and updates cases, tickets,
ratings and clerks. Unknown event types are stored by ingest and ignored here.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Connection, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from counter_app.domain.errors import DomainError
from counter_app.domain.rating import RATED_EVENT, Rating
from supervision_server.alerts import AlertDraft
from supervision_server.case_projection import CASE_TYPES, CaseProjector
from supervision_server.db import Prepared, bulk_insert, write
from supervision_server.projected import ProjectedEvent
from supervision_server.queue_reconcile import reconcile_offline
from supervision_server.schema import clerks, ratings
from supervision_server.ticket_projection import TICKET_TYPES, project_tickets

__all__ = ["ProjectedEvent", "project"]

REFERENCE_REFUSED = "reference.refused"
_DOCUMENT_NAMES = {"catalog": "事项目录", "calendar": "工作日历"}


def project(conn: Connection, items: list[ProjectedEvent], now: str) -> list[AlertDraft]:
    """Update every read model from ``items`` (in ledger order); returns the alerts raised."""
    if not items:
        return []
    _project_clerks(conn, items)
    drafts = CaseProjector(conn, now).apply([i for i in items if i.type in CASE_TYPES])
    project_tickets(conn, [i for i in items if i.type in TICKET_TYPES], now)
    drafts.extend(reconcile_offline(conn, items, now))
    drafts.extend(_project_ratings(conn, [i for i in items if i.type == RATED_EVENT]))
    drafts.extend(_reference_refusals([i for i in items if i.type == REFERENCE_REFUSED]))
    return drafts


def _reference_refusals(items: list[ProjectedEvent]) -> list[AlertDraft]:
    """A window that refused the catalog or calendar it was sent: someone between it and this
    server may be altering what it publishes, or the window's pinned key is not this server's."""
    return [
        AlertDraft(
            "REFERENCE_REFUSED",
            f"设备 {item.device_id} 拒收了服务器发布的{_DOCUMENT_NAMES.get(item.text('document') or '', '参考数据')}"
            f"（{item.text('code') or '未知原因'}），请检查窗口与服务器之间的网络",
            device_id=item.device_id,
            seq=item.seq,
            details={
                "document": item.text("document"),
                "code": item.text("code"),
                "sha256": item.text("sha256"),
                "published_version": item.number("published_version"),
            },
        )
        for item in items
    ]


def _project_ratings(conn: Connection, items: list[ProjectedEvent]) -> list[AlertDraft]:
    """One row per 好差评 (``service.rated``, read by the window's own definition); a payload that
    is not a rating is kept with no level and flagged. A service left unrated has no level either:
    its reason stays in the event."""
    drafts: list[AlertDraft] = []
    rows: list[dict[str, Any]] = []
    for item in items:
        try:
            rating: Rating | None = Rating.from_payload(item.payload)
        except DomainError as exc:
            rating = None
            drafts.append(
                AlertDraft(
                    "PAYLOAD_INVALID",
                    f"设备 {item.device_id} 序号 {item.seq} 的评价记录无效：{exc.message}",
                    device_id=item.device_id,
                    seq=item.seq,
                    details={"level": item.payload.get("level")},
                )
            )
        rows.append(
            {
                "device_id": item.device_id,
                "seq": item.seq,
                "event_hash": item.hash,
                "project_no": rating.case_nos[0] if rating and rating.case_nos else None,
                "ticket_no": rating.ticket_no if rating else item.text("ticket_no"),
                "satisfaction": int(rating.level) if rating and rating.level is not None else None,
                "channel": "窗口评价屏",
                "occurred_at": item.occurred_at,
                "received_at": item.received_at,
            }
        )
    bulk_insert(conn, ratings, rows)
    return drafts


@functools.cache
def _clerk_upsert(dialect: str) -> Prepared:
    """The clerks upsert for ``dialect`` (built once: only the rows change)."""
    postgres = dialect == "postgresql"
    insert = (pg_insert if postgres else sqlite_insert)(clerks)
    new = insert.excluded
    if postgres:
        earliest = func.least(clerks.c.first_seen.collate("C"), new.first_seen.collate("C"))
        latest = func.greatest(clerks.c.last_seen.collate("C"), new.last_seen.collate("C"))
    else:
        earliest = func.min(clerks.c.first_seen, new.first_seen)
        latest = func.max(clerks.c.last_seen, new.last_seen)
    return Prepared(
        insert.on_conflict_do_update(
            index_elements=[clerks.c.clerk_id, clerks.c.device_id],
            set_={
                "window_no": new.window_no,
                "first_seen": earliest,
                "last_seen": latest,
                "event_count": clerks.c.event_count + new.event_count,
            },
        )
    )


def _project_clerks(conn: Connection, items: list[ProjectedEvent]) -> None:
    """Which clerk worked at which device and window, first and last seen, how many events."""
    seen: dict[str, dict[str, Any]] = {}
    device_id = items[0].device_id
    for item in items:
        if not item.clerk_id:
            continue
        entry = seen.get(item.clerk_id)
        if entry is None:
            seen[item.clerk_id] = {
                "clerk_id": item.clerk_id,
                "device_id": device_id,
                "window_no": item.window_no,
                "first_seen": item.occurred_at,
                "last_seen": item.occurred_at,
                "event_count": 1,
            }
        else:
            entry["last_seen"] = max(entry["last_seen"], item.occurred_at)
            entry["first_seen"] = min(entry["first_seen"], item.occurred_at)
            entry["event_count"] += 1
    if not seen:
        return
    # One upsert, no read: a clerk already known at this device keeps the earliest first and
    # the latest last sighting (compared as the stored text, byte for byte) and adds the count.
    statement = _clerk_upsert(conn.dialect.name)
    write(conn, statement, [seen[k] for k in sorted(seen)])
