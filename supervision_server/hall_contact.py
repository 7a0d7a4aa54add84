"""The hall's supervision telephone (监督电话) that citizens are told to call.

An admin sets it (``SUPERVISION_SUPERVISION_PHONE``); otherwise it is the hall telephone of the
published catalog. A page that sends a citizen to "the supervision phone" always prints the number.
"""

from __future__ import annotations

from supervision_server.context import ServerContext
from supervision_server.distribution import published_catalog


def supervision_phone(ctx: ServerContext) -> str:
    """The number to print, or "" when neither the settings nor the catalog has one."""
    if ctx.settings.supervision_phone:
        return ctx.settings.supervision_phone
    with ctx.engine.connect() as conn:
        catalog = published_catalog(conn)
        conn.rollback()
    return catalog.phone if catalog is not None else ""


def complaint_line(ctx: ServerContext) -> str:
    """``如有疑问请拨打大厅监督电话 0579-12345678``, or the front desk when no number is known."""
    phone = supervision_phone(ctx)
    return f"请拨打大厅监督电话 {phone} 反映" if phone else "请向大厅服务台反映"
