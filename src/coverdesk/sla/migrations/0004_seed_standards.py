"""Preload the default catalogue of timeliness standards (domain.md §4) and the three follow-up
standards of §4.1, each with version 1 in force since 2000-01-01.

Units follow the catalogue: WD = working days on cn-mainland; unmarked "h"/"min" = business
hours/minutes on cn-mainland; the 7×24 rows = natural minutes on the 7x24 calendar; the legal
rows = natural days on cn-mainland (the Civil Code's holiday extension applies). Targets the
engine cannot say exactly are modelled by their nearest unit, with a note.
"""

from datetime import UTC, datetime

from django.db import migrations

EFFECTIVE_FROM = datetime(2000, 1, 1, tzinfo=UTC)
CN = "cn-mainland"
ALWAYS = "7x24"
WD, BH, BM, NM, ND = (
    "working_days",
    "business_hours",
    "business_minutes",
    "natural_minutes",
    "natural_days",
)
YELLOW = ["assignee", "department_head"]
RED = ["department_head", "management"]

# code, area, name (zh), name (en), amount, unit, calendar, extra fields
CATALOGUE = [
    # sales
    ("sales.phone_inquiry.answer", "sales", "电话咨询接听或回电", "Phone inquiry: call answered or returned", 10, BM, CN, {}),
    ("sales.email_inquiry.reply", "sales", "邮件咨询回复", "Email inquiry reply", 1, WD, CN, {}),
    (
        "sales.online_inquiry.reply", "sales", "在线咨询回复", "Online inquiry reply", 30, NM, ALWAYS,
        {"note": "Real time; else tell the customer the expected time within 30 minutes."},
    ),
    (
        "sales.application.simple", "sales", "简单投保申请处理（资料齐全起）",
        "Simple application processed, from complete materials", 3, WD, CN, {},
    ),
    (
        "sales.application.complex", "sales", "复杂投保申请处理（高保额、特殊风险评估）",
        "Complex application (high sums, special risk assessment)", 5, WD, CN,
        {"customer_updates": True, "note": "With progress updates to the customer."},
    ),
    # customer service
    ("service.question.general", "service", "一般问题解答", "General question answered", 1, WD, CN, {}),
    (
        "service.question.complex", "service", "复杂问题首次答复", "Complex question: first reply",
        3, WD, CN,
        {
            "customer_updates": True,
            "note": "First reply within 3 WD, then a progress update every working day until"
            " resolved (the recurring follow-up followup.customer_update).",
        },
    ),
    ("service.complaint.first_contact", "service", "投诉首次联系", "Complaint: first contact", 1, WD, CN, {}),
    ("service.complaint.resolve.simple", "service", "简单投诉处理完毕", "Complaint resolved: simple", 5, WD, CN, {}),
    (
        "service.complaint.resolve.complex", "service", "复杂投诉处理完毕", "Complaint resolved: complex",
        10, WD, CN, {},
    ),
    # claims
    (
        "claims.registration", "claims", "立案（资料齐全起）", "Claim registration, from complete materials",
        1, WD, CN, {},
    ),
    ("claims.adjudication.simple", "claims", "简单案件理算核赔", "Adjudication: simple", 3, WD, CN, {}),
    ("claims.adjudication.general", "claims", "一般案件理算核赔", "Adjudication: general", 5, WD, CN, {}),
    (
        "claims.adjudication.complex", "claims", "复杂案件理算核赔", "Adjudication: complex", 10, WD, CN,
        {"note": "An extension needs a reason told to the customer."},
    ),
    ("claims.payment.simple", "claims", "简单案件核赔后支付", "Payment after approval: simple", 1, WD, CN, {}),
    ("claims.payment.general", "claims", "一般案件核赔后支付", "Payment after approval: general", 3, WD, CN, {}),
    ("claims.payment.complex", "claims", "复杂案件核赔后支付", "Payment after approval: complex", 5, WD, CN, {}),
    # claims, bid commitments (green channel)
    (
        "claims_bid.green_channel.acceptance", "claims_bid", "绿色通道：受理",
        "Green channel: acceptance", 1, WD, CN, {},
    ),
    (
        "claims_bid.green_channel.survey_assessment", "claims_bid", "绿色通道：查勘定损",
        "Green channel: survey and assessment", 3, WD, CN, {},
    ),
    (
        "claims_bid.green_channel.approval", "claims_bid", "绿色通道：核赔",
        "Green channel: approval", 5, WD, CN, {},
    ),
    (
        "claims_bid.green_channel.payment", "claims_bid", "绿色通道：支付",
        "Green channel: payment", 3, WD, CN, {},
    ),
    # back office
    (
        "back_office.tech_support.response", "back_office", "技术支持响应", "Tech support: response",
        2, BH, CN, {},
    ),
    (
        "back_office.tech_support.simple_fix", "back_office", "技术支持：简单问题解决",
        "Tech support: simple fix", 4, BH, CN, {},
    ),
    (
        "back_office.tech_support.complex_solution", "back_office", "技术支持：复杂问题方案",
        "Tech support: complex solution", 24, BH, CN,
        {"note": "24 h read as business hours (the catalogue marks no natural time here)."},
    ),
    (
        "back_office.document_review.routine", "back_office", "单证审核用印：常规",
        "Document review and stamping: routine", 1, WD, CN, {},
    ),
    (
        "back_office.document_review.urgent", "back_office", "单证审核用印：加急",
        "Document review and stamping: urgent", 2, BH, CN, {},
    ),
    (
        "back_office.statistics.monthly", "back_office", "月度统计", "Monthly statistics", 5, WD, CN,
        {
            "note": "Due by the 5th working day of the next month: start the clock at the close"
            " of the month (5 WD from then)."
        },
    ),
    (
        "back_office.timeliness_analysis.quarterly", "back_office", "季度时效分析",
        "Quarterly timeliness analysis", 91, ND, CN,
        {
            "note": "Due by the end of the next quarter: start the clock at the close of the"
            " quarter; modelled as 91 natural days (a quarter's length), extended past holidays."
        },
    ),
    # aviation programme, bid commitments
    (
        "aviation.inquiry.simple.answer", "aviation_bid", "简单咨询答复（电话、邮件）",
        "Simple inquiry answered (phone, email)", 1, BH, CN, {},
    ),
    (
        "aviation.complex_question.contact", "aviation_bid", "复杂问题：联系",
        "Complex question: contact", 1, BH, CN, {},
    ),
    (
        "aviation.complex_question.first_plan", "aviation_bid", "复杂问题：初步方案",
        "Complex question: first plan", 4, BH, CN, {},
    ),
    (
        "aviation.inquiry.general.answer", "aviation_bid", "一般咨询答复", "General inquiry answered",
        24, BH, CN, {"note": "24 h read as business hours (the catalogue marks no natural time here)."},
    ),
    (
        "aviation.accident.contact_reporter", "aviation_bid", "事故报案：联系报案人",
        "Accident report: contact the reporter", 15, NM, ALWAYS, {"note": "Natural time, 7×24."},
    ),
    (
        "aviation.accident.resources_dispatched", "aviation_bid", "事故报案：调派资源",
        "Accident report: resources dispatched", 45, NM, ALWAYS, {"note": "Natural time, 7×24."},
    ),
    (
        "aviation.accident.team_departs", "aviation_bid", "事故报案：工作组出发",
        "Accident report: team departs", 60, NM, ALWAYS, {"note": "Natural time, 7×24."},
    ),
    (
        "aviation.major_event.team_formed", "aviation_bid", "重大事件：组建工作组",
        "Major event: team formed", 30, NM, ALWAYS,
        {"note": "Emergency response: natural time, 7×24."},
    ),
    (
        "aviation.major_event.response_plan", "aviation_bid", "重大事件：应对方案",
        "Major event: response plan", 90, NM, ALWAYS,
        {"note": "Emergency response: natural time, 7×24."},
    ),
    (
        "aviation.major_event.customer_report", "aviation_bid", "重大事件：向客户报告",
        "Major event: report to the customer", 120, NM, ALWAYS,
        {"note": "Emergency response: natural time, 7×24."},
    ),
    # law
    (
        "law.insurance_22.missing_materials_notice", "law", "理赔资料不全：一次性通知补充",
        "Missing claim materials: one consolidated notice", 1, WD, CN,
        {
            "source": "《中华人民共和国保险法》第二十二条",
            "note": "The law says promptly; the internal default is 1 working day.",
        },
    ),
    (
        "law.insurance_23.decision", "law", "复杂情形核定（补充资料期间暂停）",
        "Coverage decision on complex cases", 30, ND, CN,
        {
            "source": "《中华人民共和国保险法》第二十三条",
            "note": "Paused while the customer supplements materials.",
        },
    ),
    (
        "law.insurance_23.payment", "law", "达成赔付协议后支付", "Payment after the amount is agreed",
        10, ND, CN, {"source": "《中华人民共和国保险法》第二十三条"},
    ),
    (
        "law.insurance_24.refusal_notice", "law", "不属于保险责任的书面拒赔通知",
        "Written refusal with reasons after a not-covered decision", 3, ND, CN,
        {"source": "《中华人民共和国保险法》第二十四条"},
    ),
    (
        "law.insurance_25.advance_payment", "law", "可确定部分先行赔付",
        "Advance payment of the determinable part", 60, ND, CN,
        {"source": "《中华人民共和国保险法》第二十五条"},
    ),
    # regulation
    (
        "regulation.complaint.decision", "regulation", "投诉处理决定", "Complaint decision", 15, ND, CN,
        {
            "source": "《银行保险机构消费者投诉处理管理办法》第二十三条",
            "note": "Extendable as the regulation allows.",
        },
    ),
    # follow-up tasks (§4.1): clocks created by warnings; they get no follow-ups of their own
    (
        "followup.progress_report", "followup", "向部门负责人报告进展",
        "Progress report to the department head", 1, WD, CN,
        {
            "yellow_notify": ["assignee"],
            "red_notify": ["assignee", "department_head"],
            "progress_report_followup": False,
            "rectification_followup": False,
            "source": "Yellow warning follow-up (domain.md §4.1).",
        },
    ),
    (
        "followup.rectification_report", "followup", "书面整改报告", "Written rectification report",
        2, WD, CN,
        {
            "yellow_notify": ["assignee"],
            "red_notify": ["assignee", "management"],
            "progress_report_followup": False,
            "rectification_followup": False,
            "source": "Red warning follow-up (domain.md §4.1).",
        },
    ),
    (
        "followup.customer_update", "followup", "向客户通报进展", "Progress update to the customer",
        1, WD, CN,
        {
            "yellow_notify": ["assignee"],
            "red_notify": ["assignee", "department_head"],
            "progress_report_followup": False,
            "rectification_followup": False,
            "note": "Recurring: a new one starts after each update until the work is done.",
        },
    ),
]


def seed(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    SlaStandard = apps.get_model("sla", "SlaStandard")
    SlaStandardVersion = apps.get_model("sla", "SlaStandardVersion")
    calendars = {calendar.code: calendar for calendar in Calendar.objects.all()}
    for code, area, name, name_en, amount, unit, calendar_code, extra in CATALOGUE:
        standard = SlaStandard.objects.create(code=code, area=area, name=name, name_en=name_en)
        SlaStandardVersion.objects.create(
            standard=standard,
            number=1,
            amount=amount,
            unit=unit,
            calendar=calendars[calendar_code],
            yellow_ratio="0.800",
            yellow_notify=extra.get("yellow_notify", YELLOW),
            red_notify=extra.get("red_notify", RED),
            escalations=[],
            progress_report_followup=extra.get("progress_report_followup", True),
            rectification_followup=extra.get("rectification_followup", True),
            customer_updates=extra.get("customer_updates", False),
            source=extra.get("source", ""),
            note=extra.get("note", ""),
            effective_from=EFFECTIVE_FROM,
        )


def unseed(apps, schema_editor):
    SlaStandard = apps.get_model("sla", "SlaStandard")
    SlaStandardVersion = apps.get_model("sla", "SlaStandardVersion")
    codes = [row[0] for row in CATALOGUE]
    SlaStandardVersion.objects.filter(standard__code__in=codes, number=1).delete()
    SlaStandard.objects.filter(code__in=codes, versions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0003_standards_clocks")]

    operations = [migrations.RunPython(seed, unseed)]
