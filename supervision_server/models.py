"""Request and response shapes of the HTTP API (pydantic), which the OpenAPI document is built from."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from counter_app.domain.device_role import DeviceRole
from supervision_server.enroll import DEVICE_ID_PATTERN

HASH_PATTERN = r"^[0-9a-f]{64}$"
# The largest integer that JSON readers and RFC 8785 (which signatures are computed over) carry
# exactly; a sequence number beyond it cannot be signed or compared reliably.
MAX_SEQ = 2**53 - 1
MAX_WINDOW_NO = 9999
NO_NUL_PATTERN = r"^[^\x00]*$"
HALL_CODE_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"  # case numbers use 2-12 of A-Z, 0-9 (domain.case_numbers)


class ErrorResponse(BaseModel):
    """Every error: a stable code, a Chinese message, and fields that say where (seq, ...)."""

    model_config = ConfigDict(extra="allow")
    code: str = Field(examples=["SEQ_GAP"])
    message: str = Field(examples=["缺少序号 11 之前的事件，请从序号 11 起重新上报"])


# -- devices -------------------------------------------------------------------------------------


class EnrollRequest(BaseModel):
    """A counter redeems a one-time code for its device id and public key, proven by a signature.

    Signed: b"service-counter/enroll/v2\\n" + JCS({code (upper case, no separators), device_id,
    public_key, hall_code, window_no, role}) with the private key of ``public_key``. Without
    ``role`` (an older client) the device is a window and version 1 (no role) is accepted too.
    """

    code: str = Field(min_length=1, max_length=64, examples=["K7QX-2M9D-ZP4C"])
    device_id: str = Field(pattern=DEVICE_ID_PATTERN, examples=["dev-3f9a1c2b7e4d5a60"])
    public_key: str = Field(max_length=64, description="base64 of the raw 32-byte Ed25519 public key")
    signature: str = Field(max_length=128, description="base64 Ed25519 signature of the enroll message")
    hall_code: str | None = Field(
        default=None, max_length=32, description="the hall the counter is configured for, if any"
    )
    window_no: int | None = Field(
        default=None, ge=1, le=9999, description="the window the counter is configured as, if any"
    )
    role: DeviceRole | None = Field(default=None, description="window or kiosk, as the counter is set up")
    device_info: dict[str, Any] = Field(default_factory=dict, examples=[{"hostname": "WIN-03"}])


class EnrollResponse(BaseModel):
    """Where the device belongs, and the key that signs its receipts."""

    device_id: str
    hall_code: str
    window_no: int
    role: DeviceRole = Field(description="window, or kiosk (then window_no is the kiosk's number)")
    server_public_key: str = Field(description="base64 raw Ed25519 key that signs acknowledgement receipts")
    server_time: str


class Envelope(BaseModel):
    """The signed part of an event (see counter_app.ledger.Envelope)."""

    v: int = Field(examples=[1])
    device_id: str
    seq: int = Field(ge=1, le=MAX_SEQ)
    prev_hash: str = Field(pattern=HASH_PATTERN)
    event_id: str
    type: str = Field(examples=["case.accepted"])
    payload: dict[str, Any]
    clerk_id: str
    occurred_at: str = Field(description="device time, ISO 8601 with offset")
    clock_offset_ms: int | None


class WireEvent(BaseModel):
    """An event as sent: the envelope, its SHA-256 hash (hex) and the device's Ed25519 signature."""

    envelope: Envelope
    hash: str = Field(pattern=HASH_PATTERN)
    signature: str = Field(description="base64 Ed25519 signature over the 32 raw hash bytes")


class EventBatch(BaseModel):
    """Events of one device in increasing seq order."""

    events: list[WireEvent]


class Receipt(BaseModel):
    """The server's signed statement that it holds the device's chain ending at acked_hash."""

    device_id: str
    acked_seq: int
    acked_hash: str
    server_time: str
    signature: str


class IngestResponse(BaseModel):
    """Acknowledgement of a batch: the last event of it the server holds, and what happened."""

    acked_seq: int
    acked_hash: str
    receipt: Receipt
    stored: int = Field(description="events newly stored (main chain and fork table)")
    duplicates: int = Field(description="events the server already held")
    forks: int = Field(description="events of this batch kept in the fork table")
    forked: bool = Field(description="the device has events outside its main chain")


class GapResponse(IngestResponse):
    """409 SEQ_GAP: events before the gap were stored; resend from expected_seq."""

    code: str = "SEQ_GAP"
    message: str
    expected_seq: int


class HeadResponse(BaseModel):
    """The device's position on the server; forked devices also show their main chain."""

    device_id: str
    acked_seq: int
    acked_hash: str
    forked: bool
    main_seq: int
    main_hash: str


class DaySerial(BaseModel):
    """The highest serial of a device's case numbers the server holds for one day."""

    day: str = Field(examples=["2026-11-25"])
    last_serial: int = Field(examples=[8])


class CaseSerialsResponse(BaseModel):
    """What a window must not issue again: per day, every serial up to ``last_serial``."""

    device_id: str
    serials: list[DaySerial]


class HeldCaseResponse(BaseModel):
    """A case the device may record events about: received by ``owner``, held by the device."""

    project_no: str
    owner_device_id: str
    holder_device_id: str
    state: str | None


class HeartbeatRequest(BaseModel):
    """Signed: b"service-counter/heartbeat/v2\\n" + JCS({device_id, counter, head_seq, head_hash,
    device_time}); ``counter`` grows by one with every heartbeat of the device."""

    counter: int = Field(ge=1, le=MAX_SEQ, description="above every counter this device sent before")
    head_seq: int = Field(ge=0, le=MAX_SEQ)
    head_hash: str = Field(pattern=HASH_PATTERN)
    device_time: str = Field(description="device clock, ISO 8601 with offset")
    signature: str


class HeartbeatResponse(BaseModel):
    """Server time and what it holds; clock_offset_ms = server time - device time."""

    server_time: str
    acked_seq: int
    acked_hash: str
    clock_offset_ms: int
    lag: int = Field(description="announced head_seq minus delivered seq")


# -- administration ------------------------------------------------------------------------------


class IssueCodeRequest(BaseModel):
    """An enrollment code for one window of one hall."""

    hall_code: str = Field(pattern=HALL_CODE_PATTERN, examples=["YX330781"])
    window_no: int = Field(ge=1, le=MAX_WINDOW_NO, description="the window's, or the kiosk's, number")
    role: DeviceRole = Field(default=DeviceRole.WINDOW, description="window (default) or kiosk")
    ttl_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    device_id: str | None = Field(
        default=None,
        pattern=DEVICE_ID_PATTERN,
        description="re-enrollment: the enrolled device that may use this code to move to this window",
    )


class IssueCodeResponse(BaseModel):
    """The code (shown once) and what it enrolls."""

    code: str
    hall_code: str
    window_no: int
    role: DeviceRole
    expires_at: str
    device_id: str | None = None


class PublishedResponse(BaseModel):
    """A stored document version."""

    name: str
    version: int
    etag: str
    published_at: str
    created: bool = Field(description="false when the document equalled the current version")
    sha256: str = Field(description="SHA-256 of the exact bytes served")
    key_id: str = Field(description="fingerprint of the server key that signed")
    signature: str = Field(description="Ed25519 signature, as sent in X-Document-Signature")


class CalendarDayRequest(BaseModel):
    """An administrator's decision about one day."""

    kind: str = Field(examples=["HOLIDAY"], description="WORKDAY, WEEKEND, HOLIDAY or MAKEUP_WORKDAY")
    name: str = Field(default="", max_length=100, pattern=NO_NUL_PATTERN, examples=["台风停止办公"])


class CalendarDay(BaseModel):
    """A day that differs from the Monday-to-Friday rule."""

    date: str
    kind: str
    name: str
    source: str = Field(description="OFFICIAL, ESTIMATED or OVERRIDE")


class CalendarDocument(BaseModel):
    """The hall calendar as distributed to counters."""

    format: int
    version: int
    official_years: list[int]
    days: list[CalendarDay]


class Alert(BaseModel):
    """One supervision alert."""

    id: int
    rule_id: str
    rule_version: int
    level: str = Field(description="预警, 黄牌 or 红牌")
    device_id: str | None
    seq: int | None
    project_no: str | None
    detected_at: str
    message: str
    details: dict[str, Any]
    closed_at: str | None = Field(default=None, description="when the condition ended (SILENT), if it did")
    window_no: int | None = None
    clerk_id: str | None = None
    dept_code: str | None = None
    state: str = Field(default="RAISED", description="counter_app.domain.alert_life.AlertState")
    state_label: str = ""


class AlertList(BaseModel):
    """Alerts in detection order."""

    alerts: list[Alert]


class Device(BaseModel):
    """An enrolled device and its sync state."""

    device_id: str
    hall_code: str
    window_no: int
    role: DeviceRole = DeviceRole.WINDOW
    enrolled_at: str
    last_seen: str | None
    acked_seq: int
    acked_hash: str
    main_seq: int
    announced_seq: int | None
    announced_at: str | None
    lag: int
    clock_offset_ms: int | None
    forked: bool
    withholding_since: str | None


class DeviceList(BaseModel):
    """All enrolled devices."""

    devices: list[Device]


class Case(BaseModel):
    """A case as the server sees it (applicant ID number partly hidden)."""

    model_config = ConfigDict(extra="allow")
    project_no: str
    state: str
    item_name: str
    window_no: int | None
    device_id: str
    seq: int
    from_fork: bool
    applicant_name: str
    applicant_cert_no: str
    received_at: str | None
    accepted_at: str | None
    promise_due: str | None
    result_code: int | None


class CaseList(BaseModel):
    """Cases matching the filter."""

    cases: list[Case]


class CheckResponse(BaseModel):
    """What a citizen sees when checking a receipt."""

    found: bool
    project_no: str
    state: str
    state_label: str
    item_name: str
    accepted_at: str | None
    promise_due: str | None
    promise_estimated: bool | None
    applicant_name: str = Field(description="masked, e.g. 张*三")
