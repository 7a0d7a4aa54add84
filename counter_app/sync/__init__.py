"""Sync with the e-supervision server: enrollment, the event pusher, heartbeats, reference data.

No Qt here: the UI reads :meth:`Pusher.status` (or registers a listener) and calls
:meth:`Pusher.notify` after each committed event.
"""

from counter_app.sync.backoff import Backoff
from counter_app.sync.client import ServerClient
from counter_app.sync.config import Clock, SyncConfig, system_clock
from counter_app.sync.enroll import Enrollment, enroll
from counter_app.sync.errors import ErrorInfo, SyncError
from counter_app.sync.heartbeat import HeartbeatResult, send_heartbeat
from counter_app.sync.pusher import Pusher
from counter_app.sync.pushing import PushResult, push_pending
from counter_app.sync.reference import CachedDocument, cached_document, pull_reference_data
from counter_app.sync.status import SyncStatus

__all__ = [
    "Backoff",
    "CachedDocument",
    "Clock",
    "Enrollment",
    "ErrorInfo",
    "HeartbeatResult",
    "PushResult",
    "Pusher",
    "ServerClient",
    "SyncConfig",
    "SyncError",
    "SyncStatus",
    "cached_document",
    "enroll",
    "pull_reference_data",
    "push_pending",
    "send_heartbeat",
    "system_clock",
]
