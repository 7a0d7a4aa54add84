"""Realistic sample data for every document: print previews, tests and the benchmark.

The people, companies and numbers are made up; the ID number is the sample of GB 11643.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from counter_app.receipts.model import (
    AcceptanceReceipt,
    Applicant,
    CaseInfo,
    CompletionNotice,
    CorrectionNotice,
    HallInfo,
    MaterialForm,
    MaterialLine,
    MaterialStatus,
    Refusal,
    RejectionNotice,
    TicketSlip,
)

HALL = HallInfo(
    name="东湖市行政服务中心",
    phone="0571-87012345",
    check_base_url="https://zwfw.example.gov.cn/check",
    address="东湖市滨江大道188号",
)
PERSON = Applicant(
    name="张丽华",
    cert_type="居民身份证",
    cert_no="11010519491231002X",
    phone="13812345678",
)
ENTITY = Applicant(
    name="东湖市味之源餐饮管理有限公司",
    cert_type="统一社会信用代码",
    cert_no="91330106MA2H3K4L5N",
    is_entity=True,
    legal_rep="王建国",
    agent_name="刘晓敏",
    agent_cert_no="330106199203154528",
    phone="13957112345",
)
FOOD_LICENCE_MATERIALS = (
    MaterialLine("食品经营许可申请书", MaterialForm.ORIGINAL, 1),
    MaterialLine("营业执照或者其他主体资格证明文件", MaterialForm.COPY, 1),
    MaterialLine("法定代表人（负责人）身份证明", MaterialForm.ORIGINAL_AND_COPY, 1),
    MaterialLine("与食品经营相适应的主要设备设施布局、操作流程等文件", MaterialForm.ORIGINAL, 1),
    MaterialLine(
        "食品安全自查、从业人员健康管理、进货查验记录、食品安全事故处置等保证食品安全的规章制度",
        MaterialForm.ORIGINAL,
        1,
    ),
    MaterialLine("经营场所平面图及周边环境示意图", MaterialForm.ORIGINAL, 1),
    MaterialLine("授权委托书及经办人身份证件", MaterialForm.ORIGINAL_AND_COPY, 1, reason="已核验原件"),
)
PROJECT_NO = "K01-W03-20261125-0007"
TASK_CODE = "11330100002482960J4000117105000"
CHECK_CODE = "8F3K2Q9M"


def acceptance_receipt() -> AcceptanceReceipt:
    """A 受理回执 for a company's food business licence, promise date still estimated."""
    return AcceptanceReceipt(
        hall=HALL,
        department="东湖市市场监督管理局",
        matter_name="食品经营许可证核发",
        task_code=TASK_CODE,
        project_no=PROJECT_NO,
        applicant=ENTITY,
        materials=FOOD_LICENCE_MATERIALS,
        accepted_at=datetime(2026, 11, 25, 9, 32),
        promise_due=datetime(2026, 12, 16, 17, 0),
        promise_estimated=True,
        promise_limit="15个工作日",
        window_no=3,
        clerk_name="李娜",
        clerk_id="0312",
        check_code=CHECK_CODE,
    )


def long_receipt() -> AcceptanceReceipt:
    """A receipt with a 60-character matter name and 30 materials: two pages."""
    matter = (
        "建设工程规划许可证核发（建筑类）及配套市政基础设施和公共服务设施、"
        "人防工程、绿化工程、交通影响评价等联合审查事项并联办理"
    )
    materials = tuple(
        MaterialLine(
            f"第{index}项附件：{name}",
            (MaterialForm.ORIGINAL, MaterialForm.COPY, MaterialForm.ORIGINAL_AND_COPY)[index % 3],
            1 + index % 3,
        )
        for index, name in enumerate(
            [
                "建设工程规划许可申请表",
                "建设项目用地预审与选址意见书",
                "国有土地使用权出让合同",
                "建设工程设计方案总平面图",
                "建筑单体平立剖面图",
                "日照分析报告",
                "交通影响评价报告",
                "人防工程设计审查意见",
                "绿化工程设计方案",
                "消防设计说明",
                "节能设计专篇",
                "海绵城市设计专篇",
                "市政管线综合图",
                "地形测绘图",
                "建设单位营业执照",
                "法定代表人身份证明",
                "授权委托书",
                "设计单位资质证书",
                "工程勘察报告",
                "环境影响评价批复",
                "水土保持方案批复",
                "文物保护意见",
                "地质灾害危险性评估报告",
                "压覆矿产资源查询意见",
                "公共服务设施配套方案",
                "停车泊位配建说明",
                "无障碍设施设计说明",
                "建筑面积计算书",
                "经济技术指标表",
                "申请人承诺书",
            ],
            start=1,
        )
    )
    assert len(matter) == 60
    return replace(acceptance_receipt(), matter_name=matter, materials=materials, applicant=PERSON)


def case_info() -> CaseInfo:
    """The case the sample notices are about."""
    return acceptance_receipt().case


def correction_notice() -> CorrectionNotice:
    """A 一次性告知书 listing one missing and two defective materials."""
    return CorrectionNotice(
        case=case_info(),
        received_at=datetime(2026, 11, 25, 9, 32),
        items=(
            MaterialLine(
                "经营场所使用证明（房屋产权证明或租赁合同）",
                MaterialForm.ORIGINAL_AND_COPY,
                1,
                MaterialStatus.MISSING,
                "未提交；租赁合同应在有效期内并附出租方产权证明",
            ),
            MaterialLine(
                "食品安全管理制度",
                MaterialForm.ORIGINAL,
                1,
                MaterialStatus.DEFECTIVE,
                "未加盖申请单位公章，请盖章后重新提交",
            ),
            MaterialLine(
                "与食品经营相适应的主要设备设施布局、操作流程等文件",
                MaterialForm.ORIGINAL,
                1,
                MaterialStatus.DEFECTIVE,
                "布局图未标明粗加工、烹饪、餐用具清洗消毒等功能区，请补充标注",
            ),
        ),
        supply_deadline=date(2026, 12, 2),
        issued_on=date(2026, 11, 25),
    )


def rejection_notice() -> RejectionNotice:
    """A 不予受理通知书: the premises are outside this bureau's jurisdiction."""
    return RejectionNotice(
        case=case_info(),
        received_at=datetime(2026, 11, 25, 9, 32),
        reason="申请人的经营场所位于东湖市临江新区，依法由临江新区市场监督管理部门实施许可",
        legal_basis="《中华人民共和国行政许可法》第三十二条第一款第（二）项",
        reconsideration_body="东湖市人民政府",
        court="东湖市人民法院",
        redirect_to="东湖市临江新区市场监督管理局",
        doc_no="东市监不受〔2026〕第0007号",
        issued_on=date(2026, 11, 25),
    )


def completion_notice() -> CompletionNotice:
    """A 领证通知书 for the food business licence."""
    return CompletionNotice(
        case=case_info(),
        completed_at=datetime(2026, 12, 9, 15, 20),
        result="准予许可",
        certificate_name="食品经营许可证",
        certificate_no="JY13301060012345",
        collect_place="东湖市行政服务中心一楼 综合出件窗口（12号窗口）",
        collect_time="2026年12月10日起，工作日 9:00—12:00、13:30—17:00",
        issued_on=date(2026, 12, 9),
    )


def refusal_notice() -> CompletionNotice:
    """A 办结通知书 for a 不予许可: reasons, legal basis and remedies, nothing to collect."""
    return CompletionNotice(
        case=case_info(),
        completed_at=datetime(2026, 12, 9, 15, 20),
        result="不予许可",
        issued_on=date(2026, 12, 9),
        refusal=Refusal(
            reason="现场核查发现经营场所与住宅相连，未设置独立的食品处理区，不符合食品安全要求",
            legal_basis="《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》第十二条",
            reconsideration_body="东湖市人民政府",
            court="东湖市人民法院",
        ),
    )


def ticket_slip() -> TicketSlip:
    """A kiosk ticket for the company start-up queue."""
    return TicketSlip(
        ticket_no="A012",
        category_name="企业开办（市场主体登记）",
        people_ahead=7,
        issued_at=datetime(2026, 11, 25, 9, 12, 30),
        hall_name=HALL.name,
        rating_url="https://zwfw.example.gov.cn/rate?t=A012&d=20261125&h=DH01",
        window_hint="请留意叫号，前往 3—6 号窗口办理",
    )
