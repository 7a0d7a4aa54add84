"""The clerk roster on the server: versioned entries, argon2 hashes, one hall's roster for its windows.

An administrator adds or changes a clerk (``add-clerk`` on the command line, ``POST
/api/v1/admin/clerks``); every change is a new version row, so the table is insert-only and
shows who was allowed in when. Windows fetch the latest version of each clerk of their hall
and check passwords against the hash offline.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Connection, func, select

from counter_app.domain.clerks import RosterEntry, check_clerk_name, check_clerk_number, check_role
from counter_app.domain.errors import DomainError
from supervision_server.errors import ApiError
from supervision_server.schema import clerk_roster
from supervision_server.timeutil import iso

MIN_PASSWORD = 6
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``; ApiError 422 CLERK_PASSWORD_SHORT when it is too short."""
    if len(password) < MIN_PASSWORD:
        raise ApiError(422, "CLERK_PASSWORD_SHORT", f"密码至少 {MIN_PASSWORD} 位")
    return _hasher.hash(password)


def _entry(row: Any) -> RosterEntry:
    return RosterEntry(
        number=row.clerk_no,
        name=row.name,
        role=row.role,
        password_hash=row.password_hash,
        hall_code=row.hall_code,
        windows=tuple(json.loads(row.windows)),
        active=bool(row.active),
        version=row.version,
    )


def latest(conn: Connection, hall_code: str, number: str) -> RosterEntry | None:
    """The current entry of one clerk of a hall, None if never added."""
    c = clerk_roster.c
    row = conn.execute(
        select(clerk_roster)
        .where(c.hall_code == hall_code, c.clerk_no == number)
        .order_by(c.version.desc())
        .limit(1)
    ).first()
    return _entry(row) if row else None


def put_clerk(
    conn: Connection,
    *,
    hall_code: str,
    number: str,
    name: str | None,
    role: str | None,
    password: str | None,
    windows: list[int] | None,
    active: bool,
    now: datetime,
    by: str,
) -> RosterEntry:
    """Record a new version of a clerk (the first needs name, role and password; later ones keep
    what is not given). ApiError 422 with the domain's code for bad input."""
    try:
        number = check_clerk_number(number)
        previous = latest(conn, hall_code, number)
        if previous is None and (name is None or role is None or password is None):
            raise ApiError(422, "CLERK_INCOMPLETE", f"新增人员 {number} 须有姓名、角色和密码")
        entry = RosterEntry(
            number=number,
            name=check_clerk_name(name) if name is not None else previous.name,  # type: ignore[union-attr]
            role=check_role(role) if role is not None else previous.role,  # type: ignore[union-attr]
            password_hash=hash_password(password) if password is not None else previous.password_hash,  # type: ignore[union-attr]
            hall_code=hall_code,
            windows=tuple(windows) if windows is not None else (previous.windows if previous else ()),
            active=active,
            version=previous.version + 1 if previous else 1,
        )
    except DomainError as exc:
        raise ApiError(422, exc.code, exc.message) from exc
    conn.execute(
        clerk_roster.insert().values(
            hall_code=hall_code,
            clerk_no=entry.number,
            version=entry.version,
            name=entry.name,
            role=entry.role,
            password_hash=entry.password_hash,
            windows=json.dumps(list(entry.windows)),
            active=entry.active,
            recorded_at=iso(now),
            recorded_by=by,
        )
    )
    return entry


def hall_roster(conn: Connection, hall_code: str) -> list[RosterEntry]:
    """The latest version of every clerk of ``hall_code`` (inactive ones too: a window must
    forget a switched-off clerk), by number."""
    c = clerk_roster.c
    newest = (
        select(c.clerk_no, func.max(c.version).label("version"))
        .where(c.hall_code == hall_code)
        .group_by(c.clerk_no)
        .subquery()
    )
    rows = conn.execute(
        select(clerk_roster)
        .join(newest, (c.clerk_no == newest.c.clerk_no) & (c.version == newest.c.version))
        .where(c.hall_code == hall_code)
        .order_by(c.clerk_no)
    ).all()
    return [_entry(r) for r in rows]
