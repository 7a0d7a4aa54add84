"""The PostgreSQL server the tests and benches use: reachability and throwaway databases.

``SC_TEST_POSTGRES_URL`` names the maintenance database to connect to (default: the trust-auth
``postgres`` user on 127.0.0.1:5432); each caller gets a fresh database that is dropped after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("SC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def postgres_reachable() -> bool:
    """Whether the PostgreSQL server accepts connections."""
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """Create an empty database named ``<prefix>_<random>``, yield its URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
