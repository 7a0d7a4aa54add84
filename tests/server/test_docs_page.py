"""The API pages work on a closed network: every script, style and icon comes from this server."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("page", "script"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")]
)
def test_api_pages_load_nothing_from_outside(sqlite_client: TestClient, page: str, script: str) -> None:
    html = sqlite_client.get(page)
    assert html.status_code == 200
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html.text)
    urls += re.findall(r"""url\s*:\s*['"]([^'"]+)['"]""", html.text)
    assert f"/static/docs/{script}" in urls
    assert "/openapi.json" in urls or "'/openapi.json'" in html.text or '"/openapi.json"' in html.text
    for url in urls:
        assert url.startswith("/"), f"{page} loads {url} from outside the server"
        asset = sqlite_client.get(url)
        assert asset.status_code == 200, url
    assert "http://" not in html.text and "https://" not in html.text
    bundle = sqlite_client.get(f"/static/docs/{script}")
    assert len(bundle.content) > 500_000
    assert "javascript" in bundle.headers["content-type"]
