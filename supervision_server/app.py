"""The ASGI application factory: ``create_app(settings)``.

Nothing connects at import time. The factory checks the settings (a weak admin token is refused
outside demo mode), opens the database, applies migrations, loads or creates the server key,
seeds the calendar on first start and, in demo mode, publishes the demo catalog if none is
stored. While the app runs, a background task re-checks WITHHOLDING and SILENT every
``withholding_check_interval_s`` seconds, so a device that stops sending heartbeats is still
caught. Run as several worker processes (``serve --workers N``, PostgreSQL only), each builds its
own app (``worker_app``) and the watcher runs in exactly one of them (:class:`WatcherLease`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from sqlalchemy import Connection, text

from counter_app.domain.errors import DomainError
from supervision_server.api_support import install_error_handlers
from supervision_server.assessment import ScoreSheet
from supervision_server.check_page import router as check_page_router
from supervision_server.context import ServerContext
from supervision_server.db import run_write
from supervision_server.distribution import ensure_calendar, publish_demo_catalog
from supervision_server.docs_page import install_docs
from supervision_server.events_path import ServerApp
from supervision_server.heartbeat import check_withholding
from supervision_server.models import EventBatch
from supervision_server.receipt_check import check_limiter
from supervision_server.request_limits import RequestLimitsMiddleware, route_limits
from supervision_server.routes_admin import router as admin_router
from supervision_server.routes_assessment import router as assessment_router
from supervision_server.routes_devices import router as devices_router
from supervision_server.routes_public import router as public_router
from supervision_server.routes_queue import QUEUE_ACTIONS
from supervision_server.routes_queue import router as queue_router
from supervision_server.routes_reports import admin_router as reports_admin_router
from supervision_server.routes_reports import router as reports_router
from supervision_server.routes_roster import admin_router as roster_admin_router
from supervision_server.routes_roster import router as roster_router
from supervision_server.routes_supervision import router as supervision_router
from supervision_server.rule_runner import RuleRunner
from supervision_server.rules import run_scheduled_rules
from supervision_server.settings import Settings, SettingsError
from supervision_server.silence import check_silent
from supervision_server.supervision_page import router as supervision_page_router
from supervision_server.timeutil import Clock, system_clock

log = logging.getLogger("supervision_server")
API_VERSION = "1.0.0"


def prepare(ctx: ServerContext) -> None:
    """First-start work: seed the calendar, and in demo mode publish the demo catalog."""
    settings = ctx.settings
    now = ctx.clock()
    run_write(
        ctx.engine,
        lambda conn: ensure_calendar(conn, now, settings.calendar_years_back, settings.calendar_years_ahead),
    )
    if settings.demo and run_write(ctx.engine, lambda conn: publish_demo_catalog(conn, now)):
        log.info("demo catalog published")


def run_withholding_check(ctx: ServerContext) -> int:
    """One WITHHOLDING pass over every device at the context's current time."""
    grace = timedelta(seconds=ctx.settings.withholding_grace_s)
    now = ctx.clock()
    return run_write(ctx.engine, lambda conn: check_withholding(conn, now, grace))


def run_periodic_checks(ctx: ServerContext, now: datetime | None = None) -> int:
    """One pass of the watcher at ``now`` (default: the context's clock): WITHHOLDING, the
    supervision rules (supervision_server.rules), then SILENT.

    Returns the number of alerts raised.
    """
    settings = ctx.settings
    at = now or ctx.clock()
    grace = timedelta(seconds=settings.withholding_grace_s)
    raised = run_write(ctx.engine, lambda conn: check_withholding(conn, at, grace))
    if settings.rules_on_schedule:
        raised += run_write(ctx.engine, lambda conn: run_scheduled_rules(conn, at, settings))
    return raised + run_write(
        ctx.engine,
        lambda conn: check_silent(
            conn,
            at,
            silent_after=timedelta(seconds=settings.silent_after_s),
            hall_hours=settings.hall_hours_range,
            hall_tz=settings.hall_tz,
        ),
    )


WATCHER_LOCK = 0x5C_0A7C  # the PostgreSQL advisory lock held by the one worker that runs the watcher
WORKER_SETTINGS_ENV = "SERVICE_COUNTER_WORKER_SETTINGS"  # serve --workers: the settings, as JSON
RULES_APART_ENV = "SERVICE_COUNTER_RULES_APART"  # serve --workers: "1" when a rules process runs them


class WatcherLease:
    """Whether this process runs the periodic watcher.

    One process: always. Several worker processes (PostgreSQL): the one that holds a session
    advisory lock on a connection of its own; the others try again at each interval, so when that
    process ends (its connection closes, the lock with it) another one takes the watch over.
    """

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self._conn: Connection | None = None

    def held(self) -> bool:
        """True if this process is the watcher now (taking the lock if it is free)."""
        if self.ctx.settings.workers == 1:
            return True
        if self._conn is not None:
            return True
        conn = self.ctx.engine.connect()
        try:
            got = bool(
                conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": WATCHER_LOCK}).scalar()
            )
            conn.commit()
        except Exception:
            conn.close()
            raise
        if got:
            self._conn = conn
        else:
            conn.close()
        return got

    def release(self) -> None:
        """Give the watch up (closing the connection frees the lock)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.invalidate()  # closed, not returned to the pool still holding the lock
            conn.close()


async def _watch(ctx: ServerContext) -> None:
    lease = WatcherLease(ctx)
    try:
        while True:
            await asyncio.sleep(ctx.settings.withholding_check_interval_s)
            try:
                if await run_in_threadpool(lease.held):
                    await run_in_threadpool(run_periodic_checks, ctx)
            except Exception:
                log.exception("periodic checks failed")
                lease.release()  # a broken connection: the lock may be gone with it
    finally:
        lease.release()


# The collector's first threshold while serving (Python's default is 700). A 6-event request
# makes a few thousand container objects, most of them alive until its reply, so at 700 the
# young generation was collected about once per request and what it found alive was promoted
# and walked again: 0.23 ms of CPU per request, about 65 collections a second under 50 windows.
# At 20,000 the same load costs 0.03-0.06 ms and a few collections; reference counting frees
# nearly all of it anyway, so the most the collector leaves waiting is a few MB.
SERVING_GC_THRESHOLD = (20_000, 10, 10)


def settle_heap() -> None:
    """Collect once and move every object alive now (modules, the app, the catalog ...) out of the
    collector's reach. A full collection otherwise walks all of them and stalls every request of
    the process for 65-110 ms a few times a minute under load; only objects made later are
    scanned, and only after :data:`SERVING_GC_THRESHOLD` new ones. Called once the app is built,
    before it serves (``serve``)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLD)


def worker_app() -> FastAPI:
    """The app of one worker process of ``serve --workers N``: the settings the parent process
    checked and prepared, passed in the environment (uvicorn imports this as a factory)."""
    app = create_app(
        Settings.model_validate_json(os.environ[WORKER_SETTINGS_ENV]),
        rules_apart=os.environ.get(RULES_APART_ENV) == "1",
    )
    settle_heap()
    return app


def create_app(settings: Settings, *, clock: Clock = system_clock, rules_apart: bool = False) -> FastAPI:
    """Build the application; see the module docstring for what happens here.

    ``rules_apart``: the batch rules run in a process of their own (``serve`` on PostgreSQL,
    :mod:`supervision_server.rules_process`), so this process starts no rule runner thread."""
    settings = settings.checked()
    try:  # a broken score sheet is refused at start, not on the supervisor's first request
        ScoreSheet.load(settings.score_sheet_file)
    except DomainError as exc:
        raise SettingsError(exc.message) from exc
    ctx = ServerContext.open(settings, clock)
    try:
        prepare(ctx)
    except Exception:
        ctx.close()
        raise

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        watcher = asyncio.create_task(_watch(ctx))
        runner = RuleRunner(ctx) if settings.rules_on_ingest and not rules_apart else None
        if runner is not None:
            runner.start()
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            if runner is not None:
                await run_in_threadpool(runner.stop)
            ctx.close()

    app = ServerApp(
        title="Service Counter e-supervision server",
        version=API_VERSION,
        description="电子监察服务器：接收各窗口签名事件，分发事项目录与日历，提供办件回执查询。",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx
    app.state.check_limiter = check_limiter(settings)
    limits = route_limits(settings)
    app.add_middleware(RequestLimitsMiddleware, limits=limits)
    install_error_handlers(app)
    app.include_router(devices_router)
    app.include_router(public_router)
    app.include_router(admin_router)
    app.include_router(reports_router)
    app.include_router(reports_admin_router)
    app.include_router(check_page_router)
    app.include_router(queue_router)
    app.include_router(supervision_router)
    app.include_router(assessment_router)
    app.include_router(supervision_page_router)
    app.include_router(roster_router)
    app.include_router(roster_admin_router)
    install_docs(app)
    _document_raw_bodies(app)
    app.answer_events_directly(limits)
    return app


def _document_raw_bodies(app: FastAPI) -> None:
    """Add the schemas of bodies that routes read themselves (for speed or free form) to OpenAPI."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            batch = EventBatch.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(batch.pop("$defs", {}))
            components["EventBatch"] = batch
            components["CatalogDocument"] = {
                "type": "object",
                "title": "CatalogDocument",
                "description": "a service catalog in format 1 (counter_app.domain.catalog)",
                "additionalProperties": True,
            }
            components["QueueOp"] = {
                "type": "object",
                "title": "QueueOp",
                "required": ["op_id", "action", "device_time"],
                "properties": {
                    "op_id": {"type": "string", "minLength": 8, "maxLength": 64},
                    "action": {"type": "string", "enum": sorted(QUEUE_ACTIONS)},
                    "args": {"type": "object", "additionalProperties": True},
                    "device_time": {"type": "string", "format": "date-time"},
                },
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
