"""Catalog (事项目录) and hall calendar pulled with ETags, checked, and cached in ``documents``.

A window must start and take in cases with the server unreachable, so readers use
:func:`cached_document`, which never touches the network.

Nothing pulled is used before it passed every check, in this order: the server's signature over
the exact bytes, name and version (:mod:`counter_app.ledger.document`, the key pinned at
enrollment); a version no older than the one already accepted; JSON; and the same validation an
administrator's ``import-catalog`` goes through (``load_catalog``), or for the calendar the one
the server applies before publishing (``calendar_from_document``). A document that fails any of
them is refused: the last good copy stays in use, the refusal is kept in the settings for the
status display and recorded once as a ``reference.refused`` ledger event, which the server turns
into an alert. An accepted change is stored together with its ``reference.catalog_updated`` or
``reference.calendar_updated`` event (version and SHA-256) in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from counter_app.domain.calendar import CalendarError
from counter_app.domain.calendar_document import calendar_from_document
from counter_app.domain.catalog import load_catalog
from counter_app.domain.errors import ValidationError
from counter_app.ledger import DocumentSignature, LedgerError, verify_document
from counter_app.ledger.document import SIGNATURE_HEADER, VERSION_HEADER
from counter_app.store import schema
from counter_app.store.uow import Store
from counter_app.sync.client import HttpReply, ServerClient
from counter_app.sync.config import Clock, SyncConfig, system_clock
from counter_app.sync.errors import SyncError

REFERENCE_DOCUMENTS = ("catalog", "calendar")
SYSTEM_CLERK = "system"
REFUSED_EVENT = "reference.refused"
STATUS_KEY = "reference_status:"  # + document name: JSON of ReferenceState

_NAMES = {"catalog": "事项目录", "calendar": "工作日历"}
_REASONS = {
    "DOCUMENT_UNSIGNED": "没有服务器签名",
    "DOCUMENT_SIGNATURE_INVALID": "服务器签名无效（内容可能在传输中被篡改）",
    "DOCUMENT_ROLLBACK": "版本比本机已采用的旧（可能是旧数据被重放）",
    "DOCUMENT_MALFORMED": "不是有效的 JSON",
    "CATALOG_INVALID": "未通过事项目录校验",
    "CALENDAR_INVALID": "未通过工作日历校验",
}


@dataclass(frozen=True)
class CachedDocument:
    """One cached reference document."""

    name: str
    version: str
    etag: str
    body: Any
    stored_at: str


@dataclass(frozen=True)
class Refusal:
    """Why a downloaded document was not used; ``message`` is what the clerk reads."""

    document: str
    code: str
    message: str
    detail: str
    sha256: str
    published_version: int | None
    at: str


@dataclass(frozen=True)
class ReferenceState:
    """What this window holds of one document from the server, and its last refusal if the
    newest download was refused."""

    published_version: int = 0
    sha256: str = ""
    key_id: str = ""
    accepted_at: str = ""
    refused: Refusal | None = None


class ReferenceRefused(SyncError):
    """Some documents were refused (the old copies stay in use); ``changed`` were accepted."""

    def __init__(self, refusals: list[Refusal], changed: list[str]) -> None:
        first = refusals[0]
        super().__init__(
            first.code,
            "; ".join(f"{r.document}: {r.detail}" for r in refusals),
            retryable=True,
            message=" ".join(r.message for r in refusals),
        )
        self.refusals = refusals
        self.changed = changed


class _Refuse(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def cached_document(store: Store, name: str) -> CachedDocument | None:
    """The cached copy of ``name`` (catalog, calendar), or None if it was never fetched."""
    with store.read() as conn:
        row = conn.execute(select(schema.documents).where(schema.documents.c.name == name)).first()
        conn.rollback()
    if row is None:
        return None
    return CachedDocument(row.name, row.version, row.etag, json.loads(row.body), row.stored_at)


def reference_state(store: Store, name: str) -> ReferenceState:
    """What the window holds of ``name`` from the server and whether the last download was refused."""
    raw = store.settings().get(STATUS_KEY + name)
    if not raw:
        return ReferenceState()
    data = json.loads(raw)
    refused = data.pop("refused", None)
    return ReferenceState(**data, refused=Refusal(**refused) if refused else None)


def pull_reference_data(
    store: Store,
    client: ServerClient | None = None,
    *,
    names: tuple[str, ...] = REFERENCE_DOCUMENTS,
    clock: Clock = system_clock,
) -> list[str]:
    """Fetch each document unless the server answers 304; return the names that changed.

    Network and server errors propagate as SyncError; the cached copies stay as they were. A
    refused document raises :class:`ReferenceRefused` after the others were dealt with.
    """
    config = SyncConfig.load(store)
    own_client = client is None
    if client is None:
        client = config.client()
    changed: list[str] = []
    refusals: list[Refusal] = []
    try:
        for name in names:
            cached = cached_document(store, name)
            # A copy never verified (stored before documents were signed) is fetched again.
            verified = cached is not None and reference_state(store, name).sha256 != ""
            etag = cached.etag if cached is not None and verified else None
            reply = client.document(name, etag)
            if reply.status == 304:
                _confirmed(store, name)
                continue
            try:
                if _accept(store, config, name, reply, etag, clock):
                    changed.append(name)
            except _Refuse as refused:
                refusals.append(_refuse(store, name, reply, refused, clock))
    finally:
        if own_client:
            client.close()
    if refusals:
        raise ReferenceRefused(refusals, changed)
    return changed


def _accept(
    store: Store, config: SyncConfig, name: str, reply: HttpReply, cached_etag: str | None, clock: Clock
) -> bool:
    """Check the download and keep it; False when it is what the window already holds."""
    signed = _verified(name, reply, config)
    state = reference_state(store, name)
    if signed.version < state.published_version:
        raise _Refuse(
            "DOCUMENT_ROLLBACK",
            f"version {signed.version} is older than the accepted {state.published_version}",
        )
    try:
        document = json.loads(reply.content)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _Refuse("DOCUMENT_MALFORMED", f"not JSON: {exc}") from exc
    version, summary = _validated(name, document)
    if cached_etag == reply.headers.get("ETag") and signed.sha256 == state.sha256:
        _confirmed(store, name)
        return False
    now = clock()
    accepted = ReferenceState(signed.version, signed.sha256, signed.key_id, now.isoformat(timespec="seconds"))
    with store.unit_of_work() as uow:
        uow.conn.execute(schema.documents.delete().where(schema.documents.c.name == name))
        uow.conn.execute(
            schema.documents.insert().values(
                name=name,
                version=version,
                etag=reply.headers.get("ETag", ""),
                body=reply.content.decode("utf-8"),
                stored_at=now.isoformat(timespec="seconds"),
            )
        )
        uow.put_setting(STATUS_KEY + name, asdict(accepted))
        payload = {
            "version": version,
            "published_version": signed.version,
            "sha256": signed.sha256,
            "key_id": signed.key_id,
            **summary,
        }
        uow.ledger.append(f"reference.{name}_updated", payload, SYSTEM_CLERK, now)
        uow.commit()
    return True


def _confirmed(store: Store, name: str) -> None:
    """The server says the cached copy is current: a refusal recorded earlier is over."""
    state = reference_state(store, name)
    if state.refused is None:
        return
    with store.unit_of_work() as uow:
        uow.put_setting(STATUS_KEY + name, asdict(ReferenceState(**{**asdict(state), "refused": None})))
        uow.commit()


def _verified(name: str, reply: HttpReply, config: SyncConfig) -> DocumentSignature:
    try:
        return verify_document(
            name,
            reply.content,
            reply.headers.get(VERSION_HEADER),
            reply.headers.get(SIGNATURE_HEADER),
            config.server_public_key,
        )
    except LedgerError as exc:
        raise _Refuse(exc.code, exc.message) from exc


def _validated(name: str, document: Any) -> tuple[str, dict[str, Any]]:
    """The document's own version and a summary for the ledger event, after full validation."""
    if name == "catalog":
        try:
            catalog = load_catalog(document, "服务器事项目录")
        except ValidationError as exc:
            raise _Refuse("CATALOG_INVALID", exc.message) from exc
        return str(catalog.version), {"items": len(catalog.items)}
    if name == "calendar":
        try:
            calendar = calendar_from_document(document)
        except CalendarError as exc:
            raise _Refuse("CALENDAR_INVALID", exc.message) from exc
        return str(document.get("version", "")), {
            "days": len(calendar.entries),
            "official_years": sorted(calendar.official_years),
        }
    raise _Refuse("DOCUMENT_MALFORMED", f"unknown reference document {name!r}")


def _refuse(store: Store, name: str, reply: HttpReply, refused: _Refuse, clock: Clock) -> Refusal:
    """Keep the old copy, remember the refusal, and put it in the ledger once per distinct body."""
    now = clock()
    sha256 = hashlib.sha256(reply.content).hexdigest()
    claimed = reply.headers.get(VERSION_HEADER, "")
    refusal = Refusal(
        document=name,
        code=refused.code,
        message=(
            f"从电子监察服务器收到的{_NAMES.get(name, name)}{_REASONS.get(refused.code, '无效')}，"
            f"已拒收，继续使用本机原有版本，请联系管理员（错误代码：{refused.code}）。"
        ),
        detail=refused.detail,
        sha256=sha256,
        published_version=int(claimed) if claimed.isdigit() else None,
        at=now.isoformat(timespec="seconds"),
    )
    state = reference_state(store, name)
    repeated = state.refused is not None and (state.refused.code, state.refused.sha256) == (
        refusal.code,
        refusal.sha256,
    )
    with store.unit_of_work() as uow:
        uow.put_setting(STATUS_KEY + name, asdict(ReferenceState(**{**asdict(state), "refused": refusal})))
        if not repeated:
            payload = {
                "document": name,
                "code": refusal.code,
                "sha256": sha256,
                "published_version": refusal.published_version,
                "detail": refused.detail[:500],
            }
            uow.ledger.append(REFUSED_EVENT, payload, SYSTEM_CLERK, now)
        uow.commit()
    return refusal
