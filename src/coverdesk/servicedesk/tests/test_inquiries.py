"""Inquiries: one-screen call logging, online intake, replies, notices, notes, transfers with
the clock continuing, classification and resolution — and bad input that changes nothing."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.models import Message
from coverdesk.servicedesk.exceptions import (
    CannedAnswerNotFound,
    InquiryNotFound,
    ServicedeskPermissionDenied,
)
from coverdesk.servicedesk.models import (
    CannedAnswer,
    Inquiry,
    InquiryAttachment,
    InquiryMessage,
    InquiryStatusChange,
    InquiryTransfer,
)
from coverdesk.servicedesk.services.canned import canned_answer_save
from coverdesk.servicedesk.services.inquiries import (
    inquiry_classify,
    inquiry_customer_message,
    inquiry_log_call,
    inquiry_note,
    inquiry_notify_expected_time,
    inquiry_receive_online,
    inquiry_reply,
    inquiry_resolve,
    inquiry_transfer,
)
from coverdesk.servicedesk.tests.factories import (
    MONDAY,
    at,
    make_customer,
    make_desk,
    make_other_customer,
    make_portal_user,
)
from coverdesk.servicedesk.tests.helpers import audit_actions, clocks_of, counts
from coverdesk.servicedesk.transitions import TransitionNotAllowed
from coverdesk.sla.models import SlaClock

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% test\n"


@pytest.fixture
def desk():
    return make_desk()


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def portal(customer):
    return make_portal_user(customer)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


def log_call(desk, **kwargs):
    arguments = {
        "acting_user": desk.agent,
        "subject": "保单生效时间",
        "question": "请问新增机组人员的保障从哪天开始？",
        "classification": "simple",
        "contact_name": "郑海",
        "contact_phone": "13812345678",
        "now": MONDAY,
    }
    return inquiry_log_call(**{**arguments, **kwargs})


def online(user, **kwargs):
    arguments = {
        "acting_user": user,
        "subject": "理赔材料清单",
        "body": "直升机旋翼受损，需要准备哪些理赔材料？",
        "now": MONDAY,
    }
    return inquiry_receive_online(**{**arguments, **kwargs})


# Phone --------------------------------------------------------------------------------------


def test_a_call_answered_and_settled_on_the_phone_is_resolved_with_its_clock_met(desk, customer):
    inquiry = log_call(
        desk,
        customer_id=customer.pk,
        answer="自批单生效日零时起。",
        resolved=True,
    )
    assert (inquiry.channel, inquiry.status, inquiry.classification) == (
        "phone",
        "resolved",
        "simple",
    )
    assert (inquiry.customer, inquiry.assignee, inquiry.department) == (
        customer,
        desk.agent,
        desk.agent.department,
    )
    assert inquiry.resolution == "自批单生效日零时起。"
    assert inquiry.first_replied_at == inquiry.resolved_at == MONDAY
    clocks = clocks_of(inquiry)
    assert list(clocks) == ["service.question.general"]
    assert (clocks["service.question.general"].state, clocks["service.question.general"].met) == (
        "met",
        True,
    )
    assert list(inquiry.messages.values_list("kind", "body")) == [
        ("customer", "请问新增机组人员的保障从哪天开始？"),
        ("reply", "自批单生效日零时起。"),
    ]
    assert list(InquiryStatusChange.objects.values_list("from_status", "to_status", "action")) == [
        ("", "open", "receive"),
        ("open", "answered", "reply"),
        ("answered", "resolved", "resolve"),
    ]
    assert audit_actions() == ["servicedesk.inquiry.log_call"]
    assert inquiry.contact_phone == "13812345678"


def test_a_complex_call_waits_for_its_first_reply_within_three_working_days(desk):
    inquiry = log_call(desk, classification="complex")
    clock = clocks_of(inquiry)["service.question.complex"]
    assert (inquiry.status, clock.state) == ("open", "running")
    assert clock.due_at == at(2026, 8, 27, 17, 30)  # Monday + 3 WD
    assert clock.customer_updates is False
    assert SlaClock.objects.filter(parent_id=clock.pk).count() == 0


@pytest.mark.parametrize(
    ("field", "kwargs", "rule"),
    [
        ("question", {"question": "   "}, "required"),
        ("subject", {"subject": ""}, "required"),
        ("classification", {"classification": "urgent"}, "choice"),
        ("customer_id", {"customer_id": 999999}, "unknown"),
        ("contact_phone", {"contact_phone": "12"}, None),
        ("answer", {"resolved": True}, "required"),
        ("policy_number", {"policy_number": "NO-SUCH-POLICY"}, "unknown"),
    ],
)
def test_bad_call_input_names_the_field_and_changes_nothing(desk, field, kwargs, rule):
    with pytest.raises(ValidationFailed) as caught:
        log_call(desk, **kwargs)
    assert caught.value.fields[0].field == field
    if rule:
        assert caught.value.fields[0].rule == rule
    assert counts(Inquiry, InquiryMessage, SlaClock) == (0, 0, 0)
    assert audit_actions() == []


def test_someone_without_the_permission_cannot_log_a_call(desk):
    with pytest.raises(ServicedeskPermissionDenied):
        log_call(desk, acting_user=desk.outsider)
    assert counts(Inquiry, SlaClock) == (0, 0)
    assert audit_actions() == []


# Online -------------------------------------------------------------------------------------


def test_a_customer_sends_an_online_inquiry_for_their_own_organisation(desk, customer, portal):
    other = make_other_customer()
    inquiry = online(portal, customer_id=other.pk)  # a customer cannot file for another
    assert (inquiry.channel, inquiry.customer, inquiry.status) == ("online", customer, "open")
    assert inquiry.classification == ""
    assert inquiry.department.code == "customer_service"
    assert inquiry.received_by is None
    clock = clocks_of(inquiry)["sales.online_inquiry.reply"]
    assert clock.due_at == MONDAY + timedelta(minutes=30)
    assert list(clocks_of(inquiry)) == ["sales.online_inquiry.reply"]
    assert inquiry.messages.get().author == portal


def test_an_expected_time_notice_meets_the_online_standard_and_tells_the_customer(
    desk, customer, portal
):
    inquiry = online(portal)
    inquiry_classify(
        inquiry_id=inquiry.pk, classification="complex", acting_user=desk.agent, now=MONDAY
    )
    notice = inquiry_notify_expected_time(
        inquiry_id=inquiry.pk,
        expected_at=at(2026, 8, 25, 16),
        acting_user=desk.agent,
        now=MONDAY + timedelta(minutes=20),
    )
    inquiry.refresh_from_db()
    clocks = clocks_of(inquiry)
    assert clocks["sales.online_inquiry.reply"].state == "met"
    assert clocks["service.question.complex"].state == "running"
    assert (inquiry.status, inquiry.expected_reply_at, inquiry.first_replied_at) == (
        "open",
        at(2026, 8, 25, 16),
        None,
    )
    assert notice.kind == "notice"
    message = Message.objects.get(template="servicedesk_inquiry_notice")
    assert message.recipient == portal
    assert "2026-08-25 16:00" in message.body


def test_a_notice_in_the_past_is_refused(desk, portal):
    inquiry = online(portal)
    with pytest.raises(ValidationFailed) as caught:
        inquiry_notify_expected_time(
            inquiry_id=inquiry.pk, expected_at=MONDAY, acting_user=desk.agent, now=MONDAY
        )
    assert caught.value.fields[0].rule == "future"
    assert clocks_of(inquiry)["sales.online_inquiry.reply"].state == "running"


def test_a_phone_inquiry_gets_no_expected_time_notice(desk):
    inquiry = log_call(desk)
    with pytest.raises(TransitionNotAllowed):
        inquiry_notify_expected_time(
            inquiry_id=inquiry.pk,
            expected_at=MONDAY + timedelta(hours=2),
            acting_user=desk.agent,
            now=MONDAY,
        )


# Complex questions: first reply, then a progress update every working day -------------------


def test_a_complex_question_gets_daily_progress_updates_after_its_first_reply_until_resolved(
    desk, portal
):
    inquiry = online(portal)
    inquiry_classify(
        inquiry_id=inquiry.pk, classification="complex", acting_user=desk.agent, now=MONDAY
    )
    inquiry_reply(
        inquiry_id=inquiry.pk,
        body="已转核保部门评估，明日告知进展。",
        acting_user=desk.agent,
        now=MONDAY + timedelta(minutes=10),
    )
    inquiry.refresh_from_db()
    clocks = clocks_of(inquiry)
    assert clocks["sales.online_inquiry.reply"].met is True
    assert clocks["service.question.complex"].met is True
    first_update = clocks["service.question.complex.update"]
    assert (first_update.state, first_update.due_at) == ("running", at(2026, 8, 25, 17, 30))
    assert inquiry.update_clock_id == first_update.pk
    assert inquiry.assignee == desk.agent  # the first to reply takes it

    inquiry_reply(
        inquiry_id=inquiry.pk,
        body="评估仍在进行。",
        acting_user=desk.agent,
        now=at(2026, 8, 26, 9),  # Wednesday: the Tuesday update was missed
    )
    inquiry.refresh_from_db()
    first_update.refresh_from_db()
    assert (first_update.state, first_update.met) == ("breached", False)
    second = SlaClock.objects.get(pk=inquiry.update_clock_id)
    assert (second.state, second.due_at) == ("running", at(2026, 8, 27, 17, 30))

    inquiry_resolve(
        inquiry_id=inquiry.pk,
        resolution="已答复承保条件。",
        acting_user=desk.agent,
        now=at(2026, 8, 26, 15),
    )
    inquiry.refresh_from_db()
    assert inquiry.status == "resolved"
    assert not SlaClock.objects.filter(
        subject_type="servicedesk.inquiry", subject_id=str(inquiry.pk), state="running"
    ).exists()
    assert (
        Message.objects.filter(template="servicedesk_inquiry_reply", recipient=portal).count() == 2
    )


def test_reclassifying_cancels_the_old_clock_with_the_reason_and_starts_the_new_standard(desk):
    inquiry = log_call(desk, classification="simple")
    later = MONDAY + timedelta(hours=1)
    inquiry_classify(
        inquiry_id=inquiry.pk, classification="complex", acting_user=desk.agent, now=later
    )
    inquiry.refresh_from_db()
    clocks = clocks_of(inquiry)
    assert clocks["service.question.general"].state == "cancelled"
    complex_clock = clocks["service.question.complex"]
    assert (complex_clock.state, complex_clock.started_at) == ("running", later)
    assert inquiry.question_clock_id == complex_clock.pk
    assert InquiryStatusChange.objects.filter(action="classify").get().note == "simple → complex"
    # The same class again changes nothing.
    entries = AuditEntry.objects.count()
    inquiry_classify(
        inquiry_id=inquiry.pk, classification="complex", acting_user=desk.agent, now=later
    )
    assert AuditEntry.objects.count() == entries


def test_classifying_an_inquiry_answered_already_starts_only_the_daily_update(desk, portal):
    inquiry = online(portal)
    inquiry_reply(inquiry_id=inquiry.pk, body="收到。", acting_user=desk.agent, now=MONDAY)
    inquiry_classify(
        inquiry_id=inquiry.pk,
        classification="complex",
        acting_user=desk.agent,
        now=MONDAY + timedelta(minutes=5),
    )
    assert set(clocks_of(inquiry)) == {
        "sales.online_inquiry.reply",
        "service.question.complex.update",
    }


# Replies, notes, canned answers, attachments --------------------------------------------------


def test_a_reply_from_a_canned_answer(desk, portal):
    canned = canned_answer_save(
        code="claim-materials",
        title="理赔材料",
        body="请准备：出险通知书、损失清单、维修报价。",
        acting_user=desk.agent,
        now=MONDAY,
    )
    inquiry = online(portal)
    reply = inquiry_reply(
        inquiry_id=inquiry.pk,
        body="",
        canned_answer_id=canned.pk,
        acting_user=desk.agent,
        now=MONDAY,
    )
    assert (reply.body, reply.canned_answer) == (canned.body, canned)
    assert reply.delivery_status == ""  # not an email inquiry


def test_an_unknown_canned_answer_changes_nothing(desk, portal):
    inquiry = online(portal)
    with pytest.raises(CannedAnswerNotFound):
        inquiry_reply(
            inquiry_id=inquiry.pk, body="", canned_answer_id=99999, acting_user=desk.agent
        )
    assert inquiry.messages.count() == 1


def test_an_empty_reply_is_refused_and_changes_nothing(desk, portal):
    inquiry = online(portal)
    with pytest.raises(ValidationFailed) as caught:
        inquiry_reply(inquiry_id=inquiry.pk, body="  ", acting_user=desk.agent, now=MONDAY)
    assert (caught.value.fields[0].field, caught.value.fields[0].rule) == ("body", "required")
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.messages.count()) == ("open", 1)
    assert clocks_of(inquiry)["sales.online_inquiry.reply"].state == "running"


def test_an_internal_note_touches_no_clock_and_no_status(desk, portal):
    inquiry = online(portal)
    note = inquiry_note(
        inquiry_id=inquiry.pk, body="客户为警航队机务主管。", acting_user=desk.agent, now=MONDAY
    )
    inquiry.refresh_from_db()
    assert (note.kind, note.visible_to_customer, inquiry.status) == ("note", False, "open")
    assert clocks_of(inquiry)["sales.online_inquiry.reply"].state == "running"
    assert not Message.objects.filter(template__startswith="servicedesk").exists()


def test_attachments_are_stored_outside_the_web_root_with_a_random_name(desk, portal, media):
    upload = SimpleUploadedFile("损失照片清单.pdf", PDF, content_type="application/pdf")
    inquiry = online(portal, attachments=[upload])
    stored = InquiryAttachment.objects.get()
    assert (stored.original_name, stored.content_type, stored.size) == (
        "损失照片清单.pdf",
        "application/pdf",
        len(PDF),
    )
    assert stored.path.startswith(f"servicedesk/{inquiry.pk}/")
    assert "损失" not in stored.path
    assert (Path(media) / stored.path).read_bytes() == PDF


def test_an_attachment_too_large_is_refused_with_its_name_and_nothing_is_written(
    desk, portal, settings, media
):
    settings.COVERDESK_SERVICEDESK_ATTACHMENT_MAX_BYTES = 1024
    upload = SimpleUploadedFile("大文件.pdf", PDF + b"x" * 2048, content_type="application/pdf")
    with pytest.raises(ValidationFailed) as caught:
        online(portal, attachments=[upload])
    error = caught.value.fields[0]
    assert (error.field, error.rule) == ("attachments", "max_size")
    assert str(error.message) == "大文件.pdf is 0.0 MB; a file may have at most 0.0 MB."
    assert counts(Inquiry, InquiryMessage, InquiryAttachment, SlaClock) == (0, 0, 0, 0)
    assert not Path(media).exists() or not any(Path(media).rglob("*.pdf"))


def test_a_file_that_is_not_what_its_name_says_is_refused(desk, portal):
    upload = SimpleUploadedFile("报价.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as caught:
        online(portal, attachments=[upload])
    assert caught.value.fields[0].rule == "file_content"
    assert Inquiry.objects.count() == 0


def test_files_written_before_a_failure_are_removed(desk, portal, media, monkeypatch):
    from coverdesk.servicedesk.services import inquiries

    def broken(*args, **kwargs):
        raise RuntimeError("clock service down")

    monkeypatch.setattr(inquiries, "_response_clock_start", broken)
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    with pytest.raises(RuntimeError):
        online(portal, attachments=[upload])
    assert Inquiry.objects.count() == 0
    assert not any(Path(media).rglob("*.pdf"))


# Customer follow-ups ---------------------------------------------------------------------------


def test_a_customer_message_on_a_resolved_inquiry_reopens_it(desk, portal):
    inquiry = online(portal)
    inquiry_reply(inquiry_id=inquiry.pk, body="答复。", acting_user=desk.agent, now=MONDAY)
    inquiry_resolve(inquiry_id=inquiry.pk, resolution="已答复", acting_user=desk.agent, now=MONDAY)
    inquiry_customer_message(
        inquiry_id=inquiry.pk,
        body="还有一个问题：免赔额怎么算？",
        acting_user=portal,
        now=MONDAY + timedelta(hours=1),
    )
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.resolved_at) == ("open", None)
    assert list(InquiryStatusChange.objects.values_list("action", flat=True)) == [
        "receive",
        "reply",
        "resolve",
        "reopen",
    ]
    reply_clocks = SlaClock.objects.filter(
        subject_type="servicedesk.inquiry",
        subject_id=str(inquiry.pk),
        standard_version__standard__code="sales.online_inquiry.reply",
    ).order_by("id")
    assert [clock.state for clock in reply_clocks] == ["met", "running"]


def test_another_customer_cannot_write_on_an_inquiry_and_learns_nothing(desk, portal):
    inquiry = online(portal)
    stranger = make_portal_user(make_other_customer())
    with pytest.raises(InquiryNotFound):
        inquiry_customer_message(inquiry_id=inquiry.pk, body="?", acting_user=stranger)
    assert inquiry.messages.count() == 1


# Transfers ------------------------------------------------------------------------------------


def test_a_transfer_hands_the_clocks_over_and_their_time_continues(desk, portal):
    inquiry = online(portal)
    inquiry_classify(
        inquiry_id=inquiry.pk, classification="simple", acting_user=desk.agent, now=MONDAY
    )
    before = {code: clock.due_at for code, clock in clocks_of(inquiry).items()}
    transfer = inquiry_transfer(
        inquiry_id=inquiry.pk,
        department_id=desk.claims_agent.department_id,
        assignee_id=desk.claims_agent.pk,
        reason="涉及理赔材料，转理赔部。",
        acting_user=desk.agent,
        now=MONDAY + timedelta(minutes=5),
    )
    inquiry.refresh_from_db()
    assert (inquiry.department, inquiry.assignee) == (
        desk.claims_agent.department,
        desk.claims_agent,
    )
    assert (transfer.from_department.code, transfer.to_department.code) == (
        "customer_service",
        "claims",
    )
    for code, clock in clocks_of(inquiry).items():
        assert clock.state == "running"
        assert clock.due_at == before[code]
        assert (clock.assignee, clock.department) == (
            desk.claims_agent,
            desk.claims_agent.department,
        )
    note = Message.objects.get(template="servicedesk_inquiry_transferred")
    assert note.recipient == desk.claims_agent


def test_a_transfer_to_where_it_is_already_is_refused(desk):
    inquiry = log_call(desk)
    with pytest.raises(ValidationFailed) as caught:
        inquiry_transfer(
            inquiry_id=inquiry.pk,
            department_id=desk.agent.department_id,
            assignee_id=desk.agent.pk,
            reason="x",
            acting_user=desk.agent,
        )
    assert caught.value.fields[0].rule == "unchanged"
    assert InquiryTransfer.objects.count() == 0


def test_a_transfer_to_someone_outside_the_department_is_refused(desk):
    inquiry = log_call(desk)
    with pytest.raises(ValidationFailed) as caught:
        inquiry_transfer(
            inquiry_id=inquiry.pk,
            department_id=desk.claims_agent.department_id,
            assignee_id=desk.agent2.pk,
            reason="x",
            acting_user=desk.agent,
        )
    assert (caught.value.fields[0].field, caught.value.fields[0].rule) == (
        "assignee_id",
        "department",
    )
    inquiry.refresh_from_db()
    assert inquiry.assignee == desk.agent


def test_a_resolved_inquiry_takes_no_reply(desk):
    inquiry = log_call(desk, answer="好的", resolved=True)
    with pytest.raises(TransitionNotAllowed):
        inquiry_reply(inquiry_id=inquiry.pk, body="再答", acting_user=desk.agent)
    assert inquiry.messages.count() == 2


def test_a_portal_user_cannot_reply_as_staff(portal):
    inquiry = online(portal)
    with pytest.raises(ServicedeskPermissionDenied):
        inquiry_reply(inquiry_id=inquiry.pk, body="我自己回答", acting_user=portal)
    assert inquiry.messages.count() == 1


def test_canned_answers_are_kept_by_code(desk):
    canned_answer_save(code="hours", title="时间", body="8:30-17:30", acting_user=desk.agent)
    canned_answer_save(code="hours", title="服务时间", body="8:30-17:30", acting_user=desk.agent)
    assert list(CannedAnswer.objects.values_list("code", "title")) == [("hours", "服务时间")]
    with pytest.raises(ValidationFailed) as caught:
        canned_answer_save(code="Bad Code!", title="t", body="b", acting_user=desk.agent)
    assert caught.value.fields[0].field == "code"
    with pytest.raises(ServicedeskPermissionDenied):
        canned_answer_save(code="x", title="t", body="b", acting_user=desk.outsider)
