"""The service catalog (事项目录): departments, queue categories and the matters (事项) of a hall.

The catalog is distributed by the server as JSON (``"format": 1``) and loaded at every window.
:func:`load_catalog` checks the whole document and reports every problem at once, each naming
the file, the entry and the field, so that whoever maintains the catalog fixes it in one pass.

Codes follow GB/T 39046-2020: 基本编码 ``catalog_code`` (up to 12 characters) and 实施编码
``task_code`` (31 characters: the department's USCC, the 行使层级 digit, the padded 基本编码).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import Enum, IntEnum, StrEnum
from pathlib import Path
from typing import Any

from counter_app.domain.errors import DomainError, Issue, ValidationError

FORMAT = 1
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
LEVEL_COUNTY = "4"  # 行使层级, GB/T 39046 A.2: 1 国家级 … 4 县级 … 5 乡镇级
TASK_CODE_LENGTH = 31
CATALOG_CODE_LENGTH = 12
TASK_TYPES = {
    "00": "行政权力", "01": "行政许可", "02": "行政处罚", "03": "行政强制", "04": "行政征收",
    "05": "行政给付", "06": "行政检查", "07": "行政确认", "08": "行政奖励", "09": "行政裁决",
    "10": "其他行政权力", "20": "公共服务",
}  # fmt: skip
_DEPT_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
_HALL_CODE = re.compile(r"^[A-Z0-9]{2,12}$")
_PREFIX = re.compile(r"^[A-Z]$")


class MaterialForm(StrEnum):
    """How a material is handed in (原件 / 复印件 / 原件及复印件 / 电子件)."""

    ORIGINAL = "ORIGINAL"
    COPY = "COPY"
    ORIGINAL_AND_COPY = "ORIGINAL_AND_COPY"
    ELECTRONIC = "ELECTRONIC"

    @property
    def label(self) -> str:
        """The form as printed on notices."""
        return _FORM_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> MaterialForm:
        """The form named by its code (``COPY``) or its printed label (``复印件``).

        Raises DomainError ``MATERIAL_FORM_UNKNOWN`` for anything else: a form nobody recognises
        must never print as 原件.
        """
        key = str(text).strip()
        for form in cls:
            if key in (form.value, form.label):
                return form
        allowed = "、".join(f.label for f in cls)
        raise DomainError(f"材料形式「{text}」无效，应为 {allowed} 之一", "MATERIAL_FORM_UNKNOWN")


_FORM_LABELS = {
    MaterialForm.ORIGINAL: "原件",
    MaterialForm.COPY: "复印件",
    MaterialForm.ORIGINAL_AND_COPY: "原件及复印件",
    MaterialForm.ELECTRONIC: "电子件",
}


class TimeUnit(StrEnum):
    """Unit of a time limit: working days follow the hall calendar, natural days do not."""

    WORKDAY = "工作日"
    NATURAL_DAY = "自然日"


class ProjectType(IntEnum):
    """办件类型 (GB/T 39046 A.6)."""

    INSTANT = 1  # 即办件: accepted and closed in one visit
    PROMISE = 2  # 承诺件: closed by a promised date

    @property
    def label(self) -> str:
        """The type as a clerk says it."""
        return "即办件" if self is ProjectType.INSTANT else "承诺件"


class WindowAuthority(StrEnum):
    """What the department has authorised its window to do (窗口授权)."""

    ACCEPT_ONLY = "ACCEPT_ONLY"  # 只收件: forwards to the back office
    ACCEPT_REVIEW = "ACCEPT_REVIEW"  # 受理审核
    DECIDE = "DECIDE"  # 窗口办结

    @property
    def label(self) -> str:
        """The authority as shown in the supervisor console."""
        return {"ACCEPT_ONLY": "只收件", "ACCEPT_REVIEW": "受理审核"}.get(self, "窗口办结")


def uscc_check_char(body: str) -> str:
    """The GB 32100 check character for the first 17 characters of a USCC (统一社会信用代码)."""
    if len(body) != 17 or any(c not in USCC_CHARSET for c in body):
        raise DomainError(f"统一社会信用代码本体应为 17 位有效字符：{body}", "USCC_INVALID")
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid USCC, in Chinese, or None when it is valid."""
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位（实为 {len(code)} 位）"
    bad = sorted({c for c in code if c not in USCC_CHARSET})
    if bad:
        return f"统一社会信用代码含无效字符：{''.join(bad)}"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误（应为 {expected}，实为 {code[17]}）"
    return None


def is_valid_uscc(code: str) -> bool:
    """True when ``code`` is 18 characters of the GB 32100 set with a correct check character."""
    return uscc_problem(code) is None


def make_task_code(uscc: str, catalog_code: str, level: str = LEVEL_COUNTY) -> str:
    """实施编码: agency USCC + 行使层级 digit + 基本编码 right-padded with '0' to 12 characters."""
    if len(catalog_code) > CATALOG_CODE_LENGTH:
        raise DomainError(f"基本编码不能超过 12 位：{catalog_code}", "CATALOG_CODE_TOO_LONG")
    return f"{uscc}{level}{catalog_code.ljust(CATALOG_CODE_LENGTH, '0')}"


@dataclass(frozen=True)
class Department:
    """An implementing agency (实施主体) and the hall windows it staffs.

    ``review_body`` is the 行政复议机关 and ``court`` the court with jurisdiction (诉讼管辖) that a
    不予受理 or 不予许可 notice must name. Under 行政复议法 第24条 a county department is reviewed
    by the county government; ``vertical`` bodies (税务, 海关, 金融, 外汇, 国家安全 …, 第27条) by the
    body one level up in their own line. Empty means not configured: such notices are not printed.
    """

    code: str
    name: str
    uscc: str
    windows: tuple[int, ...] = ()
    review_body: str = ""
    court: str = ""
    vertical: bool = False


@dataclass(frozen=True)
class Material:
    """A material a matter requires; ``required=False`` is 容缺 (may be supplied later)."""

    name: str
    form: MaterialForm = MaterialForm.ORIGINAL
    copies: int = 1
    required: bool = True
    note: str = ""


@dataclass(frozen=True)
class TimeLimitSpec:
    """A time limit as the catalog states it; the calendar module turns it into a due date."""

    value: int
    unit: TimeUnit = TimeUnit.WORKDAY

    def __str__(self) -> str:
        return f"{self.value}个{self.unit.value}"


@dataclass(frozen=True)
class QueueCategory:
    """A ticket category: its letter prefix (A001), name, and whether priority tickets are allowed."""

    prefix: str
    name: str
    priority_allowed: bool = True


@dataclass(frozen=True)
class ServiceItem:
    """A matter (事项) as implemented by one department in this hall."""

    catalog_code: str
    task_code: str
    name: str
    dept_code: str
    task_type: str
    project_type: ProjectType
    legal_limit: TimeLimitSpec
    promise_limit: TimeLimitSpec
    queue_category: QueueCategory
    in_hall: bool
    window_authority: WindowAuthority
    fee: str = "不收费"
    legal_basis: str = ""
    version: int = 1
    materials: tuple[Material, ...] = ()
    refusal_bases: tuple[str, ...] = ()  # legal bases a clerk may pick for 不予受理 / 不予许可

    @property
    def instant(self) -> bool:
        """True for 即办件."""
        return self.project_type is ProjectType.INSTANT

    def refusal_basis(self, choice: str) -> str:
        """The legal basis a clerk gave for 不予受理 / 不予许可: typed text, or the number of one of
        the matter's ``refusal_bases`` (1 = the first). Nothing is ever filled in for the clerk:
        an empty choice raises DomainError ``CASE_BASIS_REQUIRED`` listing the choices."""
        text = choice.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.refusal_bases):
            return self.refusal_bases[int(text) - 1]
        if text and not text.isdigit():
            return text
        offered = "".join(f"\n  {n}. {b}" for n, b in enumerate(self.refusal_bases, start=1))
        hint = f"，可填写序号选择：{offered}" if offered else ""
        raise DomainError(f"请选择或填写不予受理/不予许可的法律依据{hint}", "CASE_BASIS_REQUIRED")


@dataclass(frozen=True)
class CatalogStats:
    """Counts behind the hall's 三集中、三到位 figures."""

    departments: int
    departments_with_windows: int
    windows: int
    items: int
    items_in_hall: int
    instant_items: int
    by_authority: dict[str, int]

    @property
    def in_hall_rate(self) -> float:
        """Share of matters handled in the hall (事项进驻到位)."""
        return self.items_in_hall / self.items if self.items else 0.0

    @property
    def authorized_rate(self) -> float:
        """Share of in-hall matters whose window does more than collect papers (授权到位)."""
        collect_only = self.by_authority.get(WindowAuthority.ACCEPT_ONLY.value, 0)
        return 1 - collect_only / self.items_in_hall if self.items_in_hall else 0.0


class CatalogError(ValidationError):
    """A catalog document that cannot be used; ``issues`` lists every problem found."""

    code = "CATALOG_INVALID"

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(issues)
        self.code = "CATALOG_INVALID"  # one stable code; each issue keeps its own
        self.message = "\n".join(i.message for i in issues if not i.warning)
        self.args = (self.message,)


@dataclass(frozen=True)
class Catalog:
    """One version of a hall's catalog, with lookups by code and text."""

    version: str
    hall_name: str
    hall_code: str
    region_code: str
    phone: str
    departments: tuple[Department, ...]
    categories: tuple[QueueCategory, ...]
    items: tuple[ServiceItem, ...]
    _by_task: dict[str, ServiceItem] = field(init=False, repr=False, compare=False)
    _by_dept: dict[str, Department] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_task", {i.task_code: i for i in self.items})
        object.__setattr__(self, "_by_dept", {d.code: d for d in self.departments})

    def item(self, task_code: str) -> ServiceItem:
        """The matter with this 实施编码; DomainError ``CATALOG_ITEM_UNKNOWN`` if there is none."""
        found = self._by_task.get(task_code.strip().upper())
        if found is None:
            raise DomainError(f"事项目录中没有实施编码为 {task_code} 的事项", "CATALOG_ITEM_UNKNOWN")
        return found

    def department(self, code: str) -> Department:
        """The department with this short code; DomainError ``CATALOG_DEPT_UNKNOWN`` otherwise."""
        found = self._by_dept.get(code)
        if found is None:
            raise DomainError(f"事项目录中没有代码为 {code} 的部门", "CATALOG_DEPT_UNKNOWN")
        return found

    def items_of(self, dept_code: str) -> tuple[ServiceItem, ...]:
        """The department's matters, in catalog order."""
        return tuple(i for i in self.items if i.dept_code == dept_code)

    def search(self, text: str) -> tuple[ServiceItem, ...]:
        """Matters matching every word of ``text`` by name or code; exact codes, then name prefixes first."""
        terms = text.upper().split()
        if not terms:
            return self.items
        whole = "".join(terms)

        def rank(item: ServiceItem) -> int:
            if whole in (item.task_code, item.catalog_code):
                return 0
            return 1 if item.name.upper().startswith(terms[0]) else 2

        hits = (
            i
            for i in self.items
            if all(t in f"{i.name.upper()} {i.task_code} {i.catalog_code}" for t in terms)
        )
        return tuple(sorted(hits, key=rank))

    def stats(self) -> CatalogStats:
        """Counts of departments, windows and matters, in the hall and per window authority."""
        in_hall = [i for i in self.items if i.in_hall]
        return CatalogStats(
            departments=len(self.departments),
            departments_with_windows=sum(1 for d in self.departments if d.windows),
            windows=sum(len(d.windows) for d in self.departments),
            items=len(self.items),
            items_in_hall=len(in_hall),
            instant_items=sum(1 for i in self.items if i.instant),
            by_authority={a.value: sum(i.window_authority is a for i in in_hall) for a in WindowAuthority},
        )


_MISSING: Any = object()
_KIND_NAMES = {str: "文本", int: "整数", bool: "布尔值", list: "数组", dict: "对象"}
# (key, type or enum, default): a field without a default is required and, if text, non-empty.
Spec = tuple[tuple[Any, ...], ...]
_HALL: Spec = (("name", str), ("code", str), ("region_code", str), ("phone", str))
_DEPARTMENT: Spec = (
    ("code", str), ("name", str), ("uscc", str), ("windows", list, []),
    ("review_body", str, ""), ("court", str, ""), ("vertical", bool, False),
)  # fmt: skip
# Names that mark a vertically managed line (行政复议法 第27条): never reviewed by a local government.
VERTICAL_MARKERS = ("国家税务总局", "海关", "国家金融监督管理", "国家外汇管理", "国家安全")
_CATEGORY: Spec = (("prefix", str), ("name", str), ("priority_allowed", bool, True))
_MATERIAL: Spec = (
    ("name", str), ("form", MaterialForm), ("copies", int, 1), ("required", bool, True), ("note", str, ""),
)  # fmt: skip
_ITEM: Spec = (
    ("catalog_code", str), ("task_code", str), ("name", str), ("dept_code", str), ("task_type", str),
    ("project_type", ProjectType), ("queue_category", str), ("in_hall", bool),
    ("window_authority", WindowAuthority), ("fee", str), ("legal_basis", str, ""), ("version", int),
    ("refusal_bases", list, []),
)  # fmt: skip


class _Reader:
    """Reads fields of the JSON document, recording a located Chinese message for each problem."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.issues: list[Issue] = []

    def problem(self, where: str, path: str, text: str, code: str = "CATALOG_FIELD_INVALID") -> None:
        located = f"{where}字段 {path}：" if path else f"{where}："
        self.issues.append(Issue(code, f"{self.source}: {located}{text}"))

    def value(self, obj: Mapping[str, Any], where: str, path: str, kind: Any, default: Any = _MISSING) -> Any:
        """The field's value, its default when absent, or None after recording a problem."""
        key = path.rsplit(".", 1)[-1]
        if key not in obj:
            if default is _MISSING:
                self.problem(where, path, "缺少必填字段", "CATALOG_FIELD_MISSING")
                return None
            return default
        raw = obj[key]
        enum = isinstance(kind, type) and issubclass(kind, Enum)
        base = (int if issubclass(kind, IntEnum) else str) if enum else kind
        if not isinstance(raw, base) or (base is int and isinstance(raw, bool)):
            self.problem(where, path, f"应为{_KIND_NAMES[base]}（实为 {raw!r}）", "CATALOG_FIELD_TYPE")
            return None
        if base is str and default is _MISSING and not str(raw).strip():
            self.problem(where, path, "不能为空", "CATALOG_FIELD_MISSING")
            return None
        if not enum:
            return raw
        try:
            return kind(raw)
        except ValueError:
            allowed = "、".join(str(m.value) for m in kind)
            self.problem(where, path, f"取值 {raw!r} 无效，应为 {allowed} 之一", "CATALOG_ENUM")
            return None

    def read(self, obj: Mapping[str, Any], spec: Spec, where: str, prefix: str = "") -> dict[str, Any]:
        """Every field of ``spec`` by name; a value is None where a problem was recorded."""
        return {s[0]: self.value(obj, where, prefix + s[0], *s[1:]) for s in spec}

    def entries(self, data: Mapping[str, Any], key: str, label: str) -> list[tuple[str, Mapping[str, Any]]]:
        """The list under ``key`` as (location label, object) pairs; non-objects are reported."""
        found = []
        for index, entry in enumerate(self.value(data, "", key, list) or []):
            where = f"{label}[{index}]"
            if not isinstance(entry, Mapping):
                self.problem(where, "", "应为对象")
                continue
            name = entry.get("name")
            found.append((f"{where}「{name}」" if isinstance(name, str) else where, entry))
        return found


def _limit(r: _Reader, obj: Mapping[str, Any], key: str, where: str) -> TimeLimitSpec | None:
    raw = r.value(obj, where, key, dict)
    if raw is None:
        return None
    value, unit = r.value(raw, where, key + ".value", int), r.value(raw, where, key + ".unit", TimeUnit)
    if value is not None and value < 0:
        r.problem(where, key + ".value", f"时限不能为负数（{value}）")
        return None
    return TimeLimitSpec(value, unit) if value is not None and unit is not None else None


def _promise_exceeds(promise: TimeLimitSpec, legal: TimeLimitSpec) -> bool:
    # N working days always span at least N natural days, so only that mix is comparable exactly.
    if legal.value == 0 or (promise.unit, legal.unit) == (TimeUnit.NATURAL_DAY, TimeUnit.WORKDAY):
        return False
    return promise.value > legal.value


def _departments(r: _Reader, data: Mapping[str, Any]) -> tuple[dict[str, Department], set[str]]:
    """Valid departments by code, and every code declared (so a broken one is not also "unknown")."""
    depts: dict[str, Department] = {}
    seen: dict[str, set[Any]] = {"code": set(), "name": set(), "uscc": set(), "window": set()}
    for where, obj in r.entries(data, "departments", "部门"):
        before = len(r.issues)
        v = r.read(obj, _DEPARTMENT, where)
        if v["code"] is not None and not _DEPT_CODE.match(v["code"]):
            r.problem(where, "code", f"部门代码应为 2–10 位大写字母或数字（实为 {v['code']!r}）")
        if v["uscc"] is not None and (why := uscc_problem(v["uscc"])):
            r.problem(where, "uscc", why, "CATALOG_USCC")
        for key in ("code", "name", "uscc"):
            if v[key] is not None and v[key] in seen[key]:
                r.problem(where, key, f"与其他部门重复：{v[key]}", "CATALOG_DUPLICATE")
            seen[key].add(v[key])
        for n in v["windows"] or []:
            if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 99:
                r.problem(where, "windows", f"窗口号应为 1–99 的整数（实为 {n!r}）")
            elif n in seen["window"]:
                r.problem(where, "windows", f"{n}号窗口已属于其他部门", "CATALOG_DUPLICATE")
            else:
                seen["window"].add(n)
        _review(r, where, v)
        if len(r.issues) == before:
            depts[v["code"]] = Department(**{**v, "windows": tuple(v["windows"])})
    return depts, {c for c in seen["code"] if c is not None}


def _review(r: _Reader, where: str, v: dict[str, Any]) -> None:
    """A vertically managed body must be marked so, and must not name a local government."""
    name, body = v["name"] or "", v["review_body"] or ""
    if v["vertical"] is False and any(m in name for m in VERTICAL_MARKERS):
        text = f"{name} 属垂直管理机关（行政复议法第二十七条），应标明 vertical: true"
        r.problem(where, "vertical", text, "CATALOG_REVIEW_BODY")
    if v["vertical"] and body.endswith("人民政府"):
        text = f"垂直管理机关的行政复议机关应为其上一级主管部门，不能是 {body}"
        r.problem(where, "review_body", text, "CATALOG_REVIEW_BODY")


def _categories(r: _Reader, data: Mapping[str, Any]) -> dict[str, QueueCategory]:
    cats: dict[str, QueueCategory] = {}
    for where, obj in r.entries(data, "categories", "排队类别"):
        v = r.read(obj, _CATEGORY, where)
        if v["prefix"] is not None and not _PREFIX.match(v["prefix"]):
            r.problem(where, "prefix", f"排队号前缀应为一个大写字母（实为 {v['prefix']!r}）")
        elif v["prefix"] in cats:
            r.problem(where, "prefix", f"前缀 {v['prefix']} 重复", "CATALOG_DUPLICATE")
        elif None not in v.values():
            cats[v["prefix"]] = QueueCategory(**v)
    return cats


def _materials(r: _Reader, obj: Mapping[str, Any], where: str) -> tuple[Material, ...] | None:
    found: list[Material] = []
    names: set[str] = set()
    raw = r.value(obj, where, "materials", list)
    for index, m in enumerate(raw or []):
        path = f"materials[{index}]"
        if not isinstance(m, Mapping):
            r.problem(where, path, "应为对象")
            continue
        v = r.read(m, _MATERIAL, where, path + ".")
        if v["copies"] is not None and v["copies"] < 1:
            r.problem(where, path + ".copies", f"份数至少为 1（实为 {v['copies']}）")
        elif v["name"] in names:
            r.problem(where, path + ".name", f"材料「{v['name']}」重复", "CATALOG_DUPLICATE")
        elif None not in v.values():
            found.append(Material(**v))
        names.add(v["name"])
    return tuple(found) if raw is not None and len(found) == len(raw) else None


@dataclass
class _Context:
    """What item checks need from the rest of the document."""

    depts: dict[str, Department]
    declared: set[str]
    cats: dict[str, QueueCategory]
    task_codes: set[str] = field(default_factory=set)


def _item(r: _Reader, where: str, obj: Mapping[str, Any], ctx: _Context) -> ServiceItem | None:
    before = len(r.issues)
    v = r.read(obj, _ITEM, where)
    legal, promise = _limit(r, obj, "legal_limit", where), _limit(r, obj, "promise_limit", where)
    materials = _materials(r, obj, where)
    code, kind, cat = v["task_code"], v["project_type"], v["queue_category"]
    dept = ctx.depts.get(v["dept_code"])
    if v["dept_code"] is not None and v["dept_code"] not in ctx.declared:
        r.problem(where, "dept_code", f"部门 {v['dept_code']} 不在目录中", "CATALOG_UNKNOWN_DEPT")
    if cat is not None and cat not in ctx.cats:
        r.problem(where, "queue_category", f"排队类别 {cat} 不在目录中", "CATALOG_UNKNOWN_CATEGORY")
    if v["task_type"] is not None and v["task_type"] not in TASK_TYPES:
        r.problem(where, "task_type", f"事项类型代码 {v['task_type']!r} 不在 GB/T 39046 A.1 中")
    if v["catalog_code"] is not None and len(v["catalog_code"]) > CATALOG_CODE_LENGTH:
        r.problem(where, "catalog_code", f"基本编码不能超过 12 位（实为 {len(v['catalog_code'])} 位）")
    if code is not None and len(code) != TASK_CODE_LENGTH:
        r.problem(where, "task_code", f"实施编码应为 31 位（实为 {len(code)} 位）", "CATALOG_TASK_CODE")
    elif code is not None and dept is not None and not code.startswith(uscc := dept.uscc):
        r.problem(where, "task_code", f"实施编码应以部门统一社会信用代码 {uscc} 开头", "CATALOG_TASK_CODE")
    elif code is not None and code in ctx.task_codes:
        r.problem(where, "task_code", f"实施编码 {code} 与其他事项重复", "CATALOG_DUPLICATE")
    ctx.task_codes.add(code)
    if legal is not None and promise is not None and _promise_exceeds(promise, legal):
        text = f"承诺时限不能超过法定时限（{promise.value} > {legal.value}）"
        r.problem(where, "promise_limit.value", text, "CATALOG_PROMISE_EXCEEDS_LEGAL")
    if kind is ProjectType.INSTANT and promise is not None and promise.value > 1:
        r.problem(where, "promise_limit.value", f"即办件的承诺时限应为 0 或 1（实为 {promise.value}）")
    if kind is ProjectType.PROMISE and materials == ():
        r.problem(where, "materials", "承诺件须列明申请材料", "CATALOG_NO_MATERIALS")
    if v["in_hall"] and dept is not None and not dept.windows:
        r.problem(where, "in_hall", f"进驻事项的部门 {dept.name} 在大厅没有窗口", "CATALOG_NO_WINDOW")
    if v["version"] is not None and v["version"] < 1:
        r.problem(where, "version", f"事项版本号至少为 1（实为 {v['version']}）")
    bases = v["refusal_bases"] or []
    if any(not isinstance(b, str) or not b.strip() for b in bases):
        r.problem(where, "refusal_bases", "不予受理/不予许可依据应为非空文本")
    if len(r.issues) > before or legal is None or promise is None or materials is None:
        return None
    v["queue_category"] = ctx.cats[cat]
    v["refusal_bases"] = tuple(bases)
    return ServiceItem(**v, legal_limit=legal, promise_limit=promise, materials=materials)


def load_catalog(data: Mapping[str, Any], source: str) -> Catalog:
    """Check a catalog document and build the :class:`Catalog`; CatalogError lists every problem."""
    r = _Reader(source)
    if not isinstance(data, Mapping):
        r.problem("", "", "目录应为 JSON 对象")
        raise CatalogError(r.issues)
    if type(data.get("format")) is not int or data["format"] != FORMAT:  # true == 1 in Python
        shown = "缺少该字段" if "format" not in data else repr(data["format"])
        r.problem("", "format", f"不支持的目录格式（{shown}），本程序只读格式 {FORMAT}", "CATALOG_FORMAT")
        raise CatalogError(r.issues)
    version = r.value(data, "", "version", str)
    hall_obj = r.value(data, "", "hall", dict)
    hall = r.read(hall_obj, _HALL, "", "hall.") if hall_obj is not None else {}
    if hall.get("code") is not None and not _HALL_CODE.match(hall["code"]):
        r.problem("", "hall.code", f"大厅代码应为 2–12 位大写字母或数字（实为 {hall['code']!r}）")
    region = hall.get("region_code")
    if region is not None and not (len(region) == 9 and region.isdigit()):
        r.problem("", "hall.region_code", f"行政区划代码应为 9 位数字（实为 {region!r}）")
    (depts, declared), cats = _departments(r, data), _categories(r, data)
    ctx = _Context(depts, declared, cats)
    items = [_item(r, where, obj, ctx) for where, obj in r.entries(data, "items", "事项")]
    if r.issues:
        raise CatalogError(r.issues)
    return Catalog(
        version, hall["name"], hall["code"], hall["region_code"], hall["phone"],
        tuple(depts.values()), tuple(cats.values()), tuple(i for i in items if i is not None),
    )  # fmt: skip


def load_catalog_file(path: str | Path) -> Catalog:
    """Read a UTF-8 JSON catalog file; messages name the file by its base name."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError([Issue("CATALOG_UNREADABLE", f"{path.name}: 无法读取事项目录（{exc}）")]) from exc
    return load_catalog(data, path.name)


def _plain(obj: Any) -> Any:
    """Dataclasses, enums and tuples as JSON values; an item names its queue category by prefix."""
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, tuple):
        return [_plain(x) for x in obj]
    if isinstance(obj, ServiceItem):
        return {**_fields(obj), "queue_category": obj.queue_category.prefix}
    return _fields(obj) if isinstance(obj, (Department, Material, TimeLimitSpec, QueueCategory)) else obj


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj) if f.init}


def dump_catalog(catalog: Catalog) -> dict[str, Any]:
    """The catalog as the JSON document :func:`load_catalog` reads (``"format": 1``)."""
    c = catalog
    return {
        "format": FORMAT,
        "version": c.version,
        "hall": {"name": c.hall_name, "code": c.hall_code, "region_code": c.region_code, "phone": c.phone},
        "departments": _plain(c.departments),
        "categories": _plain(c.categories),
        "items": _plain(c.items),
    }
