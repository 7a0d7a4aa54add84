"""The PostgreSQL server the tests and benches use: reachability and throwaway databases.

``SC_TEST_POSTGRES_URL`` names the maintenance database to connect to (default: the trust-auth
``postgres`` user on 127.0.0.1:5432); each caller gets a fresh database that is dropped after.

Outside CI a machine without PostgreSQL skips those tests, saying why. When ``CI`` is set they
fail instead: a run that quietly skipped every PostgreSQL test would pass without testing it.
"""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

PG_ADMIN_URL = os.environ.get("SC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def in_ci() -> bool:
    """Whether the suite runs in CI (``CI`` set to anything but empty, 0 or false)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@functools.cache
def postgres_unreachable_reason() -> str | None:
    """Why the PostgreSQL server cannot be used, or None when it accepts connections.

    Only a failed connection counts as unreachable; any other error (a missing driver, a bad
    URL) is a fault of the test setup and propagates.
    """
    engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except OperationalError as exc:
        first_line = str(exc.orig or exc).strip().splitlines()[0]
        return f"no PostgreSQL reachable at {make_url(PG_ADMIN_URL).render_as_string()}: {first_line}"
    finally:
        engine.dispose()


def postgres_reachable() -> bool:
    """Whether the PostgreSQL server accepts connections."""
    return postgres_unreachable_reason() is None


def require_postgres() -> None:
    """Return if PostgreSQL is reachable; else skip the calling test, or fail it when in CI."""
    reason = postgres_unreachable_reason()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI is set: the PostgreSQL tests must run)", pytrace=False)
    pytest.skip(reason)


def require_tool(command: str, package: str) -> None:
    """Return if ``command`` is on the PATH; else skip the calling test, or fail it when in CI
    (``scripts/system-deps.sh`` installs ``package``)."""
    if shutil.which(command) is not None:
        return
    reason = f"{command} ({package}) is not installed"
    if in_ci():
        pytest.fail(f"{reason} (CI is set: the test must run)", pytrace=False)
    pytest.skip(reason)


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
