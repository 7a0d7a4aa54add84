"""The e-supervision server (电子监察服务器): every event of every window reaches it, nothing is
lost, and tampering shows.

HTTP API under ``/api/v1`` (JSON; every error is ``{"code", "message", ...}``):

=======================================  ==========================================================
``POST /enroll``                         redeem a one-time code: device id + Ed25519 public key
``POST /devices/{id}/events``            signed events in seq order -> signed acknowledgement
``GET  /devices/{id}/head``              what the server holds for the device
``POST /devices/{id}/heartbeat``         announced head and device clock -> server time, offset
``GET  /catalog``, ``GET /calendar``     versioned documents with strong ETags (304 when current)
``GET  /check/{project_no}?code=``       a citizen checks a receipt (name masked)
``POST /admin/enroll-codes``             issue an enrollment code (admin bearer token)
``PUT  /admin/catalog``                  publish a catalog version (admin)
``PUT  /admin/calendar/days/{date}``     override one calendar day (admin)
``GET  /alerts``, ``/devices``, ``/cases``  supervision views (admin)
=======================================  ==========================================================

Start it with ``python -m supervision_server serve`` (see :mod:`supervision_server.__main__`);
the application itself comes from :func:`supervision_server.app.create_app`. How events are
placed (duplicates, forks, branches, gaps) is described in :mod:`supervision_server.ingest`.
"""
