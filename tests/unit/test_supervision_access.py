"""The supervisor's session cookie and password, and the assessment CSV's cell escaping."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from supervision_server.assessment import ScoreSheet, assess, hall_figures
from supervision_server.assessment_export import csv_text
from supervision_server.settings import Settings, SettingsError
from supervision_server.supervision_auth import password_ok, session_cookie, session_ok
from tests.unit.test_assessment import AS_OF, planted

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
ADMIN = "an-admin-token-long-enough-for-tests"
SUPERVISOR = "the-supervision-office-password"


def settings(**changes: object) -> Settings:
    return Settings.model_validate({"admin_token": ADMIN, "supervisor_token": SUPERVISOR, **changes})


def test_a_session_lasts_its_hours_and_cannot_be_forged() -> None:
    s = settings(supervisor_session_hours=2)
    value = session_cookie(s, NOW)
    expiry, _, mac = value.partition(".")
    assert int(expiry) == int((NOW + timedelta(hours=2)).timestamp())
    assert session_ok(s, value, NOW + timedelta(minutes=119))
    assert not session_ok(s, value, NOW + timedelta(hours=2))
    assert not session_ok(s, f"{int(expiry) + 3600}.{mac}", NOW)  # a later expiry, same MAC
    assert not session_ok(s, None, NOW) and not session_ok(s, "garbage", NOW)
    # a new password ends every session
    assert not session_ok(settings(supervisor_token="another-office-password-123"), value, NOW)


def test_passwords_and_weak_supervisor_tokens() -> None:
    s = settings()
    assert password_ok(s, SUPERVISOR) and password_ok(s, ADMIN)
    assert not password_ok(s, "guess") and not password_ok(s, "")
    with pytest.raises(SettingsError) as err:
        settings(supervisor_token="short").checked()
    assert "supervisor_token" in str(err.value)


def test_assessment_csv_neutralises_formulas() -> None:
    rows = planted()
    rows.tickets = [t.__class__(**{**t.__dict__, "clerk_id": '=HYPERLINK("x")'}) for t in rows.tickets]
    report = {
        "period": {"start": "2026-11-25", "end": "2026-11-25"},
        "labels": {"window": {}, "department": {}, "category": {}},
        "by": {"clerk": [f.as_dict() for f in assess(rows, "clerk", AS_OF, ScoreSheet())]},
        "hall": hall_figures(rows, AS_OF, ScoreSheet()).as_dict(),
        "indicators": [],
    }
    lines = list(csv.reader(io.StringIO(csv_text(report, "clerk"))))
    assert lines[2][0] == '\'=HYPERLINK("x")'
    assert [line[0] for line in lines[3:]] == ["c1", "全大厅"]


def test_a_broken_score_sheet_stops_the_server_at_start(tmp_path: Path) -> None:
    from supervision_server.app import create_app

    sheet = tmp_path / "sheet.toml"
    sheet.write_text("[weights]\nspeed = 3\n", encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        create_app(settings(data_dir=tmp_path / "data", score_sheet_file=sheet))
    assert "speed" in str(err.value)
    assert not (tmp_path / "data").exists()  # refused before anything was opened
