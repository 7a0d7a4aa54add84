"""The server's signing key, and the record of it in the database that keeps it stable.

Every window stores the server's public key at enrollment and verifies each acknowledgement
receipt with it. A server started on an existing database with another data folder would
otherwise create a fresh key without a word, and from then on every window stops with
BAD_RECEIPT. So the first start records the public key in ``server_keys``; each later start
loads the key file and refuses to run unless it matches the last key recorded. Changing the key
is an explicit administrator's act (``python -m supervision_server rotate-server-key``), recorded
beside the old one; every window must then be enrolled again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from counter_app.ledger import DeviceKey
from supervision_server.db import is_postgres, write_transaction
from supervision_server.schema import server_keys
from supervision_server.timeutil import iso

# Any constant will do: two servers starting at once must not both record a first key.
_PG_KEY_LOCK = 0x5C_4B_E1


class ServerKeyMismatch(RuntimeError):
    """The key file does not match the key recorded in the database; the message says what to do."""


def recorded_key(conn: Connection) -> str | None:
    """The current server public key (base64) recorded in the database, or None before the first start."""
    query = select(server_keys.c.public_key).order_by(server_keys.c.id.desc()).limit(1)
    return conn.execute(query).scalar()


def _lock(conn: Connection) -> None:
    if is_postgres(conn):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_KEY_LOCK})")


def load_server_key(engine: Engine, path: Path, now: datetime) -> DeviceKey:
    """The server key at ``path``, checked against the database (see the module docstring).

    On the first start the key file is created if missing and its public key recorded. Raises
    :class:`ServerKeyMismatch` when a key is recorded and the file is missing or holds another key.
    """
    with write_transaction(engine) as conn:
        _lock(conn)
        recorded = recorded_key(conn)
        if recorded is None:
            key = DeviceKey.load_or_create(path)
            conn.execute(
                server_keys.insert().values(
                    public_key=key.public_b64, recorded_at=iso(now), reason="first start"
                )
            )
            return key
    if not path.exists():
        raise ServerKeyMismatch(
            f"数据库中已登记服务器公钥 {recorded}，但数据目录中没有服务器私钥文件 {path}。"
            "请从备份恢复 server_key.pem 到该位置后再启动；若确需更换服务器密钥，请执行 "
            "`python -m supervision_server rotate-server-key`（更换后所有窗口须重新登记）。"
            f" / The database records server public key {recorded} but {path} does not exist: "
            "restore server_key.pem from backup, or rotate the key explicitly with `rotate-server-key` "
            "(every window must then enroll again)."
        )
    key = DeviceKey.from_pem(path.read_bytes())
    if key.public_b64 != recorded:
        raise ServerKeyMismatch(
            f"服务器私钥文件 {path} 的公钥 {key.public_b64} 与数据库中登记的服务器公钥 {recorded} 不一致，"
            "各窗口将无法验证回执。请从备份恢复原来的 server_key.pem；若确需更换服务器密钥，请执行 "
            "`python -m supervision_server rotate-server-key`（更换后所有窗口须重新登记）。"
            f" / The key file {path} holds public key {key.public_b64}, not the recorded {recorded}: "
            "restore the original server_key.pem from backup, or rotate explicitly with `rotate-server-key`."
        )
    return key


def rotate_server_key(engine: Engine, path: Path, now: datetime) -> tuple[str | None, str]:
    """Make the key at ``path`` (created if missing) the recorded server key; returns (old, new).

    The old record stays in ``server_keys``; nothing else changes, so the windows keep the old
    key until they are enrolled again.
    """
    key = DeviceKey.load_or_create(path)
    with write_transaction(engine) as conn:
        _lock(conn)
        old = recorded_key(conn)
        if old != key.public_b64:
            reason = "rotated by the administrator" if old else "first start"
            conn.execute(
                server_keys.insert().values(public_key=key.public_b64, recorded_at=iso(now), reason=reason)
            )
    return old, key.public_b64
