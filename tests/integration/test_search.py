"""The window's search: any part of a name or company, pinyin initials of a matter, numbers."""

from __future__ import annotations

import sqlite3

from counter_app.domain.catalog import ProjectType
from counter_app.services.clock import FixedClock
from counter_app.services.intake import accept_case
from counter_app.services.intake_model import Party
from counter_app.services.matters import find_matters, initials
from counter_app.services.queries import search_cases
from counter_app.services.reference import current_catalog
from counter_app.store import migrations, search_index
from counter_app.store.uow import Store
from tests.support import ENTITY_USCC, PERSON_ID, intake_for

OTHER_ID = "110101199003070011"


def _item(store: Store, name: str):  # type: ignore[no-untyped-def]
    with store.read() as conn:
        return next(i for i in current_catalog(conn).items if i.name == name)


def _take(
    store: Store, clock: FixedClock, item_name: str, applicant: Party, agent: Party | None = None
) -> str:
    item = _item(store, item_name)
    return accept_case(
        store, clock, "c", intake_for(item, applicant=applicant, agent=agent, phone="13800138000")
    ).project_no


def _numbers(store: Store, text: str) -> list[str]:
    return [s.project_no for s in search_cases(store, text)]


def test_any_part_of_a_name_or_company(store: Store, clock: FixedClock) -> None:
    wang = _take(store, clock, "食品经营许可证核发", Party("王建国", "111", PERSON_ID))
    li = _take(store, clock, "居民身份证换领", Party("李建华", "111", OTHER_ID))
    shop = _take(
        store,
        clock,
        "食品经营许可证核发",
        Party("云溪市味之源餐饮有限公司", "001", ENTITY_USCC, kind="entity", legal_rep="赵国强"),
        agent=Party("孙丽", "111", OTHER_ID),
    )
    assert _numbers(store, "建国") == [wang]
    assert _numbers(store, "味之源") == [shop]
    assert _numbers(store, "味之源餐饮") == [shop]
    assert _numbers(store, "国强") == [shop]  # the legal representative
    assert _numbers(store, "孙丽") == [shop]  # the agent
    assert _numbers(store, "建") == [li, wang]  # newest first
    assert _numbers(store, "华") == [li]
    assert _numbers(store, "源味") == []


def test_a_match_never_runs_from_one_name_into_the_next(store: Store, clock: FixedClock) -> None:
    # Applicant 周建, agent 建国华: 周建国 is in neither name, though the pairs 周建 and 建国 exist.
    number = _take(
        store, clock, "居民身份证换领", Party("周建", "111", PERSON_ID), Party("建国华", "111", OTHER_ID)
    )
    assert _numbers(store, "建国华") == [number]
    assert _numbers(store, "周建") == [number]
    assert _numbers(store, "周建国") == []


def test_pinyin_initials_and_part_of_a_matter(store: Store, clock: FixedClock) -> None:
    food = _take(store, clock, "食品经营许可证核发", Party("王建国", "111", PERSON_ID))
    card = _take(store, clock, "居民身份证换领", Party("李建华", "111", OTHER_ID))
    assert _numbers(store, "spjy") == [food]
    assert _numbers(store, "SPJYXKZHF") == [food]
    assert _numbers(store, "jmsfz") == [card]
    assert _numbers(store, "身份证换领") == [card]
    assert _numbers(store, "许可证核发") == [food]


def test_numbers_still_match_by_prefix(store: Store, clock: FixedClock) -> None:
    first = _take(store, clock, "食品经营许可证核发", Party("王建国", "111", PERSON_ID))
    second = _take(store, clock, "居民身份证换领", Party("李建华", "111", OTHER_ID))
    assert _numbers(store, second) == [second]
    assert _numbers(store, first[:-1]) == [first, second]
    assert _numbers(store, OTHER_ID[:10]) == [second]
    assert _numbers(store, PERSON_ID.lower()) == [first]


def test_matter_finder(store: Store) -> None:
    with store.read() as conn:
        catalog = current_catalog(conn)
    names = [i.name for i in find_matters(catalog, "spjy")]
    assert names[:3] == ["食品经营许可证核发", "食品经营许可证变更", "食品经营许可证延续"]
    assert [i.name for i in find_matters(catalog, "食品经营许可证延续")] == ["食品经营许可证延续"]
    item = catalog.items[0]
    assert find_matters(catalog, item.task_code)[0] == item
    assert initials("食品经营许可")[0] == "spjyxk"
    assert initials("银行")[0] == "yh"  # the phrase reading, not 银xing
    assert "yx" in initials("银行")  # the other reading is accepted too
    assert all(
        i.project_type in (ProjectType.PROMISE, ProjectType.INSTANT) for i in find_matters(catalog, "dj")
    )


def test_match_expression() -> None:
    assert search_index.match_expression("建") == 'singles : "建"'
    assert search_index.match_expression("王建国") == 'grams : "王建 建国"'
    assert search_index.match_expression("A-b 1") == 'grams : "ab b1"'
    assert search_index.match_expression("·-") is None


def test_upgrade_indexes_existing_cases(store: Store, clock: FixedClock) -> None:
    number = _take(store, clock, "食品经营许可证核发", Party("王建国", "111", PERSON_ID))
    shop = _take(
        store,
        clock,
        "食品经营许可证核发",
        Party("云溪市味之源餐饮有限公司", "001", ENTITY_USCC, kind="entity", legal_rep="赵国强"),
        agent=Party("孙丽", "111", OTHER_ID),
    )
    path = store.data_dir.db_path
    store.close()
    raw = sqlite3.connect(path)
    raw.execute(f"DROP TABLE {search_index.TABLE}")
    raw.execute("DELETE FROM schema_version WHERE version >= 2")
    raw.commit()
    raw.close()
    reopened = Store(store.data_dir)
    try:
        assert migrations.current_version(reopened.engine) == migrations.LATEST
        assert _numbers(reopened, "建国") == [number]
        assert _numbers(reopened, "国强") == [shop]  # names read back from the signed intake
        assert _numbers(reopened, "孙丽") == [shop]
    finally:
        reopened.close()
