"""The supervision page's login: the password (here the admin token) sets a session; a guesser
is slowed down per address."""

from __future__ import annotations

from fastapi.testclient import TestClient

from supervision_server.supervision_auth import COOKIE
from supervision_server.supervision_page import LOGIN_BURST
from tests.server.helpers import ADMIN_TOKEN


def test_login_sets_a_session_the_routes_accept(sqlite_client: TestClient) -> None:
    assert sqlite_client.get("/api/v1/supervision/hall").status_code == 401
    reply = sqlite_client.post("/supervision/login", data={"password": ADMIN_TOKEN}, follow_redirects=False)
    assert (reply.status_code, reply.headers["location"]) == (303, "/supervision")
    assert "httponly" in reply.headers["set-cookie"].lower() and COOKIE in sqlite_client.cookies
    hall = sqlite_client.get("/api/v1/supervision/hall")
    assert hall.status_code == 200 and hall.json()["hall_code"] == ""
    page = sqlite_client.get("/supervision")
    assert page.status_code == 200 and "今日考核" in page.text
    out = sqlite_client.get("/supervision/logout", follow_redirects=False)
    assert out.status_code == 303 and COOKIE not in sqlite_client.cookies


def test_password_guessing_is_slowed_down(sqlite_client: TestClient) -> None:
    for _ in range(LOGIN_BURST):
        assert sqlite_client.post("/supervision/login", data={"password": "guess"}).status_code == 401
    refused = sqlite_client.post("/supervision/login", data={"password": ADMIN_TOKEN}, follow_redirects=False)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "12"
    assert "尝试过于频繁" in refused.text and COOKIE not in sqlite_client.cookies
