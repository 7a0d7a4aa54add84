"""The hall's supervision telephone (监督电话) that citizens are told to call.

An admin sets it (``SUPERVISION_SUPERVISION_PHONE``); otherwise it is the hall telephone of the
published catalog. A page that sends a citizen to "the supervision phone" always prints the number.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from supervision_server.context import ServerContext
from supervision_server.schema import documents

_by_etag: dict[str, str] = {}


def supervision_phone(ctx: ServerContext) -> str:
    """The number to print, or "" when neither the settings nor the catalog has one."""
    if ctx.settings.supervision_phone:
        return ctx.settings.supervision_phone
    with ctx.engine.connect() as conn:
        row = conn.execute(
            select(documents.c.etag, documents.c.body)
            .where(documents.c.name == "catalog")
            .order_by(documents.c.version.desc())
            .limit(1)
        ).first()
        conn.rollback()
    if row is None:
        return ""
    if row.etag not in _by_etag:
        hall = json.loads(row.body).get("hall", {})
        _by_etag.clear()
        _by_etag[row.etag] = str(hall.get("phone", "")) if isinstance(hall, dict) else ""
    return _by_etag[row.etag]


def complaint_line(ctx: ServerContext) -> str:
    """``如有疑问请拨打大厅监督电话 0579-12345678``, or the front desk when no number is known."""
    phone = supervision_phone(ctx)
    return f"请拨打大厅监督电话 {phone} 反映" if phone else "请向大厅服务台反映"
