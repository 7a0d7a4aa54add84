"""Requests a device signs outside its ledger: the bytes signed, shared by device and server.

A queue operation is signed over a domain tag and the exact body bytes, so that no
canonicalisation can differ between the two sides and a signature for one kind of request can
never pass for another.
"""

from __future__ import annotations

QUEUE_OP_TAG = b"service-counter/queue-op/v1\n"


def queue_op_message(body: bytes) -> bytes:
    """The exact bytes a device signs (and the server verifies) for a queue operation body."""
    return QUEUE_OP_TAG + body


ROSTER_TAG = b"service-counter/roster-request/v1\n"


def roster_request_message(body: bytes) -> bytes:
    """The exact bytes a device signs (and the server verifies) to ask for its hall's roster."""
    return ROSTER_TAG + body
