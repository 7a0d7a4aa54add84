"""What a citizen's receipt check says of a case closed without a decision: 已作废, 已删除."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient

from tests.server.helpers import Chain, accepted_payload, case_payload, unique, wire


@pytest.mark.parametrize(("result_code", "label"), [(2, "已作废"), (3, "已删除"), (0, "已办结")])
def test_check_shows_a_voided_case_as_voided(
    client: TestClient, device: Chain, result_code: int, label: str
) -> None:
    no = unique("V")
    kind = "case.closed" if result_code == 0 else "case.voided"
    batch = [
        device.append("case.received", case_payload(no)),
        device.append("case.accepted", accepted_payload(no, "7K3Q9")),
        device.append(kind, {"project_no": no, "result_code": result_code, "reason": "录入错误"}),
    ]
    reply = client.post(f"/api/v1/devices/{device.device_id}/events", json=wire(batch))
    assert reply.status_code == 200, reply.text
    api = client.get(f"/api/v1/check/{no}", params={"code": "7K3Q9"}).json()
    assert (api["state"], api["state_label"]) == ("CLOSED", label)
    page = client.get("/check", params={"no": no, "code": "7K3Q9"})
    assert page.status_code == 200 and f"<th>当前状态</th><td>{label}</td>" in page.text
    others = {"已作废", "已删除", "已办结"} - {label}
    assert not any(other in page.text for other in others)


@pytest.mark.slow
def test_the_real_server_check_page_says_voided(tmp_path: Path) -> None:
    from tests.server.test_real_server import Server

    server = Server(tmp_path / "data")
    try:
        chain = Chain(unique("dev"))
        server.enroll(chain)
        no = unique("V")
        batch = [
            chain.append("case.received", case_payload(no)),
            chain.append("case.accepted", accepted_payload(no, "7K3Q9")),
            chain.append("case.voided", {"project_no": no, "result_code": 2, "reason": "录入错误"}),
        ]
        url = f"{server.url}/api/v1/devices/{chain.device_id}/events"
        assert requests.post(url, json=wire(batch), timeout=30).status_code == 200
        page = requests.get(f"{server.url}/check", params={"no": no, "code": "7K3Q9"}, timeout=30)
        assert page.status_code == 200 and "<th>当前状态</th><td>已作废</td>" in page.text
        assert "已办结" not in page.text
    finally:
        server.stop()
