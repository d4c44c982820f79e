"""Email intake from real .eml files (Chinese subjects and bodies in GB2312 and UTF-8, HTML
only, attachments with Chinese names, an attachment too large, a mail without a sender), the
`coverdesk inquiries fetch` command on a directory and on IMAP, and replies sent back threaded
(In-Reply-To, References) through the reply-mail job."""

import shutil
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from coverdesk.accounts.services import departments_ensure_defaults
from coverdesk.audit.models import AuditEntry
from coverdesk.core import clock
from coverdesk.servicedesk.mail import MailUnreadable, mail_parse, reply_subject
from coverdesk.servicedesk.models import Inquiry, InquiryAttachment, InquiryMessage
from coverdesk.servicedesk.services import reply_mail
from coverdesk.servicedesk.services.inquiries import (
    inquiry_receive_email,
    inquiry_reply,
    inquiry_resolve,
)
from coverdesk.servicedesk.services.reply_mail import reply_mail_deliver_batch
from coverdesk.servicedesk.tests.factories import MONDAY, at, make_customer, make_desk
from coverdesk.servicedesk.tests.helpers import clocks_of, counts
from coverdesk.sla.models import SlaClock

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "mail"
FIRST = "01_gb2312_with_attachment.eml"
HTML = "02_utf8_html_only.eml"
FOLLOW_UP = "03_followup_threaded.eml"
OVERSIZED = "04_oversized_attachment.eml"
NO_SENDER = "05_no_sender.eml"
FIRST_ID = "<20260824085203.4F2A1@police-aviation.example.cn>"


def raw(name):
    return (FIXTURES / name).read_bytes()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def desk():
    return make_desk()


@pytest.fixture(autouse=True)
def departments():
    return departments_ensure_defaults()


@pytest.fixture
def police():
    return make_customer(email="liming@police-aviation.example.cn")


@pytest.fixture
def frozen(monkeypatch):
    moment = {"now": MONDAY}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])
    return moment


# Parsing ------------------------------------------------------------------------------------


def test_a_gb2312_mail_is_read_with_its_chinese_subject_body_and_attachment_name():
    parsed = mail_parse(raw(FIRST))
    assert parsed.message_id == FIRST_ID
    assert parsed.subject == "咨询：新增H175直升机的保险起期"
    assert (parsed.sender_name, parsed.sender_address) == (
        "李明",
        "liming@police-aviation.example.cn",
    )
    assert "我队新购置一架H175直升机（注册号B-7711）" in parsed.body
    assert [(a.name, a.content_type, a.data[:5]) for a in parsed.attachments] == [
        ("适航证书.pdf", "application/pdf", b"%PDF-")
    ]
    assert parsed.thread_ids == []


def test_an_html_only_mail_is_read_as_text():
    parsed = mail_parse(raw(HTML))
    assert parsed.subject == "关于理赔进度的询问"
    assert "<" not in parsed.body
    assert "我们上周报案的旋翼损坏理赔，现在进展到哪一步了？" in parsed.body


def test_a_follow_up_names_the_mails_it_answers_nearest_first():
    parsed = mail_parse(raw(FOLLOW_UP))
    assert parsed.thread_ids == ["<servicedesk.not-known-here@coverdesk.example>", FIRST_ID]


def test_a_mail_without_a_sender_is_unreadable():
    with pytest.raises(MailUnreadable, match="no sender address"):
        mail_parse(raw(NO_SENDER))


def test_a_mail_without_message_id_gets_one_from_its_bytes():
    data = b"From: a@example.com\r\nSubject: hi\r\n\r\nhello\r\n"
    assert mail_parse(data).message_id == mail_parse(data).message_id
    assert mail_parse(data).message_id.endswith("@servicedesk.invalid>")
    assert mail_parse(data).message_id != mail_parse(data + b"!").message_id


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("保险起期", "Re: 保险起期"),
        ("Re: 保险起期", "Re: 保险起期"),
        ("回复：保险起期", "回复：保险起期"),
    ],
)
def test_reply_subjects(subject, expected):
    assert reply_subject(subject) == expected


# Intake -------------------------------------------------------------------------------------


def test_an_email_becomes_an_inquiry_of_the_customer_with_the_email_reply_clock(police, media):
    intake = inquiry_receive_email(raw=raw(FIRST), now=MONDAY)
    inquiry = intake.inquiry
    assert (intake.created, intake.duplicate, intake.rejected) == (True, False, [])
    assert (inquiry.channel, inquiry.status, inquiry.customer) == ("email", "open", police)
    assert inquiry.subject == "咨询：新增H175直升机的保险起期"
    assert (inquiry.contact_name, inquiry.contact_email) == (
        "李明",
        "liming@police-aviation.example.cn",
    )
    assert inquiry.department.code == "customer_service"
    message = inquiry.messages.get()
    assert (message.kind, message.message_id, message.author_name) == ("customer", FIRST_ID, "李明")
    assert "注册号B-7711" in message.body
    stored = message.attachments.get()
    assert stored.original_name == "适航证书.pdf"
    assert (Path(media) / stored.path).read_bytes().startswith(b"%PDF-1.4")
    clock_ = clocks_of(inquiry)["sales.email_inquiry.reply"]
    assert (clock_.state, clock_.due_at) == ("running", at(2026, 8, 25, 17, 30))
    assert AuditEntry.objects.filter(action="servicedesk.inquiry.receive_email").count() == 1


def test_an_email_read_twice_changes_nothing(police):
    inquiry_receive_email(raw=raw(FIRST), now=MONDAY)
    before = counts(Inquiry, InquiryMessage, InquiryAttachment, SlaClock, AuditEntry)
    again = inquiry_receive_email(raw=raw(FIRST), now=MONDAY + timedelta(hours=1))
    assert (again.duplicate, again.inquiry, again.message_id) == (True, None, FIRST_ID)
    assert counts(Inquiry, InquiryMessage, InquiryAttachment, SlaClock, AuditEntry) == before


def test_an_unknown_sender_makes_an_inquiry_without_a_customer():
    intake = inquiry_receive_email(raw=raw(HTML), now=MONDAY)
    assert intake.inquiry.customer is None
    assert intake.inquiry.contact_email == "wangfang@example.net"


def test_a_follow_up_mail_joins_its_inquiry_and_reopens_it(desk, police):
    first = inquiry_receive_email(raw=raw(FIRST), now=MONDAY).inquiry
    inquiry_reply(
        inquiry_id=first.pk, body="您好，起期为批单生效日。", acting_user=desk.agent, now=MONDAY
    )
    inquiry_resolve(inquiry_id=first.pk, resolution="已答复", acting_user=desk.agent, now=MONDAY)
    intake = inquiry_receive_email(raw=raw(FOLLOW_UP), now=at(2026, 8, 24, 11, 5))
    assert (intake.created, intake.inquiry.pk) == (False, first.pk)
    first.refresh_from_db()
    assert first.status == "open"
    assert first.messages.count() == 3
    reply_clocks = [
        c.state
        for c in SlaClock.objects.filter(
            subject_type="servicedesk.inquiry",
            subject_id=str(first.pk),
            standard_version__standard__code="sales.email_inquiry.reply",
        ).order_by("id")
    ]
    assert reply_clocks == ["met", "running"]
    assert Inquiry.objects.count() == 1


def test_an_attachment_too_large_is_refused_with_the_reason_and_the_question_kept(settings, media):
    settings.COVERDESK_SERVICEDESK_ATTACHMENT_MAX_BYTES = 2048
    intake = inquiry_receive_email(raw=raw(OVERSIZED), now=MONDAY)
    assert intake.created
    assert [(r["name"], r["rule"]) for r in intake.rejected] == [
        ("维修报价单.pdf", "max_size"),
        ("setup.exe", "file_type"),
    ]
    assert intake.rejected[0]["reason"] == (
        "维修报价单.pdf is 0.0 MB; a file may have at most 0.0 MB."
    )
    assert intake.rejected[0]["size"] == 4144
    message = intake.inquiry.messages.get()
    assert message.rejected_attachments == intake.rejected
    assert list(message.attachments.values_list("original_name", flat=True)) == ["检测报告.pdf"]
    assert len(list(Path(media).rglob("*.pdf"))) == 1


def test_an_unreadable_mail_changes_nothing():
    with pytest.raises(MailUnreadable):
        inquiry_receive_email(raw=raw(NO_SENDER), now=MONDAY)
    assert counts(Inquiry, InquiryMessage, SlaClock) == (0, 0, 0)


# Replies by email ---------------------------------------------------------------------------


def test_a_reply_goes_out_threaded_and_the_customers_answer_to_it_joins_the_inquiry(desk, police):
    inquiry = inquiry_receive_email(raw=raw(FIRST), now=MONDAY).inquiry
    reply = inquiry_reply(
        inquiry_id=inquiry.pk,
        body="李先生您好：\n新增飞机自批单生效日零时起承担保险责任。",
        acting_user=desk.agent,
        now=MONDAY + timedelta(hours=1),
    )
    assert (reply.delivery_status, reply.in_reply_to, reply.references) == (
        "pending",
        FIRST_ID,
        FIRST_ID,
    )
    assert reply.email_subject == "Re: 咨询：新增H175直升机的保险起期"
    assert clocks_of(inquiry)["sales.email_inquiry.reply"].met is True
    mail.outbox.clear()
    assert reply_mail_deliver_batch(now=MONDAY + timedelta(hours=1, minutes=1)) == 1
    (sent,) = mail.outbox
    assert sent.to == ["liming@police-aviation.example.cn"]
    parsed = message_from_bytes(sent.message().as_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == reply.message_id
    assert parsed["In-Reply-To"] == FIRST_ID
    assert parsed["References"] == FIRST_ID
    # Django folds the encoded subject onto a continuation line; unfolded it reads the same.
    assert parsed["Subject"].strip() == "Re: 咨询：新增H175直升机的保险起期"
    text = parsed.get_body(("plain",)).get_content()
    assert text.startswith("李先生您好：\n新增飞机自批单生效日零时起承担保险责任。")
    assert "> 我队新购置一架H175直升机" in text
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.delivery_attempts) == ("sent", 1)
    # Nothing is sent twice.
    assert reply_mail_deliver_batch(now=MONDAY + timedelta(hours=2)) == 0
    assert len(mail.outbox) == 1

    answer = (
        "From: =?utf-8?b?5p2O5piO?= <liming@police-aviation.example.cn>\r\n"
        "Subject: =?utf-8?b?UmU6IOWSqOivog==?=\r\n"
        "Message-ID: <answer-1@police-aviation.example.cn>\r\n"
        f"In-Reply-To: {reply.message_id}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + "收到，谢谢。".encode()
    intake = inquiry_receive_email(raw=answer, now=MONDAY + timedelta(hours=3))
    assert (intake.created, intake.inquiry.pk) == (False, inquiry.pk)


def test_a_failed_delivery_is_retried_later_and_given_up_after_the_last_attempt(
    desk, police, settings, monkeypatch
):
    settings.COVERDESK_OUTBOX_MAX_ATTEMPTS = 2
    inquiry = inquiry_receive_email(raw=raw(FIRST), now=MONDAY).inquiry
    reply = inquiry_reply(inquiry_id=inquiry.pk, body="答复", acting_user=desk.agent, now=MONDAY)

    def refuse(self, *args, **kwargs):
        raise SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr(reply_mail.EmailMessage, "send", refuse)
    assert reply_mail_deliver_batch(now=MONDAY) == 1
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.delivery_attempts) == ("pending", 1)
    assert reply.last_error == "SMTPServerDisconnected: mail server went away"
    assert reply.next_attempt_at >= MONDAY + timedelta(seconds=30)
    assert reply_mail_deliver_batch(now=MONDAY + timedelta(seconds=1)) == 0  # not due yet
    assert reply_mail_deliver_batch(now=MONDAY + timedelta(hours=1)) == 1
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.delivery_attempts, reply.next_attempt_at) == (
        "failed",
        2,
        None,
    )


def test_a_reply_with_an_attachment_carries_it(desk, police):
    from django.core.files.uploadedfile import SimpleUploadedFile

    inquiry = inquiry_receive_email(raw=raw(FIRST), now=MONDAY).inquiry
    inquiry_reply(
        inquiry_id=inquiry.pk,
        body="附投保单。",
        attachments=[SimpleUploadedFile("投保单.pdf", b"%PDF-1.4 form")],
        acting_user=desk.agent,
        now=MONDAY,
    )
    mail.outbox.clear()
    reply_mail_deliver_batch(now=MONDAY)
    (sent,) = mail.outbox
    assert sent.attachments[0][0] == "投保单.pdf"
    assert sent.attachments[0][1] == b"%PDF-1.4 form"


# The command --------------------------------------------------------------------------------


def test_fetch_from_a_directory_reads_each_mail_once(police, tmp_path, frozen, capsys, settings):
    settings.COVERDESK_SERVICEDESK_ATTACHMENT_MAX_BYTES = 2048
    folder = tmp_path / "mail"
    shutil.copytree(FIXTURES, folder)
    with pytest.raises(CommandError) as caught:
        call_command("inquiries", "fetch", "--maildir", str(folder))
    assert caught.value.returncode == 1  # the mail without a sender
    out, err = capsys.readouterr()
    first, html = Inquiry.objects.order_by("pk")[:2]
    assert f"{FIRST}: new inquiry #{first.pk}" in out
    assert f"{HTML}: new inquiry #{html.pk}" in out
    assert f"{FOLLOW_UP}: added to inquiry #{first.pk}" in out
    assert "attachment 维修报价单.pdf refused: 维修报价单.pdf is 0.0 MB" in out
    assert "attachment setup.exe refused: setup.exe: this type of file is not accepted" in out
    assert f"{NO_SENDER}: unreadable: no sender address (From)" in err
    assert Inquiry.objects.count() == 3

    with pytest.raises(CommandError):
        call_command("inquiries", "fetch", "--maildir", str(folder))
    out, _err = capsys.readouterr()
    assert f"{FIRST}: already read ({FIRST_ID})" in out
    assert Inquiry.objects.count() == 3


def test_fetch_reads_a_maildir_new_and_cur(tmp_path, frozen, capsys):
    for sub in ("new", "cur", "tmp"):
        (tmp_path / sub).mkdir()
    shutil.copy(FIXTURES / FIRST, tmp_path / "new" / "1724460723.M1P1.host")
    shutil.copy(FIXTURES / HTML, tmp_path / "cur" / "1724460724.M2P1.host:2,S")
    call_command("inquiries", "fetch", "--maildir", str(tmp_path))
    assert Inquiry.objects.count() == 2


def test_fetch_refuses_a_missing_directory(tmp_path):
    with pytest.raises(CommandError) as caught:
        call_command("inquiries", "fetch", "--maildir", str(tmp_path / "nope"))
    assert caught.value.returncode == 2
    assert "--maildir" in str(caught.value)


class FakeImap:
    """What the command uses of imaplib.IMAP4_SSL, over the fixture files."""

    instances = []

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.messages = {b"11": raw(FIRST), b"12": raw(HTML), b"13": raw(NO_SENDER)}
        self.seen, self.calls = set(), []
        FakeImap.instances.append(self)

    def login(self, user, password):
        self.calls.append(("login", user, password))
        return "OK", [b"logged in"]

    def select(self, mailbox):
        self.calls.append(("select", mailbox))
        return "OK", [b"3"]

    def uid(self, command, *args):
        if command == "SEARCH":
            unseen = [uid for uid in self.messages if uid not in self.seen]
            return "OK", [b" ".join(unseen)]
        if command == "FETCH":
            uid = args[0].encode()
            return "OK", [(b"1 (UID " + uid + b" BODY[] {n}", self.messages[uid]), b")"]
        if command == "STORE":
            assert args[1:] == ("+FLAGS", "(\\Seen)")
            self.seen.add(args[0].encode())
            return "OK", []
        raise AssertionError(command)

    def logout(self):
        self.calls.append(("logout",))
        return "BYE", []


def test_fetch_from_imap_marks_what_it_stored_as_seen(monkeypatch, frozen, capsys):
    from coverdesk.servicedesk.management.commands import inquiries as command

    FakeImap.instances.clear()
    monkeypatch.setattr(command.imaplib, "IMAP4_SSL", FakeImap)
    monkeypatch.setenv("COVERDESK_IMAP_PASSWORD", "s3cret")
    with pytest.raises(CommandError) as caught:
        call_command(
            "inquiries", "fetch", "--imap", "imap.example.cn", "--user", "service@example.cn"
        )
    assert caught.value.returncode == 1
    (server,) = FakeImap.instances
    assert (server.host, server.port) == ("imap.example.cn", 993)
    assert server.calls[0] == ("login", "service@example.cn", "s3cret")
    assert server.seen == {b"11", b"12"}  # the unreadable one stays unseen for a person to see
    assert server.calls[-1] == ("logout",)
    assert Inquiry.objects.count() == 2
    out, err = capsys.readouterr()
    assert "uid 11: new inquiry" in out
    assert "uid 13: unreadable" in err


def test_fetch_from_imap_needs_the_password(monkeypatch):
    monkeypatch.delenv("COVERDESK_IMAP_PASSWORD", raising=False)
    with pytest.raises(CommandError) as caught:
        call_command("inquiries", "fetch", "--imap", "imap.example.cn", "--user", "u")
    assert caught.value.returncode == 2
    assert "COVERDESK_IMAP_PASSWORD is not set" in str(caught.value)
