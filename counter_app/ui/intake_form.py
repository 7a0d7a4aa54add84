"""收件 form: find the matter, enter the applicant, tick the materials, decide, print.

The matter finder takes a part of the name, the code or the pinyin initials (``spjy``); arrows
move through the results, Enter picks one. The applicant (person or entity) is checked as the
clerk types with the same domain checks the service runs (:func:`validate_parties`); each
message is shown next to its field (``Issue.field``) and the decisions stay blocked while an
error stands. A name character no bundled font prints is a warning only.

Decisions: 受理 (Ctrl+Enter), 一次性告知 (the unticked materials are the missing ones), 不予受理
(reason and legal basis required: picked from the matter's ``refusal_bases`` or typed), 即办 (an
即办件 accepted and closed with 出证办结 at once). The case is linked to the ticket being served;
after recording, its document opens in a print preview.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.case import ResultCode
from counter_app.domain.catalog import Catalog, MaterialForm, ServiceItem
from counter_app.domain.errors import Issue, ValidationError
from counter_app.domain.validation import CERT_RESIDENT_ID, CERT_USCC
from counter_app.receipts.fonts import loaded_fonts
from counter_app.services.case_commands import DELIVERY_PICKUP, close_case
from counter_app.services.clock import Clock, system_clock
from counter_app.services.intake import IntakeResult, accept_case, validate_parties
from counter_app.services.intake_model import CaseIntake, Decision, MaterialIn, Party
from counter_app.services.matters import find_matters
from counter_app.services.reference import current_catalog
from counter_app.ui.document_view import DocumentDesk, error_text, outcome_text
from counter_app.ui.i18n import domain_label
from counter_app.ui.session import WindowSession

# Recorded in Chinese whatever the window's language: the reason a material is missing, and how
# the contact address is carried in the case's note.
MISSING_REASON = "未提供"
ADDRESS_NOTE = "联系地址：{address}"
FORMS = list(MaterialForm)
# Fields whose messages the form shows next to them; others go to the message line.
FIELDS = (
    "task_code",
    "applicant.cert_no",
    "applicant.name",
    "applicant.legal_rep",
    "phone",
    "agent.name",
    "agent.cert_no",
    "materials",
    "reason",
    "legal_basis",
)
# Issues about the decision, not the applicant: shown on a decision attempt, never blocking typing.
DECISION_FIELDS = ("materials", "reason", "legal_basis")


class FinderEdit(QLineEdit):
    """The matter finder: ↑↓ move through the results, Enter picks the highlighted matter."""

    def __init__(self, form: IntakeForm) -> None:
        super().__init__()
        self.form = form

    def keyPressEvent(self, event: QKeyEvent) -> None:
        results = self.form.matter_list
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and results.count():
            step = 1 if event.key() == Qt.Key.Key_Down else -1
            results.setCurrentRow(max(0, min(results.count() - 1, results.currentRow() + step)))
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.form.pick_matter()
            return
        super().keyPressEvent(event)


class IntakeForm(QWidget):
    """Takes in one case after another at the window."""

    case_recorded = Signal(str)  # the case number, once committed

    def __init__(self, session: WindowSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.clock: Clock = system_clock
        self.catalog: Catalog | None = None
        self.item: ServiceItem | None = None
        self.touched: set[str] = set()
        self.busy = False
        self.last_result: IntakeResult | None = None
        self.by_ticket: dict[str, list[str]] = {}  # ticket number -> cases recorded for it
        self.desk = DocumentDesk(session, self)
        self.desk.issued.connect(lambda issued: self._say(outcome_text(issued)))
        self.desk.failed.connect(lambda text: self._say(text, error=True))

        # -- matter -------------------------------------------------------------------------
        self.finder = FinderEdit(self)
        self.finder.setObjectName("matter_finder")
        self.finder.setPlaceholderText(self.tr("事项名称、编码或拼音首字母（如 spjy），↑↓ 选择，回车确定"))
        self.finder.textChanged.connect(self._find)
        self.matter_list = QListWidget()
        self.matter_list.setObjectName("matter_list")
        self.matter_list.setMaximumHeight(110)
        self.matter_list.itemActivated.connect(lambda _item: self.pick_matter())
        self.matter_label = QLabel(self.tr("未选择事项"))
        self.matter_label.setMinimumHeight(self.matter_label.fontMetrics().lineSpacing() * 2 + 8)
        self.matter_label.setWordWrap(True)  # a long matter name wraps rather than widening the column
        self.matter_label.setProperty("role", "status")

        # -- applicant ----------------------------------------------------------------------
        self.person = QRadioButton(self.tr("个人"))
        self.entity = QRadioButton(self.tr("单位"))
        self.person.setChecked(True)
        kinds = QButtonGroup(self)
        kinds.addButton(self.person)
        kinds.addButton(self.entity)
        self.inputs: dict[str, QLineEdit] = {}
        self.rows: dict[str, QVBoxLayout] = {}
        self.errors: dict[str, QLabel] = {}
        for key in FIELDS:
            label = QLabel("")
            label.setObjectName(f"error:{key}")
            label.setWordWrap(True)
            label.setProperty("role", "error")
            label.hide()
            self.errors[key] = label
        self.form = QFormLayout()
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.person)
        kind_row.addWidget(self.entity)
        kind_row.addStretch(1)
        self.form.addRow(self.tr("申请人类型"), kind_row)
        for key, text in (
            ("applicant.cert_no", self.tr("身份证号")),
            ("applicant.name", self.tr("姓名")),
            ("applicant.legal_rep", self.tr("法定代表人")),
            ("phone", self.tr("联系电话")),
            ("address", self.tr("联系地址")),
            ("agent.name", self.tr("经办人姓名")),
            ("agent.cert_no", self.tr("经办人身份证号")),
        ):
            self._field(key, text)

        # -- materials ----------------------------------------------------------------------
        self.materials = QTableWidget(0, 5)
        self.materials.setObjectName("materials")
        self.materials.setHorizontalHeaderLabels(
            [self.tr("已收"), self.tr("材料名称"), self.tr("形式"), self.tr("份数"), self.tr("要求")]
        )
        header = self.materials.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column in (0, 2, 3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.materials.verticalHeader().hide()
        # long material names wrap onto a second line instead of being cut off (1366 wide)
        self.materials.setWordWrap(True)
        self.materials.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

        # -- refusal ------------------------------------------------------------------------
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText(self.tr("不予受理的理由"))
        self.basis = QComboBox()
        self.basis.setObjectName("legal_basis")
        self.basis.setEditable(True)
        basis_edit = self.basis.lineEdit()
        assert basis_edit is not None
        basis_edit.setPlaceholderText(self.tr("选择或填写法律依据"))

        # -- decisions ----------------------------------------------------------------------
        self.buttons: dict[str, QPushButton] = {}
        actions = (
            (Decision.ACCEPT.value, self.tr("受理") + " (Ctrl+Enter)", "Ctrl+Return"),
            ("instant", self.tr("即办") + " (Ctrl+J)", "Ctrl+J"),
            (Decision.CORRECTION.value, self.tr("一次性告知") + " (Ctrl+G)", "Ctrl+G"),
            (Decision.REJECT.value, self.tr("不予受理") + " (Ctrl+R)", "Ctrl+R"),
        )
        decide = QHBoxLayout()
        for key, text, keys in actions:
            button = QPushButton(text)
            button.setObjectName(f"decide:{key}")
            if key == Decision.ACCEPT.value:
                button.setProperty("role", "primary")
            button.clicked.connect(lambda _checked=False, k=key: self.decide(k))
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(button.click)
            self.buttons[key] = button
            decide.addWidget(button)
        # the key is the main window's: one binding only
        new_case = QPushButton(self.tr("新办件") + " (Ctrl+N)")
        new_case.clicked.connect(self.clear)
        decide.addWidget(new_case)
        self.hint = QLabel("")
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.hint.setProperty("role", "status")
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # -- layout -------------------------------------------------------------------------
        matter_box = QGroupBox(self.tr("事项"))
        matter_layout = QVBoxLayout(matter_box)
        matter_layout.addWidget(self.finder)
        matter_layout.addWidget(self.matter_list)
        matter_layout.addWidget(self.matter_label)
        matter_layout.addWidget(self.errors["task_code"])
        applicant_box = QGroupBox(self.tr("申请人"))
        applicant_box.setLayout(self.form)
        left = QVBoxLayout()
        left.addWidget(matter_box)
        left.addWidget(applicant_box, 1)
        materials_box = QGroupBox(self.tr("材料清单（勾选已收取的材料；一次性告知时未勾选的即为缺少的材料）"))
        materials_layout = QVBoxLayout(materials_box)
        materials_layout.addWidget(self.materials, 1)
        materials_layout.addWidget(self.errors["materials"])
        refusal_box = QGroupBox(self.tr("不予受理"))
        refusal = QFormLayout(refusal_box)
        refusal.addRow(self.tr("理由"), self.reason)
        refusal.addRow("", self.errors["reason"])
        refusal.addRow(self.tr("法律依据"), self.basis)
        refusal.addRow("", self.errors["legal_basis"])
        right = QVBoxLayout()
        right.addWidget(materials_box, 1)
        right.addWidget(refusal_box)
        columns = QHBoxLayout()
        # two fifths and three: the checklist's material names need the room more than the fields
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addLayout(decide)
        layout.addWidget(self.hint)
        layout.addWidget(self.message)
        self.entity.toggled.connect(self._kind_changed)
        self._kind_changed(False)
        self.reload()

    # -- building -----------------------------------------------------------------------------
    def _field(self, key: str, text: str) -> None:
        edit = QLineEdit()
        edit.setObjectName(key)
        edit.textEdited.connect(lambda _text, k=key: self._edited(k))
        self.inputs[key] = edit
        box = QVBoxLayout()
        box.setSpacing(0)
        box.addWidget(edit)
        if key in self.errors:
            box.addWidget(self.errors[key])
        self.rows[key] = box
        self.form.addRow(text, box)

    def _label(self, key: str) -> QLabel:
        label = self.form.labelForField(self.rows[key])
        assert isinstance(label, QLabel)
        return label

    def _kind_changed(self, entity: bool) -> None:
        self._label("applicant.cert_no").setText(
            self.tr("统一社会信用代码") if entity else self.tr("身份证号")
        )
        self._label("applicant.name").setText(self.tr("单位名称") if entity else self.tr("姓名"))
        for key in ("applicant.legal_rep", "agent.name", "agent.cert_no"):
            self.form.setRowVisible(self.rows[key], entity)
            if not entity:
                self.inputs[key].clear()
        self._refresh()

    # -- matter -------------------------------------------------------------------------------
    def reload(self) -> None:
        """Load the current catalog on the worker (and work out the pinyin initials there)."""
        store = self.session.store

        def work() -> Catalog:
            with store.read() as conn:
                catalog = current_catalog(conn)
            find_matters(catalog, "a")  # every matter's initials, once, off the GUI thread
            loaded_fonts()  # the name check's fonts: about a second to parse, not on the GUI thread
            return catalog

        def loaded(catalog: Catalog) -> None:
            self.catalog = catalog
            self._find(self.finder.text())
            self._refresh()

        self.session.db.run(work, loaded, lambda error: self._say(error_text(error), error=True))

    def _find(self, text: str) -> None:
        self.matter_list.clear()
        if self.catalog is None:
            return
        for item in find_matters(self.catalog, text, limit=30):
            kind = (
                self.tr("即办件")
                if item.instant
                else self.tr("承诺件 {limit}").format(limit=self._limit(item))
            )
            row = QListWidgetItem(self.tr("{matter}（{kind}）").format(matter=item.name, kind=kind))
            row.setData(Qt.ItemDataRole.UserRole, item.task_code)
            self.matter_list.addItem(row)
        if self.matter_list.count():
            self.matter_list.setCurrentRow(0)

    def pick_matter(self) -> None:
        """Take the highlighted matter: its materials fill the checklist."""
        row = self.matter_list.currentItem()
        if row is None or self.catalog is None:
            return
        self.select_matter(self.catalog.item(row.data(Qt.ItemDataRole.UserRole)))
        self.inputs["applicant.cert_no"].setFocus()

    def select_matter(self, item: ServiceItem) -> None:
        """Show ``item`` as the matter of the case and list its materials."""
        self.item = item
        kind = (
            self.tr("即办件，可当场办结")
            if item.instant
            else self.tr("承诺件，承诺时限 {limit}").format(limit=self._limit(item))
        )
        self.matter_label.setText(
            self.tr("{matter}（{kind}）\n事项编码 {code}").format(
                matter=item.name, kind=kind, code=item.task_code
            )
        )
        self.materials.setRowCount(0)
        for material in item.materials:
            row = self.materials.rowCount()
            self.materials.insertRow(row)
            tick = QTableWidgetItem("")
            tick.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            tick.setCheckState(Qt.CheckState.Unchecked)
            self.materials.setItem(row, 0, tick)
            name = QTableWidgetItem(material.name)
            name.setFlags(Qt.ItemFlag.ItemIsEnabled)
            name.setToolTip(material.note or material.name)
            self.materials.setItem(row, 1, name)
            form = QComboBox()
            form.addItems([domain_label(f.label) for f in FORMS])
            form.setCurrentIndex(FORMS.index(material.form))
            self.materials.setCellWidget(row, 2, form)
            copies = QSpinBox()
            copies.setRange(1, 99)
            copies.setValue(material.copies)
            self.materials.setCellWidget(row, 3, copies)
            need = QTableWidgetItem(self.tr("必要") if material.required else self.tr("容缺（可后补）"))
            need.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.materials.setItem(row, 4, need)
        self.basis.clear()
        self.basis.addItem("")
        self.basis.addItems(list(item.refusal_bases))
        self.basis.setCurrentIndex(0)
        self._refresh()

    def _limit(self, item: ServiceItem) -> str:
        limit = item.promise_limit
        return self.tr("{value}个{unit}").format(value=limit.value, unit=domain_label(limit.unit.value))

    def _cell(self, row: int, column: int) -> QTableWidgetItem:
        cell = self.materials.item(row, column)
        assert cell is not None
        return cell

    def tick(self, name: str, received: bool = True) -> None:
        """Tick (or untick) the material ``name`` in the checklist."""
        for row in range(self.materials.rowCount()):
            if self._cell(row, 1).text() == name:
                state = Qt.CheckState.Checked if received else Qt.CheckState.Unchecked
                self._cell(row, 0).setCheckState(state)
                return
        raise KeyError(name)

    # -- the intake ---------------------------------------------------------------------------
    def _text(self, key: str) -> str:
        return self.inputs[key].text().strip()

    def _materials(self, decision: Decision) -> tuple[MaterialIn, ...]:
        found = []
        for row in range(self.materials.rowCount()):
            received = self._cell(row, 0).checkState() == Qt.CheckState.Checked
            form = self.materials.cellWidget(row, 2)
            copies = self.materials.cellWidget(row, 3)
            assert isinstance(form, QComboBox) and isinstance(copies, QSpinBox)
            name = self._cell(row, 1).text()
            if received:
                found.append(MaterialIn(name, FORMS[form.currentIndex()], copies.value()))
            elif decision is Decision.CORRECTION:
                found.append(
                    MaterialIn(name, FORMS[form.currentIndex()], copies.value(), True, MISSING_REASON)
                )
        return tuple(found)

    def intake(self, decision: Decision = Decision.ACCEPT, link_ticket: bool = True) -> CaseIntake:
        """The case as the form stands, linked to the ticket being served."""
        entity = self.entity.isChecked()
        agent = None
        if entity and (self._text("agent.name") or self._text("agent.cert_no")):
            agent = Party(self._text("agent.name"), CERT_RESIDENT_ID, self._text("agent.cert_no"))
        ticket = self.session.current_ticket() if link_ticket else None
        address = self._text("address")
        return CaseIntake(
            task_code=self.item.task_code if self.item else "",
            applicant=Party(
                self._text("applicant.name"),
                CERT_USCC if entity else CERT_RESIDENT_ID,
                self._text("applicant.cert_no"),
                "entity" if entity else "person",
                self._text("applicant.legal_rep") if entity else "",
                self._text("phone"),
            ),
            materials=self._materials(decision),
            decision=decision,
            agent=agent,
            phone=self._text("phone"),
            ticket_no=ticket.number if ticket else None,
            reason=self.reason.text().strip(),
            legal_basis=self.basis.currentText().strip(),
            note=ADDRESS_NOTE.format(address=address) if address else "",
        )

    def issues(self) -> list[Issue]:
        """Every problem with the applicant as typed (errors and warnings), each with its field;
        none until the catalog and the fonts the name check reads are loaded (on the worker)."""
        if self.catalog is None:
            return []
        return validate_parties(self.intake(link_ticket=False), self.clock().date())

    def _edited(self, key: str) -> None:
        self.touched.add(key)
        self._refresh()

    def _refresh(self, extra: list[Issue] | None = None) -> None:
        """Show each message next to its field; block the decisions while an error stands."""
        extra = list(extra or [])
        issues = self.issues()
        shown: dict[str, list[Issue]] = {}
        for issue in issues + extra:
            if issue.field in self.touched or issue in extra:
                shown.setdefault(issue.field, []).append(issue)
        for key, label in self.errors.items():
            found = shown.get(key, [])
            label.setText("\n".join(i.message for i in found))
            label.setProperty("role", "error" if any(not i.warning for i in found) else "warning")
            label.style().polish(label)
            label.setVisible(bool(found))
        errors = [i for i in issues if not i.warning]
        blocked = self.busy or self.item is None or bool(errors)
        for key, button in self.buttons.items():
            button.setEnabled(not blocked and (key != "instant" or bool(self.item and self.item.instant)))
        if self.item is None:
            self.hint.setText(self.tr("请先选择事项"))
        elif errors:
            names = self.tr("、", "between field names").join(
                dict.fromkeys(self._field_name(i.field) for i in errors)
            )
            self.hint.setText(self.tr("请更正或填写：{fields}").format(fields=names))
        else:
            self.hint.setText("")

    def _field_name(self, key: str) -> str:
        return self._label(key).text() if key in self.rows else key

    # -- deciding -----------------------------------------------------------------------------
    def decide(self, key: str) -> None:
        """Record the case with the decision ``key`` (a Decision value, or ``instant`` for 即办)."""
        self.touched.update(self.inputs)
        instant = key == "instant"
        decision = Decision.ACCEPT if instant else Decision(key)
        local: list[Issue] = []
        if decision is Decision.REJECT and not self.reason.text().strip():
            local.append(Issue("CASE_REASON_REQUIRED", self.tr("请填写不予受理的理由"), field="reason"))
        intake = self.intake(decision)
        if decision is Decision.CORRECTION and not intake.missing:
            local.append(
                Issue(
                    "CASE_NOTHING_MISSING",
                    self.tr("材料已齐全，无需一次性告知：请直接受理"),
                    field="materials",
                )
            )
        self._refresh(local)
        if local or not self.buttons[key].isEnabled():
            self._say(self.tr("请先更正标红的内容"), error=True)
            return
        store, clerk, clock = self.session.store, self.session.clerk_id, self.clock

        def work() -> IntakeResult:
            result = accept_case(store, clock, clerk, intake)
            if instant:
                close_case(
                    store, clock, clerk, result.project_no, ResultCode.ISSUED, delivery=DELIVERY_PICKUP
                )
            return result

        self.busy = True
        self._refresh()
        self._say(self.tr("正在登记…"))
        ticket = intake.ticket_no
        self.session.db.run(work, lambda result: self._recorded(result, instant, ticket), self._refused)

    def cases_of(self, ticket_no: str) -> list[str]:
        """The cases this form recorded for ``ticket_no``, in order (what 结束办理 reports)."""
        return list(self.by_ticket.get(ticket_no, []))

    def _recorded(self, result: IntakeResult, instant: bool, ticket_no: str | None) -> None:
        self.busy = False
        self.last_result = result
        if ticket_no:
            self.by_ticket.setdefault(ticket_no, []).append(result.project_no)
        self.session.committed()
        what = self.tr("已受理并当场办结") if instant else domain_label(result.state.label)
        due = ""
        if result.promise_due is not None and not instant:
            day = f"{result.promise_due:%Y-%m-%d}"
            if result.promise_estimated:
                due = self.tr("，承诺办结时间 {date}（预计）").format(date=day)
            else:
                due = self.tr("，承诺办结时间 {date}").format(date=day)
        warnings = "".join(self.tr("\n注意：{warning}").format(warning=w.message) for w in result.warnings)
        self.clear()
        self._say(
            self.tr("办件 {case}（{matter}）{what}{due}").format(
                case=result.project_no, matter=result.item_name, what=what, due=due
            )
            + warnings
        )
        self.case_recorded.emit(result.project_no)
        self.desk.open_preview(result.project_no)

    def _refused(self, error: BaseException) -> None:
        self.busy = False
        if isinstance(error, ValidationError):
            self._refresh([i for i in error.issues if i.field in self.errors])
            others = [i.message for i in error.issues if i.field not in self.errors and not i.warning]
            self._say(f"[{error.code}] " + "；".join(others or [self.tr("请更正标红的内容")]), error=True)
            return
        self._refresh()
        self._say(error_text(error), error=True)

    def clear(self) -> None:
        """Empty the form for the next case (the matter too)."""
        for edit in self.inputs.values():
            edit.clear()
        self.reason.clear()
        self.person.setChecked(True)
        self.item = None
        self.matter_label.setText(self.tr("未选择事项"))
        self.materials.setRowCount(0)
        self.basis.clear()
        self.touched.clear()
        self.finder.clear()
        self._refresh()
        self.finder.setFocus()

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "error" if error else "status")
        self.message.style().polish(self.message)
