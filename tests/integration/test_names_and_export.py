"""Names checked at intake, what `counter show` and `list` call a closed case, and a CSV export
that a spreadsheet opens safely."""

from __future__ import annotations

import csv
import io
import json

import pytest

from counter_app.domain.errors import ValidationError
from counter_app.services import case_commands as cmd
from counter_app.services.intake import accept_case
from counter_app.services.intake_model import IntakeFormatError, Party, intake_from_json
from counter_app.services.queries import export_csv, list_cases
from tests.support import PERSON_ID, intake_for, promise_item


def test_intake_refuses_bad_names_and_unknown_cert_types_field_by_field(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = promise_item(store)
    bad = intake_for(
        item,
        applicant=Party("王\n建国", "999", "ABC", phone="13800138000"),
        agent=Party("李😀", "111", PERSON_ID),
    )
    with pytest.raises(ValidationError) as info:
        accept_case(store, clock, "c", bad)
    found = [(i.code, i.field) for i in info.value.issues]
    assert found == [
        ("NAME_CONTROL_CHAR", "applicant.name"),
        ("CERT_TYPE_UNKNOWN", "applicant.cert_type"),
        ("NAME_EMOJI", "agent.name"),
    ]
    assert info.value.issues[0].as_dict()["field"] == "applicant.name"
    rare = accept_case(
        store, clock, "c", intake_for(item, applicant=Party("𠮷䶮鎔", "111", PERSON_ID, phone="13800138000"))
    )
    assert rare.project_no


def test_an_unknown_material_form_is_refused_at_intake() -> None:
    data = {
        "task_code": "X",
        "applicant": {"name": "周明", "cert_no": PERSON_ID},
        "materials": [{"name": "申请书", "form": "电子件"}, {"name": "图纸", "form": "扫描件"}],
    }
    with pytest.raises(IntakeFormatError) as info:
        intake_from_json(data)
    assert info.value.code == "INTAKE_FORMAT"
    assert info.value.message.startswith("materials[1].form：材料形式「扫描件」无效")
    data["materials"] = data["materials"][:1]
    assert intake_from_json(data).materials[0].form.label == "电子件"


@pytest.mark.parametrize(("deleted", "label"), [(False, "已作废"), (True, "已删除")])
def test_a_voided_case_is_listed_as_voided(store, clock, deleted: bool, label: str) -> None:  # type: ignore[no-untyped-def]
    no = accept_case(store, clock, "c", intake_for(promise_item(store))).project_no
    done = cmd.void_case(store, clock, "c", no, "录入错误", deleted=deleted)
    assert done.state.value == "CLOSED"
    assert [s.as_dict()["state_label"] for s in list_cases(store)] == [label]


def test_csv_export_neutralises_formulas_and_keeps_id_numbers_as_text(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = promise_item(store)
    for name in ("=1+2", "+SUM(A1)", "-2+3", "@cmd", "王建国"):
        applicant = Party(name, "111", PERSON_ID, phone="13800138000")
        accept_case(store, clock, "c", intake_for(item, applicant=applicant))
    out = io.StringIO()
    assert export_csv(store, out) == 5
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["申请人"] for r in rows] == ["'=1+2", "'+SUM(A1)", "'-2+3", "'@cmd", "王建国"]
    assert {r["证件号码"] for r in rows} == {"\t" + PERSON_ID}
    assert all(not r[key].startswith(("=", "+", "-", "@")) for r in rows for key in r)


def test_cli_show_says_voided(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.test_cli import counter
    from tests.support import DEMO_CATALOG

    data = tmp_path / "counter"
    assert counter(data, "init", "--hall", "YX330781", "--window", "5").returncode == 0
    assert counter(data, "import-catalog").returncode == 0
    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    item = next(i for i in catalog["items"] if i["name"] == "食品经营许可证核发")
    intake = {
        "task_code": item["task_code"],
        "applicant": {"name": "周明", "cert_no": PERSON_ID, "phone": "13800138000"},
        "materials": [{"name": m["name"]} for m in item["materials"]],
    }
    taken = counter(data, "--json", "intake", "-", stdin=json.dumps(intake, ensure_ascii=False))
    number = json.loads(taken.stdout)["project_no"]
    voided = counter(data, "case", "void", number, "--reason", "录入错误")
    assert voided.returncode == 0 and f"{number}：已作废" in voided.stdout
    shown = counter(data, "show", number)
    assert "已作废" in shown.stdout and "已办结" not in shown.stdout
    assert json.loads(counter(data, "--json", "show", number).stdout)["state_label"] == "已作废"
