"""Catalog (事项目录) and hall calendar pulled with ETags and cached in the ``documents`` table.

A window must start and take in cases with the server unreachable, so readers use
:func:`cached_document`, which never touches the network.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from counter_app.store import schema
from counter_app.store.uow import Store
from counter_app.sync.client import ServerClient
from counter_app.sync.config import Clock, system_clock

REFERENCE_DOCUMENTS = ("catalog", "calendar")


@dataclass(frozen=True)
class CachedDocument:
    """One cached reference document."""

    name: str
    version: str
    etag: str
    body: Any
    stored_at: str


def cached_document(store: Store, name: str) -> CachedDocument | None:
    """The cached copy of ``name`` (catalog, calendar), or None if it was never fetched."""
    with store.read() as conn:
        row = conn.execute(select(schema.documents).where(schema.documents.c.name == name)).first()
        conn.rollback()
    if row is None:
        return None
    return CachedDocument(row.name, row.version, row.etag, json.loads(row.body), row.stored_at)


def pull_reference_data(
    store: Store,
    client: ServerClient | None = None,
    *,
    names: tuple[str, ...] = REFERENCE_DOCUMENTS,
    clock: Clock = system_clock,
) -> list[str]:
    """Fetch each document unless the server answers 304; return the names that changed.

    Network and server errors propagate as SyncError; the cached copies stay as they were.
    """
    own_client = client is None
    if client is None:
        client = ServerClient(store.settings()["server_url"])
    changed: list[str] = []
    try:
        for name in names:
            cached = cached_document(store, name)
            reply = client.document(name, cached.etag if cached else None)
            if reply.status == 304:
                continue
            text = json.dumps(reply.body, ensure_ascii=False, sort_keys=True)
            etag = reply.headers.get("ETag", "")
            if cached is not None and cached.etag == etag and json.loads(text) == cached.body:
                continue
            version = _version_of(reply.body, reply.headers.get("X-Document-Version", ""), etag, text)
            _store(store, name, version, etag, text, clock)
            changed.append(name)
    finally:
        if own_client:
            client.close()
    return changed


def _version_of(body: Any, header: str, etag: str, text: str) -> str:
    if isinstance(body, dict) and isinstance(body.get("version"), str | int):
        return str(body["version"])
    return header or etag or hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _store(store: Store, name: str, version: str, etag: str, text: str, clock: Clock) -> None:
    with store.unit_of_work() as uow:
        uow.conn.execute(schema.documents.delete().where(schema.documents.c.name == name))
        uow.conn.execute(
            schema.documents.insert().values(
                name=name,
                version=version,
                etag=etag,
                body=text,
                stored_at=clock().isoformat(timespec="seconds"),
            )
        )
        uow.commit()
