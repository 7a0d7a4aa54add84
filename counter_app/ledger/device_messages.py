"""The exact bytes a device signs to enroll and to send a heartbeat; one definition for both sides.

Each message is a domain tag and the RFC 8785 canonical JSON of its fields, so a signature made
for one purpose can never be presented as another (an event hash, a receipt, the other message).

* Enrollment proves possession of the private key: the device signs the one-time code (as the
  server stores it: upper case, no separators), its device id and public key, and the hall and
  window it is configured for, and its role (window or kiosk, version 2 of the message; a request
  without a role is checked against version 1, which is a window's). Nobody can enroll someone else's public key, and a code overheard
  on its way cannot be re-bound to another key.
* A heartbeat carries a counter the device raises by one for each heartbeat; the server keeps the
  highest it accepted, so a recorded heartbeat replayed later is refused.
"""

from __future__ import annotations

import re

from counter_app.ledger.canonical import canonical_json

ENROLL_TAG_V1 = b"service-counter/enroll/v1\n"
ENROLL_TAG = b"service-counter/enroll/v2\n"
HEARTBEAT_TAG = b"service-counter/heartbeat/v2\n"


def normalise_enroll_code(code: str) -> str:
    """Upper-case a code and drop separators and spaces, as a clerk may type it either way."""
    return re.sub(r"[\s\-_]", "", code).upper()


def enroll_message(
    code: str,
    device_id: str,
    public_key: str,
    hall_code: str | None,
    window_no: int | None,
    role: str | None = "window",
) -> bytes:
    """What a device signs to enroll ``public_key`` (base64) as ``device_id`` with ``code``.

    ``role`` None gives the version 1 message (no role: a window enrolled by an older client).
    """
    body: dict[str, object] = {
        "code": normalise_enroll_code(code),
        "device_id": device_id,
        "public_key": public_key,
        "hall_code": hall_code,
        "window_no": window_no,
    }
    if role is None:
        return ENROLL_TAG_V1 + canonical_json(body)
    return ENROLL_TAG + canonical_json({**body, "role": role})


def heartbeat_message(device_id: str, counter: int, head_seq: int, head_hash: str, device_time: str) -> bytes:
    """What a device signs for its heartbeat number ``counter``."""
    body = {
        "device_id": device_id,
        "counter": counter,
        "head_seq": head_seq,
        "head_hash": head_hash,
        "device_time": device_time,
    }
    return HEARTBEAT_TAG + canonical_json(body)
