"""The service catalog: the demo catalog, round trips, and every kind of broken document."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from counter_app.domain.catalog import (
    Catalog,
    CatalogError,
    MaterialForm,
    ProjectType,
    TimeUnit,
    WindowAuthority,
    dump_catalog,
    is_valid_uscc,
    load_catalog,
    load_catalog_file,
    make_task_code,
    uscc_check_char,
)
from counter_app.domain.errors import DomainError

DEMO = Path(__file__).resolve().parents[2] / "resources" / "catalog" / "demo_catalog.json"


@pytest.fixture(scope="module")
def demo() -> Catalog:
    return load_catalog_file(DEMO)


@pytest.fixture
def data() -> dict[str, Any]:
    return json.loads(DEMO.read_text(encoding="utf-8"))


def item_index(data: dict[str, Any], name: str) -> int:
    return next(i for i, item in enumerate(data["items"]) if item["name"] == name)


# --- the demo catalog ---


def test_demo_catalog_loads_with_its_hall(demo: Catalog) -> None:
    assert demo.hall_name == "云溪市政务服务中心"
    assert len(demo.region_code) == 9 and demo.region_code.isdigit()
    assert len(demo.departments) == 25
    assert len(demo.items) >= 187
    assert DEMO.stat().st_size < 1_000_000


def test_demo_codes_are_unique_and_well_formed(demo: Catalog) -> None:
    assert len({i.task_code for i in demo.items}) == len(demo.items)
    assert len({d.code for d in demo.departments}) == 25
    assert len({d.uscc for d in demo.departments}) == 25
    windows = [n for d in demo.departments for n in d.windows]
    assert len(windows) == len(set(windows))
    for item in demo.items:
        uscc = demo.department(item.dept_code).uscc
        assert item.task_code == make_task_code(uscc, item.catalog_code)
        assert len(item.task_code) == 31 and len(item.catalog_code) <= 12


def test_every_department_has_a_valid_uscc_and_a_window(demo: Catalog) -> None:
    for dept in demo.departments:
        assert is_valid_uscc(dept.uscc), dept.name
        assert dept.uscc[2:8] == demo.region_code[:6]
        assert dept.windows, dept.name


def test_demo_mixes_project_types_authorities_and_hall_presence(demo: Catalog) -> None:
    types = Counter(i.project_type for i in demo.items)
    assert 0.25 <= types[ProjectType.INSTANT] / len(demo.items) <= 0.45
    assert {i.window_authority for i in demo.items} == set(WindowAuthority)
    outside = [i for i in demo.items if not i.in_hall]
    assert 5 <= len(outside) <= 15
    assert {i.legal_limit.unit for i in demo.items} == set(TimeUnit)
    assert any(not m.required for i in demo.items for m in i.materials)
    assert max(len(i.materials) for i in demo.items) >= 25


def test_demo_limits_keep_their_rules(demo: Catalog) -> None:
    for item in demo.items:
        if item.instant:
            assert item.promise_limit.value <= 1, item.name
        else:
            assert item.materials, item.name
        if item.legal_limit.value and item.legal_limit.unit == item.promise_limit.unit:
            assert item.promise_limit.value <= item.legal_limit.value, item.name


def test_stats_count_the_catalog(demo: Catalog) -> None:
    stats = demo.stats()
    assert stats.departments == 25 and stats.departments_with_windows == 25
    assert stats.items == len(demo.items)
    assert stats.items_in_hall == sum(i.in_hall for i in demo.items)
    assert sum(stats.by_authority.values()) == stats.items_in_hall
    assert stats.instant_items == sum(i.instant for i in demo.items)
    assert 0.9 < stats.in_hall_rate < 1
    assert 0.5 < stats.authorized_rate <= 1


def test_lookups(demo: Catalog) -> None:
    first = demo.items[0]
    assert demo.item(first.task_code) is first
    assert demo.item(first.task_code.lower()) is first
    assert all(i.dept_code == "SCJG" for i in demo.items_of("SCJG"))
    assert len(demo.items_of("SCJG")) >= 10
    with pytest.raises(DomainError) as err:
        demo.item("1" * 31)
    assert err.value.code == "CATALOG_ITEM_UNKNOWN"
    with pytest.raises(DomainError):
        demo.department("NOPE")


def test_search_by_name_and_code(demo: Catalog) -> None:
    names = [i.name for i in demo.search("食品经营")]
    assert "食品经营许可证核发" in names
    assert names[0].startswith("食品经营")
    assert all("登记" in i.name and "不动产" in i.name for i in demo.search("不动产 登记"))
    wedding = next(i for i in demo.items if i.name == "结婚登记")
    assert wedding.instant
    assert demo.search(wedding.task_code)[0] is wedding
    assert wedding in demo.search(wedding.catalog_code)
    assert demo.search("  ") == demo.items
    assert demo.search("不存在的事项") == ()


# --- round trip ---


def test_dump_and_load_round_trip(demo: Catalog) -> None:
    dumped = dump_catalog(demo)
    assert load_catalog(dumped, "dump.json") == demo
    assert load_catalog(json.loads(json.dumps(dumped, ensure_ascii=False)), "wire.json") == demo


def test_demo_file_is_the_dump_of_itself(demo: Catalog, data: dict[str, Any]) -> None:
    assert dump_catalog(demo) == data


# --- USCC and task codes ---


def test_uscc_check_character() -> None:
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert is_valid_uscc("91350100M000100Y43")
    assert not is_valid_uscc("91350100M000100Y44")
    assert not is_valid_uscc("91350100M000100Y4")
    assert not is_valid_uscc("91350100M000100I43")


def test_task_code_pads_short_catalog_codes() -> None:
    code = make_task_code("91350100M000100Y43", "GG01001")
    assert code == "91350100M000100Y434GG0100100000"
    assert len(code) == 31
    with pytest.raises(DomainError):
        make_task_code("91350100M000100Y43", "1234567890123")


# --- broken catalogs ---

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return mutate


_DELETE = object()
FOOD = "食品经营许可证核发"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("dept_code", "XXX", "部门 XXX 不在目录中"),
        ("promise_limit.value", 20, "承诺时限不能超过法定时限（20 > 10）"),
        ("queue_category", "Z", "排队类别 Z 不在目录中"),
        ("window_authority", "APPROVE", "取值 'APPROVE' 无效"),
        ("project_type", 3, "取值 3 无效"),
        ("task_type", "99", "不在 GB/T 39046 A.1 中"),
        ("task_code", "X" * 31, "实施编码应以部门统一社会信用代码"),
        ("task_code", "123", "实施编码应为 31 位"),
        ("in_hall", "yes", "应为布尔值"),
        ("version", 0, "事项版本号至少为 1"),
        ("legal_limit.unit", "小时", "取值 '小时' 无效"),
        ("materials", [], "承诺件须列明申请材料"),
        ("materials.0.copies", 0, "份数至少为 1"),
        ("materials.0.form", "SCAN", "取值 'SCAN' 无效"),
        ("fee", _DELETE, "缺少必填字段"),
    ],
)
def test_bad_item_field_names_file_item_and_field(
    data: dict[str, Any], field: str, value: Any, expected: str
) -> None:
    index = item_index(data, FOOD)
    _set(f"items.{index}.{field}", value)(data)
    with pytest.raises(CatalogError) as err:
        load_catalog(data, "demo.json")
    message = str(err.value)
    shown = field.replace(".0.", "[0].")
    assert f"demo.json: 事项[{index}]「{FOOD}」字段 {shown}" in message
    assert expected in message
    assert err.value.code == "CATALOG_INVALID"


def test_promise_over_legal_message_reads_in_full(data: dict[str, Any]) -> None:
    index = item_index(data, FOOD)
    data["items"][index]["promise_limit"]["value"] = 20
    with pytest.raises(CatalogError) as err:
        load_catalog(data, "demo.json")
    assert err.value.message == (
        f"demo.json: 事项[{index}]「{FOOD}」字段 promise_limit.value：承诺时限不能超过法定时限（20 > 10）"
    )
    assert [i.code for i in err.value.issues] == ["CATALOG_PROMISE_EXCEEDS_LEGAL"]


def test_missing_name_names_the_item_by_index(data: dict[str, Any]) -> None:
    del data["items"][5]["name"]
    with pytest.raises(CatalogError) as err:
        load_catalog(data, "demo.json")
    assert "demo.json: 事项[5]字段 name：缺少必填字段" in str(err.value)


def test_duplicate_task_code(data: dict[str, Any]) -> None:
    code, name = data["items"][2]["task_code"], data["items"][3]["name"]
    data["items"][3]["task_code"] = code
    with pytest.raises(CatalogError) as err:
        load_catalog(data, "demo.json")
    assert f"事项[3]「{name}」字段 task_code：实施编码 {code} 与其他事项重复" in str(err.value)


def test_bad_department_uscc(data: dict[str, Any]) -> None:
    uscc = data["departments"][1]["uscc"]
    data["departments"][1]["uscc"] = uscc[:17] + ("1" if uscc[17] != "1" else "2")
    with pytest.raises(CatalogError) as err:
        load_catalog(data, "demo.json")
    assert "demo.json: 部门[1]「云溪市公安局」字段 uscc：统一社会信用代码校验位错误" in str(err.value)
    # the department's items are not also reported as belonging to an unknown department
    assert "不在目录中" not in str(err.value)


@pytest.mark.parametrize("fmt", [2, "1", True, 1.0, None])
def test_unknown_format_is_refused(data: dict[str, Any], fmt: Any) -> None:
    if fmt is None:
        del data["format"]
    else:
        data["format"] = fmt
    with pytest.raises(CatalogError) as err:
        load_catalog(data, "demo.json")
    assert str(err.value).startswith("[CATALOG_INVALID] demo.json: 字段 format：不支持的目录格式")


def test_instant_item_with_long_promise(data: dict[str, Any]) -> None:
    index = item_index(data, "结婚登记")
    data["items"][index]["promise_limit"] = {"value": 3, "unit": "工作日"}
    data["items"][index]["legal_limit"] = {"value": 5, "unit": "工作日"}
    with pytest.raises(CatalogError) as err:
        load_catalog(data, "demo.json")
    assert f"事项[{index}]「结婚登记」字段 promise_limit.value：即办件的承诺时限应为 0 或 1" in str(err.value)


def test_in_hall_item_of_a_department_without_window(data: dict[str, Any]) -> None:
    data["departments"][-1]["windows"] = []
    with pytest.raises(CatalogError) as err:
        load_catalog(data, "demo.json")
    assert "字段 in_hall：进驻事项的部门 云溪市烟草专卖局 在大厅没有窗口" in str(err.value)


def test_department_and_category_problems(data: dict[str, Any]) -> None:
    data["departments"][2]["windows"] = [1]
    data["departments"][3]["code"] = data["departments"][4]["code"]
    data["categories"][1]["prefix"] = "AB"
    with pytest.raises(CatalogError) as err:
        load_catalog(data, "demo.json")
    message = str(err.value)
    assert "部门[2]「云溪市人力资源和社会保障局」字段 windows：1号窗口已属于其他部门" in message
    assert "部门[4]「云溪市住房和城乡建设局」字段 code：与其他部门重复" in message
    assert "排队类别[1]「不动产登记」字段 prefix：排队号前缀应为一个大写字母" in message


def test_all_problems_are_collected(data: dict[str, Any]) -> None:
    broken = copy.deepcopy(data)
    broken["hall"]["region_code"] = "3307"
    broken["items"][0]["dept_code"] = "XXX"
    broken["items"][1]["promise_limit"]["value"] = 999
    del broken["items"][2]["name"]
    broken["items"][4]["task_code"] = broken["items"][3]["task_code"]
    broken["departments"][0]["uscc"] = "ABC"
    with pytest.raises(CatalogError) as err:
        load_catalog(broken, "demo.json")
    assert len(err.value.issues) >= 6
    assert all(i.message.startswith("demo.json: ") for i in err.value.issues)
    assert len(err.value.message.splitlines()) == len(err.value.issues)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog_file(path)
    assert "broken.json: 无法读取事项目录" in str(err.value)
    with pytest.raises(CatalogError):
        load_catalog_file(tmp_path / "missing.json")


def test_file_problems_name_the_file(tmp_path: Path, data: dict[str, Any]) -> None:
    data["items"][0]["name"] = ""
    path = tmp_path / "hall.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog_file(path)
    assert "hall.json: 事项[0]「」字段 name：不能为空" in str(err.value)


def test_not_an_object() -> None:
    with pytest.raises(CatalogError) as err:
        load_catalog([], "demo.json")  # type: ignore[arg-type]
    assert "目录应为 JSON 对象" in str(err.value)


# --- remedies per department, refusal bases, material forms ---


def test_demo_departments_name_their_review_body_and_court(demo: Catalog) -> None:
    tax = demo.department("SW")
    assert (tax.review_body, tax.court, tax.vertical) == ("国家税务总局金华市税务局", "云溪市人民法院", True)
    market = demo.department("SCJG")
    assert (market.review_body, market.court, market.vertical) == ("云溪市人民政府", "云溪市人民法院", False)
    assert all(d.review_body and d.court for d in demo.departments)


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"vertical": False}, "vertical", "属垂直管理机关（行政复议法第二十七条），应标明 vertical: true"),
        ({"review_body": "云溪市人民政府"}, "review_body", "不能是 云溪市人民政府"),
    ],
)
def test_a_vertically_managed_body_is_not_reviewed_by_the_local_government(
    data: dict[str, Any], changes: dict[str, Any], field: str, expected: str
) -> None:
    index = next(i for i, d in enumerate(data["departments"]) if d["code"] == "SW")
    data["departments"][index].update(changes)
    with pytest.raises(CatalogError) as err:
        load_catalog(data, "demo.json")
    assert [i.code for i in err.value.issues] == ["CATALOG_REVIEW_BODY"]
    assert f"demo.json: 部门[{index}]「国家税务总局云溪市税务局」字段 {field}：" in str(err.value)
    assert expected in str(err.value)


def test_refusal_basis_is_typed_or_chosen_never_filled_in(demo: Catalog) -> None:
    item = demo.search("增值税专用发票最高开票限额审批")[0]
    assert item.refusal_basis("2") == "《中华人民共和国税收征收管理法》"
    assert item.refusal_basis(" 《某条例》第三条 ") == "《某条例》第三条"
    for choice in ("", "  ", "9"):
        with pytest.raises(DomainError) as err:
            item.refusal_basis(choice)
        assert err.value.code == "CASE_BASIS_REQUIRED"
        assert "1. 《国务院对确需保留的行政审批项目设定行政许可的决定》" in err.value.message


def test_material_forms_parse_by_code_or_label_and_refuse_the_rest() -> None:
    assert MaterialForm.parse("ELECTRONIC") is MaterialForm.ELECTRONIC
    assert MaterialForm.parse("电子件") is MaterialForm.ELECTRONIC
    assert [f.label for f in MaterialForm] == ["原件", "复印件", "原件及复印件", "电子件"]
    with pytest.raises(DomainError) as err:
        MaterialForm.parse("扫描件")
    assert err.value.code == "MATERIAL_FORM_UNKNOWN" and "扫描件" in err.value.message
