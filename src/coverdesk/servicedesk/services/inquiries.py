"""Inquiries (咨询, domain.md §3.4 and the service rows of §4) on every channel.

Clocks (sla standards; codes in the constants below):

- The channel's reply: email 1 WD (`sales.email_inquiry.reply`); online and API "real time,
  else tell the expected time within 30 minutes" (`sales.online_inquiry.reply`), met by a
  reply or by an expected-time notice. A logged phone call was answered: no reply clock (a
  missed call is a call-back task, services/callbacks.py).
- The question, from its classification: simple — answered within 1 WD
  (`service.question.general`, stopped by the first reply); complex — first reply within
  3 WD (`service.question.complex`), then a progress update to the customer every working day
  until resolved (`service.question.complex.update`: each reply stops the day's clock and
  starts the next; resolving stops it). A reclassification cancels the old clock with the
  reason and counts the new standard from the reclassification.
- A transfer hands the open clocks to the new department or person; their time continues.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import Department, User
from coverdesk.audit.services import audit_record
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.core.uploads import CheckedUpload, Upload, written_files_guard
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.services import notification_send
from coverdesk.parties.models import Party
from coverdesk.parties.validation import clean_email, clean_phone
from coverdesk.policies.models import Policy
from coverdesk.servicedesk.choices import (
    Classification,
    DeliveryStatus,
    InquiryAction,
    InquiryChannel,
    InquiryStatus,
    MessageKind,
)
from coverdesk.servicedesk.exceptions import (
    CallbackNotFound,
    CannedAnswerNotFound,
    InquiryNotFound,
)
from coverdesk.servicedesk.mail import (
    MailAttachment,
    ParsedMail,
    mail_parse,
    references_for_reply,
    reply_subject,
)
from coverdesk.servicedesk.models import (
    CallbackTask,
    CannedAnswer,
    Inquiry,
    InquiryMessage,
    InquiryStatusChange,
    InquiryTransfer,
)
from coverdesk.servicedesk.selectors.customers import customer_by_email
from coverdesk.servicedesk.services.attachments import (
    BytesUpload,
    attachment_check,
    attachments_check,
    attachments_store,
    attachments_summary,
)
from coverdesk.servicedesk.services.callbacks import callback_attempt_write
from coverdesk.servicedesk.services.common import (
    BODY_LIMIT,
    NAME_LIMIT,
    NOTE_LIMIT,
    PERM_INQUIRY,
    REASON_LIMIT,
    SUBJECT_LIMIT,
    choice_clean,
    clock_cancel,
    clock_is_open,
    clock_reassign,
    clock_start,
    clock_stop,
    customer_clean,
    customer_of_portal_user,
    customer_portal_users,
    default_department,
    department_clean,
    moment_of,
    permission_require,
    policy_clean,
    staff_user_clean,
    status_move,
    text_clean,
)
from coverdesk.servicedesk.transitions import TransitionNotAllowed, transition_check

RESPONSE_STANDARDS: dict[str, str] = {
    InquiryChannel.EMAIL: "sales.email_inquiry.reply",
    InquiryChannel.ONLINE: "sales.online_inquiry.reply",
    InquiryChannel.API: "sales.online_inquiry.reply",
}
QUESTION_STANDARDS: dict[str, str] = {
    Classification.SIMPLE: "service.question.general",
    Classification.COMPLEX: "service.question.complex",
}
UPDATE_STANDARD = "service.question.complex.update"
ONLINE_CHANNELS = frozenset({InquiryChannel.ONLINE, InquiryChannel.API})


# Helpers ----------------------------------------------------------------------------------


def _locked(inquiry_id: int) -> Inquiry:
    inquiry = (
        Inquiry.objects.select_for_update(of=("self",))
        .select_related("customer", "department", "assignee")
        .filter(pk=inquiry_id)
        .first()
    )
    if inquiry is None:
        raise InquiryNotFound()
    return inquiry


def _move(
    inquiry: Inquiry,
    action: str,
    target: str,
    *,
    user: User | None,
    moment: datetime,
    note: str = "",
) -> None:
    status_move(
        inquiry,
        what="inquiry",
        history=InquiryStatusChange,
        owner_field="inquiry",
        action=action,
        target=target,
        user=user,
        moment=moment,
        note=note,
    )


def _snapshot(inquiry: Inquiry) -> dict[str, Any]:
    return {
        "status": inquiry.status,
        "channel": inquiry.channel,
        "classification": inquiry.classification,
        "customer": inquiry.customer_id,
        "department": inquiry.department_id,
        "assignee": inquiry.assignee_id,
        "policy": inquiry.policy_id,
        "claim_reference": inquiry.claim_reference,
    }


def _mail_domain() -> str:
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or "coverdesk.invalid"


def _outbound_message_id() -> str:
    return f"<servicedesk.{uuid.uuid4().hex}@{_mail_domain()}>"


def _staff_or_owner(user: User | None, inquiry: Inquiry) -> User:
    """Staff who handle inquiries, or a portal user of the inquiry's customer; anyone else
    learns nothing (not found)."""
    if user is not None and user.is_active and user.has_perm(PERM_INQUIRY):
        return user
    own = customer_of_portal_user(user)
    if user is None or own is None or inquiry.customer_id != own:
        raise InquiryNotFound()
    return user


def _message_write(
    inquiry: Inquiry,
    *,
    kind: str,
    body: str,
    moment: datetime,
    user: User | None,
    uploads: Sequence[CheckedUpload],
    written: list[Path],
    author_name: str = "",
    **fields: Any,
) -> InquiryMessage:
    message = InquiryMessage.objects.create(
        inquiry=inquiry,
        kind=kind,
        body=body,
        at=moment,
        author=user,
        author_name=author_name or (str(user) if user is not None else ""),
        **fields,
    )
    attachments_store(message, uploads, written=written, moment=moment)
    return message


def _question_clock_start(inquiry: Inquiry, *, user: User | None, moment: datetime) -> None:
    """Start the clock the classification asks for: the question's own (if no reply yet), or,
    for a complex question already answered once, the daily progress update."""
    if not inquiry.classification or inquiry.status == InquiryStatus.RESOLVED:
        return
    if inquiry.first_replied_at is None:
        inquiry.question_clock_id = clock_start(
            subject=inquiry,
            standard_code=QUESTION_STANDARDS[inquiry.classification],
            assignee=inquiry.assignee,
            department=inquiry.department,
            user=user,
            moment=moment,
            customer_updates=False,
        )
    elif inquiry.classification == Classification.COMPLEX:
        _update_clock_restart(inquiry, user=user, moment=moment)


def _update_clock_restart(inquiry: Inquiry, *, user: User | None, moment: datetime) -> None:
    clock_stop(inquiry.update_clock_id, user=user, moment=moment)
    inquiry.update_clock_id = clock_start(
        subject=inquiry,
        standard_code=UPDATE_STANDARD,
        assignee=inquiry.assignee,
        department=inquiry.department,
        user=user,
        moment=moment,
    )


def _customer_visible_reply(
    inquiry: Inquiry,
    *,
    user: User,
    moment: datetime,
    notice_only: bool = False,
    settles: bool = False,
) -> None:
    """What a reply (or, for online inquiries, an expected-time notice) does to the clocks. A
    reply that settles the question starts no further progress update."""
    clock_stop(inquiry.response_clock_id, user=user, moment=moment)
    if notice_only:
        return
    first = inquiry.first_replied_at is None
    if first:
        inquiry.first_replied_at = moment
        clock_stop(inquiry.question_clock_id, user=user, moment=moment)
    if inquiry.classification == Classification.COMPLEX and not settles:
        _update_clock_restart(inquiry, user=user, moment=moment)


def _all_clocks_stop(inquiry: Inquiry, *, user: User | None, moment: datetime) -> None:
    for clock_id in (inquiry.response_clock_id, inquiry.question_clock_id, inquiry.update_clock_id):
        clock_stop(clock_id, user=user, moment=moment)


def _response_clock_start(inquiry: Inquiry, *, user: User | None, moment: datetime) -> None:
    standard = RESPONSE_STANDARDS.get(inquiry.channel)
    if standard is None or clock_is_open(inquiry.response_clock_id):
        return
    inquiry.response_clock_id = clock_start(
        subject=inquiry,
        standard_code=standard,
        assignee=inquiry.assignee,
        department=inquiry.department,
        user=user,
        moment=moment,
    )


def _classification_clean(value: str, *, required: bool) -> str:
    if not value and not required:
        return ""
    return choice_clean(
        value,
        field="classification",
        choices=Classification.values,
        message=_("Choose simple or complex."),
    )


def _links(
    *, customer: Party | None, policy_number: str, claim_reference: str
) -> tuple[Party | None, Policy | None, str]:
    policy = policy_clean(policy_number, customer=customer)
    if customer is None and policy is not None:
        customer = policy.customer
    claim = text_clean(claim_reference, field="claim_reference", limit=64)
    return customer, policy, claim


def _notify_customer(
    inquiry: Inquiry, *, template: str, context: dict[str, Any], key: str, moment: datetime
) -> None:
    recipients = customer_portal_users(inquiry.customer)
    if not recipients or inquiry.channel == InquiryChannel.EMAIL:
        return
    notification_send(
        recipients=recipients,
        template=template,
        context={"inquiry_id": inquiry.pk, "subject": inquiry.subject, **context},
        channels=[Channel.IN_APP],
        subject=inquiry,
        dedupe_key=f"servicedesk.inquiry.{inquiry.pk}.{key}",
        now=moment,
    )


# Intake -----------------------------------------------------------------------------------


@transaction.atomic
def inquiry_log_call(
    *,
    acting_user: User | None,
    subject: str,
    question: str,
    classification: str,
    customer_id: int | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    policy_number: str = "",
    claim_reference: str = "",
    answer: str = "",
    resolved: bool = False,
    callback_task_id: int | None = None,
    now: datetime | None = None,
) -> Inquiry:
    """One screen for a phone call: who called, about what, the question and its class, and
    what the agent answered on the phone (if anything) and whether that settled it. The call
    was answered, so only the question's clock runs; an answer on the call is its first reply.
    With `callback_task_id` the call is a call-back that reached the caller."""
    user = permission_require(acting_user, PERM_INQUIRY)
    moment = moment_of(now)
    cleaned_subject = text_clean(subject, field="subject", required=True, limit=SUBJECT_LIMIT)
    cleaned_question = text_clean(question, field="question", required=True, limit=BODY_LIMIT)
    kind = _classification_clean(classification, required=True)
    name = text_clean(contact_name, field="contact_name", limit=NAME_LIMIT)
    phone = clean_phone(contact_phone, field="contact_phone") if contact_phone.strip() else ""
    cleaned_answer = text_clean(answer, field="answer", required=resolved, limit=BODY_LIMIT)
    customer, policy, claim = _links(
        customer=customer_clean(customer_id),
        policy_number=policy_number,
        claim_reference=claim_reference,
    )
    task: CallbackTask | None = None
    if callback_task_id is not None:
        task = CallbackTask.objects.select_for_update().filter(pk=callback_task_id).first()
        if task is None:
            raise CallbackNotFound()
    inquiry = Inquiry.objects.create(
        channel=InquiryChannel.PHONE,
        classification=kind,
        status="",
        customer=customer,
        contact_name=name,
        contact_phone=phone or None,
        subject=cleaned_subject,
        policy=policy,
        claim_reference=claim,
        assignee=user,
        department=user.department,
        received_at=moment,
        received_by=user,
    )
    _move(inquiry, InquiryAction.RECEIVE, InquiryStatus.OPEN, user=user, moment=moment)
    _message_write(
        inquiry,
        kind=MessageKind.CUSTOMER,
        body=cleaned_question,
        moment=moment,
        user=user,
        author_name=name,
        uploads=[],
        written=[],
    )
    _question_clock_start(inquiry, user=user, moment=moment)
    if cleaned_answer:
        _move(inquiry, InquiryAction.REPLY, InquiryStatus.ANSWERED, user=user, moment=moment)
        _message_write(
            inquiry,
            kind=MessageKind.REPLY,
            body=cleaned_answer,
            moment=moment,
            user=user,
            uploads=[],
            written=[],
        )
        _customer_visible_reply(inquiry, user=user, moment=moment, settles=resolved)
    if resolved:
        _move(inquiry, InquiryAction.RESOLVE, InquiryStatus.RESOLVED, user=user, moment=moment)
        inquiry.resolved_at, inquiry.resolution = moment, cleaned_answer
        _all_clocks_stop(inquiry, user=user, moment=moment)
    inquiry.save()
    if task is not None:
        callback_attempt_write(
            task, reached=True, note="", user=user, moment=moment, inquiry=inquiry
        )
    audit_record(
        action="servicedesk.inquiry.log_call",
        actor=user,
        subject=inquiry,
        after={
            **_snapshot(inquiry),
            "answered_on_call": bool(cleaned_answer),
            "callback_task": task.pk if task is not None else None,
        },
        now=moment,
    )
    return inquiry


@transaction.atomic
def inquiry_receive_online(
    *,
    acting_user: User | None,
    subject: str,
    body: str,
    channel: str = InquiryChannel.ONLINE,
    customer_id: int | None = None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    policy_number: str = "",
    claim_reference: str = "",
    attachments: Sequence[Upload] = (),
    now: datetime | None = None,
) -> Inquiry:
    """An inquiry sent through the portal form or the API. A customer's portal user sends it
    for their own organisation (any `customer_id` given is ignored); staff entering one for a
    customer name the customer. The online reply clock starts at once."""
    moment = moment_of(now)
    own = customer_of_portal_user(acting_user)
    if own is None:
        user = permission_require(acting_user, PERM_INQUIRY)
        customer = customer_clean(customer_id)
    else:
        assert acting_user is not None
        user = acting_user
        customer = Party.objects.get(pk=own)
    chosen = choice_clean(
        channel,
        field="channel",
        choices=ONLINE_CHANNELS,
        message=_("An online inquiry comes through the portal or the API."),
    )
    cleaned_subject = text_clean(subject, field="subject", required=True, limit=SUBJECT_LIMIT)
    cleaned_body = text_clean(body, field="body", required=True, limit=BODY_LIMIT)
    name = text_clean(contact_name, field="contact_name", limit=NAME_LIMIT) or (
        str(user) if own is not None else ""
    )
    email = clean_email(contact_email, field="contact_email") if contact_email.strip() else ""
    phone = clean_phone(contact_phone, field="contact_phone") if contact_phone.strip() else ""
    customer, policy, claim = _links(
        customer=customer, policy_number=policy_number, claim_reference=claim_reference
    )
    checked = attachments_check(attachments)
    department = default_department()
    with written_files_guard() as written:
        inquiry = Inquiry.objects.create(
            channel=chosen,
            status="",
            customer=customer,
            contact_name=name,
            contact_email=email or None,
            contact_phone=phone or None,
            subject=cleaned_subject,
            policy=policy,
            claim_reference=claim,
            department=department,
            received_at=moment,
            received_by=user if own is None else None,
        )
        _move(inquiry, InquiryAction.RECEIVE, InquiryStatus.OPEN, user=user, moment=moment)
        _message_write(
            inquiry,
            kind=MessageKind.CUSTOMER,
            body=cleaned_body,
            moment=moment,
            user=user,
            author_name=name,
            uploads=checked,
            written=written,
        )
        _response_clock_start(inquiry, user=user, moment=moment)
        inquiry.save()
        audit_record(
            action="servicedesk.inquiry.receive",
            actor=user,
            subject=inquiry,
            after={**_snapshot(inquiry), "attachments": attachments_summary(checked)},
            now=moment,
        )
    return inquiry


@dataclass(frozen=True)
class EmailIntake:
    """What one email became: a new inquiry, a message on an existing one, or nothing (it
    was read before: `duplicate`). `rejected` lists the attachments not kept, with why."""

    message_id: str
    inquiry: Inquiry | None
    created: bool
    duplicate: bool
    rejected: list[dict[str, Any]] = field(default_factory=list)


def _email_attachments(
    attachments: Sequence[MailAttachment],
) -> tuple[list[CheckedUpload], list[dict[str, Any]]]:
    """Attachments that pass the checks, and a reason for each one that does not (an email
    cannot be sent back for correction, so its question is kept and the file refused)."""
    kept: list[CheckedUpload] = []
    rejected: list[dict[str, Any]] = []
    for attachment in attachments:
        try:
            kept.append(attachment_check(BytesUpload(attachment.name, attachment.data)))
        except ValidationFailed as error:
            rejected.append(
                {
                    "name": attachment.name,
                    "size": len(attachment.data),
                    "rule": error.fields[0].rule if error.fields else error.code,
                    "reason": str(error.fields[0].message) if error.fields else error.message,
                }
            )
    return kept, rejected


def _thread_inquiry(mail: ParsedMail) -> Inquiry | None:
    ids = mail.thread_ids
    if not ids:
        return None
    known = (
        InquiryMessage.objects.filter(message_id__in=ids)
        .values_list("message_id", "inquiry_id")
        .order_by("-at", "-id")
    )
    by_id = dict(known)
    for message_id in ids:
        if message_id in by_id:
            return _locked(by_id[message_id])
    return None


def inquiry_receive_email(*, raw: bytes, now: datetime | None = None) -> EmailIntake:
    """Turn one inbound email into an inquiry, or into a message on the inquiry it answers
    (by In-Reply-To / References). Idempotent by Message-ID: a mail read before changes
    nothing. Raises MailUnreadable for bytes that are no usable email."""
    mail = mail_parse(raw)
    if InquiryMessage.objects.filter(message_id=mail.message_id).exists():
        return EmailIntake(mail.message_id, None, created=False, duplicate=True)
    try:
        return _email_write(mail, now=now)
    except IntegrityError:
        # Another reader took the same mail meanwhile (the Message-ID is unique).
        if InquiryMessage.objects.filter(message_id=mail.message_id).exists():
            return EmailIntake(mail.message_id, None, created=False, duplicate=True)
        raise


@transaction.atomic
def _email_write(mail: ParsedMail, *, now: datetime | None) -> EmailIntake:
    moment = moment_of(now)
    kept, rejected = _email_attachments(mail.attachments)
    body = mail.body[:BODY_LIMIT] or str(_("(The email has no text.)"))
    existing = _thread_inquiry(mail)
    with written_files_guard() as written:
        if existing is not None:
            inquiry, created = existing, False
            before = _snapshot(inquiry)
            _customer_message_moves(inquiry, moment=moment, user=None)
        else:
            before = None
            customer = customer_by_email(mail.sender_address)
            inquiry, created = (
                Inquiry.objects.create(
                    channel=InquiryChannel.EMAIL,
                    status="",
                    customer=customer,
                    contact_name=mail.sender_name,
                    contact_email=mail.sender_address,
                    subject=mail.subject or str(_("(no subject)")),
                    department=default_department(),
                    received_at=moment,
                ),
                True,
            )
            _move(inquiry, InquiryAction.RECEIVE, InquiryStatus.OPEN, user=None, moment=moment)
            _response_clock_start(inquiry, user=None, moment=moment)
        _message_write(
            inquiry,
            kind=MessageKind.CUSTOMER,
            body=body,
            moment=moment,
            user=None,
            author_name=mail.sender_name or mail.sender_address,
            uploads=kept,
            written=written,
            message_id=mail.message_id,
            in_reply_to=mail.in_reply_to,
            references=" ".join(mail.references),
            email_subject=mail.subject,
            rejected_attachments=rejected,
        )
        inquiry.save()
        audit_record(
            action="servicedesk.inquiry.receive_email" if created else "servicedesk.inquiry.email",
            actor=None,
            subject=inquiry,
            before=before,
            after={
                **_snapshot(inquiry),
                "message_id": mail.message_id,
                "attachments": attachments_summary(kept),
                "rejected_attachments": rejected,
            },
            now=moment,
        )
    return EmailIntake(
        mail.message_id, inquiry, created=created, duplicate=False, rejected=rejected
    )


def _customer_message_moves(inquiry: Inquiry, *, moment: datetime, user: User | None) -> None:
    """A new message from the customer needs an answer again; on a resolved inquiry it
    reopens it. On the email channel it starts a new reply clock."""
    if inquiry.status == InquiryStatus.RESOLVED:
        _move(inquiry, InquiryAction.REOPEN, InquiryStatus.OPEN, user=user, moment=moment)
        inquiry.resolved_at = None
        _response_clock_start(inquiry, user=user, moment=moment)
        _question_clock_start(inquiry, user=user, moment=moment)
    else:
        _move(inquiry, InquiryAction.CUSTOMER_MESSAGE, InquiryStatus.OPEN, user=user, moment=moment)
        if inquiry.channel == InquiryChannel.EMAIL:
            _response_clock_start(inquiry, user=user, moment=moment)


@transaction.atomic
def inquiry_customer_message(
    *,
    inquiry_id: int,
    body: str,
    acting_user: User | None,
    attachments: Sequence[Upload] = (),
    now: datetime | None = None,
) -> InquiryMessage:
    """The customer writes again (through the portal, or an agent types what they said)."""
    moment = moment_of(now)
    inquiry = _locked(inquiry_id)
    user = _staff_or_owner(acting_user, inquiry)
    cleaned = text_clean(body, field="body", required=True, limit=BODY_LIMIT)
    checked = attachments_check(attachments)
    before = _snapshot(inquiry)
    with written_files_guard() as written:
        _customer_message_moves(inquiry, moment=moment, user=user)
        message = _message_write(
            inquiry,
            kind=MessageKind.CUSTOMER,
            body=cleaned,
            moment=moment,
            user=user,
            uploads=checked,
            written=written,
        )
        inquiry.save()
        audit_record(
            action="servicedesk.inquiry.customer_message",
            actor=user,
            subject=inquiry,
            before=before,
            after={**_snapshot(inquiry), "attachments": attachments_summary(checked)},
            now=moment,
        )
    return message


# Work on an inquiry -----------------------------------------------------------------------


def _canned_text(canned_answer_id: int | None) -> tuple[CannedAnswer | None, str]:
    if canned_answer_id is None:
        return None, ""
    canned = CannedAnswer.objects.filter(pk=canned_answer_id, is_active=True).first()
    if canned is None:
        raise CannedAnswerNotFound()
    return canned, canned.body


@transaction.atomic
def inquiry_reply(
    *,
    inquiry_id: int,
    body: str,
    acting_user: User | None,
    canned_answer_id: int | None = None,
    attachments: Sequence[Upload] = (),
    now: datetime | None = None,
) -> InquiryMessage:
    """Answer the customer. On an email inquiry the reply goes out as an email threaded to
    the customer's last message (In-Reply-To, References), delivered by the worker; other
    channels' customers see it in the portal and get an in-app message. With a canned answer
    and no text, the canned text is the reply."""
    user = permission_require(acting_user, PERM_INQUIRY)
    moment = moment_of(now)
    canned, canned_body = _canned_text(canned_answer_id)
    cleaned = text_clean(body or canned_body, field="body", required=True, limit=BODY_LIMIT)
    checked = attachments_check(attachments)
    inquiry = _locked(inquiry_id)
    transition_check("inquiry", inquiry.status, InquiryAction.REPLY, InquiryStatus.ANSWERED)
    before = _snapshot(inquiry)
    email: dict[str, Any] = {}
    if inquiry.channel == InquiryChannel.EMAIL:
        if not inquiry.contact_email:
            raise ValidationFailed.for_field(
                "contact_email", "required", _("The inquiry has no email address to reply to.")
            )
        parent = (
            inquiry.messages.filter(kind=MessageKind.CUSTOMER, message_id__isnull=False)
            .order_by("-at", "-id")
            .first()
        )
        email = {
            "message_id": _outbound_message_id(),
            "in_reply_to": parent.message_id if parent is not None and parent.message_id else "",
            "references": references_for_reply(
                parent.references if parent is not None else "",
                parent.message_id if parent is not None and parent.message_id else "",
            ),
            "email_to": inquiry.contact_email,
            "email_subject": reply_subject(
                (parent.email_subject if parent is not None else "") or inquiry.subject
            ),
            "delivery_status": DeliveryStatus.PENDING,
            "next_attempt_at": moment,
        }
    with written_files_guard() as written:
        _move(inquiry, InquiryAction.REPLY, InquiryStatus.ANSWERED, user=user, moment=moment)
        if inquiry.assignee_id is None:
            inquiry.assignee = user
            clock_reassign(
                [inquiry.response_clock_id, inquiry.question_clock_id, inquiry.update_clock_id],
                assignee=user,
                department=inquiry.department,
                user=user,
                moment=moment,
            )
        message = _message_write(
            inquiry,
            kind=MessageKind.REPLY,
            body=cleaned,
            moment=moment,
            user=user,
            uploads=checked,
            written=written,
            canned_answer=canned,
            **email,
        )
        _customer_visible_reply(inquiry, user=user, moment=moment)
        inquiry.save()
        _notify_customer(
            inquiry,
            template="servicedesk_inquiry_reply",
            context={"text": cleaned},
            key=f"reply.{message.pk}",
            moment=moment,
        )
        audit_record(
            action="servicedesk.inquiry.reply",
            actor=user,
            subject=inquiry,
            before=before,
            after={
                **_snapshot(inquiry),
                "message": message.pk,
                "emailed": bool(email),
                "canned_answer": canned.code if canned is not None else None,
                "attachments": attachments_summary(checked),
            },
            now=moment,
        )
    return message


@transaction.atomic
def inquiry_notify_expected_time(
    *,
    inquiry_id: int,
    expected_at: datetime,
    acting_user: User | None,
    text: str = "",
    now: datetime | None = None,
) -> InquiryMessage:
    """An online inquiry that cannot be answered at once: tell the customer when to expect
    the answer. This meets the online reply standard; the question's own clock runs on."""
    user = permission_require(acting_user, PERM_INQUIRY)
    moment = moment_of(now)
    expected = moment_of(expected_at)
    if expected <= moment:
        raise ValidationFailed.for_field(
            "expected_at", "future", _("The expected time must be later than now.")
        )
    cleaned = text_clean(text, field="text", limit=NOTE_LIMIT)
    inquiry = _locked(inquiry_id)
    if inquiry.channel not in ONLINE_CHANNELS:
        raise TransitionNotAllowed(
            params={"what": _("inquiry"), "status": inquiry.channel, "action": "notice"}
        )
    if inquiry.status != InquiryStatus.OPEN:
        raise TransitionNotAllowed(
            params={"what": _("inquiry"), "status": inquiry.status, "action": "notice"}
        )
    before = _snapshot(inquiry)
    inquiry.expected_reply_at = expected
    message = _message_write(
        inquiry,
        kind=MessageKind.NOTICE,
        body=cleaned or str(_("We are looking into your question and will answer it soon.")),
        moment=moment,
        user=user,
        uploads=[],
        written=[],
    )
    _customer_visible_reply(inquiry, user=user, moment=moment, notice_only=True)
    inquiry.save()
    _notify_customer(
        inquiry,
        template="servicedesk_inquiry_notice",
        context={"expected_at": expected, "text": message.body},
        key=f"notice.{message.pk}",
        moment=moment,
    )
    audit_record(
        action="servicedesk.inquiry.notice",
        actor=user,
        subject=inquiry,
        before=before,
        after={**_snapshot(inquiry), "expected_at": expected},
        now=moment,
    )
    return message


@transaction.atomic
def inquiry_note(
    *,
    inquiry_id: int,
    body: str,
    acting_user: User | None,
    attachments: Sequence[Upload] = (),
    now: datetime | None = None,
) -> InquiryMessage:
    """An internal note on the thread: never shown to the customer, touches no clock."""
    user = permission_require(acting_user, PERM_INQUIRY)
    moment = moment_of(now)
    cleaned = text_clean(body, field="body", required=True, limit=BODY_LIMIT)
    checked = attachments_check(attachments)
    inquiry = _locked(inquiry_id)
    transition_check("inquiry", inquiry.status, InquiryAction.NOTE, inquiry.status)
    with written_files_guard() as written:
        message = _message_write(
            inquiry,
            kind=MessageKind.NOTE,
            body=cleaned,
            moment=moment,
            user=user,
            uploads=checked,
            written=written,
        )
        audit_record(
            action="servicedesk.inquiry.note",
            actor=user,
            subject=inquiry,
            after={"message": message.pk, "attachments": attachments_summary(checked)},
            now=moment,
        )
    return message


@transaction.atomic
def inquiry_transfer(
    *,
    inquiry_id: int,
    department_id: int,
    reason: str,
    acting_user: User | None,
    assignee_id: int | None = None,
    now: datetime | None = None,
) -> InquiryTransfer:
    """Pass the inquiry to another department (and optionally a person in it). The clocks
    continue: their time used and deadlines stay; only who answers for them changes."""
    user = permission_require(acting_user, PERM_INQUIRY)
    moment = moment_of(now)
    cleaned = text_clean(reason, field="reason", required=True, limit=REASON_LIMIT)
    department: Department = department_clean(department_id)
    assignee = staff_user_clean(assignee_id, field="assignee_id", permission=PERM_INQUIRY)
    if assignee is not None and assignee.department_id != department.pk:
        raise ValidationFailed.for_field(
            "assignee_id",
            "department",
            _("{user} is not in {department}."),
            user=str(assignee),
            department=department.name,
        )
    inquiry = _locked(inquiry_id)
    transition_check("inquiry", inquiry.status, InquiryAction.TRANSFER, inquiry.status)
    if inquiry.department_id == department.pk and inquiry.assignee_id == (
        assignee.pk if assignee is not None else None
    ):
        raise ValidationFailed.for_field(
            "department_id", "unchanged", _("The inquiry is there already.")
        )
    before = _snapshot(inquiry)
    transfer = InquiryTransfer.objects.create(
        inquiry=inquiry,
        from_department=inquiry.department,
        to_department=department,
        from_assignee=inquiry.assignee,
        to_assignee=assignee,
        reason=cleaned,
        at=moment,
        by=user,
    )
    inquiry.department, inquiry.assignee = department, assignee
    clock_reassign(
        [inquiry.response_clock_id, inquiry.question_clock_id, inquiry.update_clock_id],
        assignee=assignee,
        department=department,
        user=user,
        moment=moment,
    )
    InquiryStatusChange.objects.create(
        inquiry=inquiry,
        from_status=inquiry.status,
        to_status=inquiry.status,
        action=InquiryAction.TRANSFER,
        at=moment,
        by=user,
        note=cleaned,
    )
    inquiry.save()
    recipients = [assignee] if assignee is not None else []
    if not recipients and department.head is not None and department.head.is_active:
        recipients = [department.head]
    if recipients:
        notification_send(
            recipients=recipients,
            template="servicedesk_inquiry_transferred",
            context={
                "inquiry_id": inquiry.pk,
                "subject": inquiry.subject,
                "reason": cleaned,
                "by": str(user),
            },
            channels=[Channel.IN_APP],
            subject=inquiry,
            dedupe_key=f"servicedesk.inquiry.{inquiry.pk}.transfer.{transfer.pk}",
            now=moment,
        )
    audit_record(
        action="servicedesk.inquiry.transfer",
        actor=user,
        subject=inquiry,
        before=before,
        after={**_snapshot(inquiry), "reason": cleaned},
        now=moment,
    )
    return transfer


@transaction.atomic
def inquiry_classify(
    *,
    inquiry_id: int,
    classification: str,
    acting_user: User | None,
    now: datetime | None = None,
) -> Inquiry:
    """Simple or complex. The first classification starts the question's clock; a change
    cancels the old clock (with the reason) and counts the new standard from now. The same
    class again changes nothing."""
    user = permission_require(acting_user, PERM_INQUIRY)
    moment = moment_of(now)
    kind = _classification_clean(classification, required=True)
    inquiry = _locked(inquiry_id)
    transition_check("inquiry", inquiry.status, InquiryAction.CLASSIFY, inquiry.status)
    if inquiry.classification == kind:
        return inquiry
    before = _snapshot(inquiry)
    reason = f"reclassified as {kind}"
    clock_cancel(inquiry.question_clock_id, reason=reason, user=user, moment=moment)
    clock_cancel(inquiry.update_clock_id, reason=reason, user=user, moment=moment)
    inquiry.question_clock_id = inquiry.update_clock_id = None
    InquiryStatusChange.objects.create(
        inquiry=inquiry,
        from_status=inquiry.status,
        to_status=inquiry.status,
        action=InquiryAction.CLASSIFY,
        at=moment,
        by=user,
        note=f"{inquiry.classification or '-'} → {kind}",
    )
    inquiry.classification = kind
    _question_clock_start(inquiry, user=user, moment=moment)
    inquiry.save()
    audit_record(
        action="servicedesk.inquiry.classify",
        actor=user,
        subject=inquiry,
        before=before,
        after=_snapshot(inquiry),
        now=moment,
    )
    return inquiry


@transaction.atomic
def inquiry_resolve(
    *,
    inquiry_id: int,
    resolution: str,
    acting_user: User | None,
    now: datetime | None = None,
) -> Inquiry:
    """The question is settled: record how; every open clock of the inquiry stops."""
    user = permission_require(acting_user, PERM_INQUIRY)
    moment = moment_of(now)
    cleaned = text_clean(resolution, field="resolution", required=True, limit=NOTE_LIMIT)
    inquiry = _locked(inquiry_id)
    before = _snapshot(inquiry)
    _move(inquiry, InquiryAction.RESOLVE, InquiryStatus.RESOLVED, user=user, moment=moment)
    inquiry.resolved_at, inquiry.resolution = moment, cleaned
    _all_clocks_stop(inquiry, user=user, moment=moment)
    inquiry.save()
    audit_record(
        action="servicedesk.inquiry.resolve",
        actor=user,
        subject=inquiry,
        before=before,
        after={**_snapshot(inquiry), "resolution": cleaned},
        now=moment,
    )
    return inquiry
