"""Complaints (投诉, domain.md §3.4 and §4) with full tracking.

Three clocks start at receipt, each on its own standard and counted in the KPIs on its own:

- first contact with the complainant within 1 WD (`service.complaint.first_contact`), stopped
  by `complaint_contact` (or by a resolution told before any contact);
- resolution within 5 WD (simple) or 10 WD (complex) (`service.complaint.resolve.simple` /
  `.complex`), with a progress update to the complainant every working day while it runs
  (the sla engine's `followup.customer_update`, recorded by `complaint_update`);
- the regulatory decision within 15 natural days (`regulation.complaint.decision`). An
  extension (《银行保险机构消费者投诉处理管理办法》第二十三条: complex cases, up to 30 days, the
  complainant told the new period and the reason) is recorded once, before the 15 days run
  out: the 15-day clock is cancelled with the reason and the extension's clock
  (`regulation.complaint.decision.extension`, 15 natural days from the extension) starts.

A reclassification cancels the resolution clock with the reason and counts the new standard
from the reclassification. A reopened complaint gets a new resolution clock (the regulatory
decision was made and stays made).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.services import notification_send
from coverdesk.parties.models import Party
from coverdesk.parties.validation import clean_email, clean_phone
from coverdesk.servicedesk.choices import (
    Classification,
    ComplaintAction,
    ComplaintCause,
    ComplaintChannel,
    ComplaintContactKind,
    ComplaintStatus,
    ResponsibilityError,
)
from coverdesk.servicedesk.exceptions import (
    ComplaintNotFound,
    ExtensionNotAllowed,
    InquiryNotFound,
)
from coverdesk.servicedesk.models import (
    Complaint,
    ComplaintContact,
    ComplaintStatusChange,
    Inquiry,
)
from coverdesk.servicedesk.services.common import (
    BODY_LIMIT,
    NAME_LIMIT,
    NOTE_LIMIT,
    PERM_COMPLAINT,
    PERM_RESPONSIBILITY,
    REASON_LIMIT,
    SUBJECT_LIMIT,
    choice_clean,
    clock_cancel,
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
    staff_or_own_customer,
    staff_user_clean,
    status_move,
    text_clean,
)
from coverdesk.servicedesk.transitions import transition_check
from coverdesk.sla.models import ClockKind, SlaClock
from coverdesk.sla.services.followups import customer_update_record
from coverdesk.sla.transitions import OPEN_STATES

CONTACT_STANDARD = "service.complaint.first_contact"
RESOLVE_STANDARDS: dict[str, str] = {
    Classification.SIMPLE: "service.complaint.resolve.simple",
    Classification.COMPLEX: "service.complaint.resolve.complex",
}
DECISION_STANDARD = "regulation.complaint.decision"
EXTENSION_STANDARD = "regulation.complaint.decision.extension"


def _locked(complaint_id: int) -> Complaint:
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("customer", "assignee", "department")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise ComplaintNotFound()
    return complaint


def _move(
    complaint: Complaint,
    action: str,
    target: str,
    *,
    user: User | None,
    moment: datetime,
    note: str = "",
) -> None:
    status_move(
        complaint,
        what="complaint",
        history=ComplaintStatusChange,
        owner_field="complaint",
        action=action,
        target=target,
        user=user,
        moment=moment,
        note=note,
    )


def _stay(complaint: Complaint, action: str, *, user: User, moment: datetime, note: str) -> None:
    """An action that keeps the status, checked and written to the history."""
    _move(complaint, action, complaint.status, user=user, moment=moment, note=note)


def _snapshot(complaint: Complaint) -> dict[str, Any]:
    return {
        "status": complaint.status,
        "classification": complaint.classification,
        "cause": complaint.cause,
        "customer": complaint.customer_id,
        "assignee": complaint.assignee_id,
        "department": complaint.department_id,
        "responsible_department": complaint.responsible_department_id,
        "responsible_person": complaint.responsible_person_id,
        "responsibility_error": complaint.responsibility_error,
        "extended_at": complaint.extended_at,
        "customer_accepted": complaint.customer_accepted,
        "reopen_count": complaint.reopen_count,
    }


def _contact_write(
    complaint: Complaint, kind: str, text: str, *, user: User | None, moment: datetime
) -> ComplaintContact:
    return ComplaintContact.objects.create(
        complaint=complaint, kind=kind, text=text, at=moment, by=user
    )


def _notify(
    complaint: Complaint,
    *,
    template: str,
    context: dict[str, Any],
    key: str,
    moment: datetime,
) -> None:
    recipients = customer_portal_users(complaint.customer)
    if not recipients:
        return
    notification_send(
        recipients=recipients,
        template=template,
        context={"complaint_id": complaint.pk, "subject": complaint.subject, **context},
        channels=[Channel.IN_APP, Channel.EMAIL],
        subject=complaint,
        dedupe_key=f"servicedesk.complaint.{complaint.pk}.{key}",
        now=moment,
    )


def _resolve_clock_start(complaint: Complaint, *, user: User | None, moment: datetime) -> None:
    complaint.resolve_clock_id = clock_start(
        subject=complaint,
        standard_code=RESOLVE_STANDARDS[complaint.classification],
        assignee=complaint.assignee,
        department=complaint.department,
        user=user,
        moment=moment,
        customer_updates=True,
    )


def _classification(value: str) -> str:
    return choice_clean(
        value,
        field="classification",
        choices=Classification.values,
        message=_("Choose simple or complex."),
    )


@transaction.atomic
def complaint_receive(
    *,
    acting_user: User | None,
    channel: str,
    complainant_name: str,
    subject: str,
    description: str,
    classification: str = Classification.SIMPLE,
    customer_id: int | None = None,
    complainant_phone: str = "",
    complainant_email: str = "",
    policy_number: str = "",
    claim_reference: str = "",
    inquiry_id: int | None = None,
    assignee_id: int | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Register a complaint and start its three clocks. Staff with handle_complaint record
    complaints on any channel; a customer's portal user files one for their own
    organisation (online or API)."""
    moment = moment_of(now)
    own = customer_of_portal_user(acting_user)
    customer: Party | None
    if own is None:
        user = permission_require(acting_user, PERM_COMPLAINT)
        customer = customer_clean(customer_id)
        channels = ComplaintChannel.values
    else:
        assert acting_user is not None
        user = acting_user
        customer = Party.objects.get(pk=own)
        channels = [ComplaintChannel.ONLINE, ComplaintChannel.API]
    chosen = choice_clean(channel, field="channel", choices=channels, message=_("Unknown channel."))
    name = text_clean(complainant_name, field="complainant_name", required=True, limit=NAME_LIMIT)
    cleaned_subject = text_clean(subject, field="subject", required=True, limit=SUBJECT_LIMIT)
    text = text_clean(description, field="description", required=True, limit=BODY_LIMIT)
    kind = _classification(classification)
    phone = (
        clean_phone(complainant_phone, field="complainant_phone")
        if complainant_phone.strip()
        else ""
    )
    email = (
        clean_email(complainant_email, field="complainant_email")
        if complainant_email.strip()
        else ""
    )
    policy = policy_clean(policy_number, customer=customer)
    if customer is None and policy is not None:
        customer = policy.customer
    claim = text_clean(claim_reference, field="claim_reference", limit=64)
    inquiry = None
    if inquiry_id is not None:
        inquiry = Inquiry.objects.filter(pk=inquiry_id).first()
        if inquiry is None or (own is not None and inquiry.customer_id != own):
            raise InquiryNotFound()
    if own is None:
        assignee = staff_user_clean(assignee_id, field="assignee_id", permission=PERM_COMPLAINT)
        assignee = assignee or user
        department = assignee.department
    else:
        assignee, department = None, default_department()
    complaint = Complaint.objects.create(
        channel=chosen,
        status="",
        classification=kind,
        customer=customer,
        complainant_name=name,
        complainant_phone=phone or None,
        complainant_email=email or None,
        subject=cleaned_subject,
        description=text,
        inquiry=inquiry,
        policy=policy,
        claim_reference=claim,
        assignee=assignee,
        department=department,
        received_at=moment,
    )
    _move(complaint, ComplaintAction.RECEIVE, ComplaintStatus.RECEIVED, user=user, moment=moment)
    complaint.contact_clock_id = clock_start(
        subject=complaint,
        standard_code=CONTACT_STANDARD,
        assignee=assignee,
        department=department,
        user=user,
        moment=moment,
    )
    _resolve_clock_start(complaint, user=user, moment=moment)
    complaint.decision_clock_id = clock_start(
        subject=complaint,
        standard_code=DECISION_STANDARD,
        assignee=assignee,
        department=department,
        user=user,
        moment=moment,
    )
    complaint.save()
    _notify(
        complaint,
        template="servicedesk_complaint_received",
        context={},
        key="received",
        moment=moment,
    )
    audit_record(
        action="servicedesk.complaint.receive",
        actor=user,
        subject=complaint,
        after={**_snapshot(complaint), "channel": chosen},
        now=moment,
    )
    return complaint


@transaction.atomic
def complaint_assign(
    *,
    complaint_id: int,
    assignee_id: int,
    acting_user: User | None,
    now: datetime | None = None,
) -> Complaint:
    """Give the complaint to a handler; its clocks (and the open customer update) follow."""
    user = permission_require(acting_user, PERM_COMPLAINT)
    moment = moment_of(now)
    assignee = staff_user_clean(assignee_id, field="assignee_id", permission=PERM_COMPLAINT)
    assert assignee is not None
    complaint = _locked(complaint_id)
    before = _snapshot(complaint)
    _stay(complaint, ComplaintAction.ASSIGN, user=user, moment=moment, note=assignee.get_username())
    complaint.assignee, complaint.department = assignee, assignee.department
    clock_reassign(
        [complaint.contact_clock_id, complaint.resolve_clock_id, complaint.decision_clock_id],
        assignee=assignee,
        department=assignee.department,
        user=user,
        moment=moment,
    )
    complaint.save()
    audit_record(
        action="servicedesk.complaint.assign",
        actor=user,
        subject=complaint,
        before=before,
        after=_snapshot(complaint),
        now=moment,
    )
    return complaint


@transaction.atomic
def complaint_contact(
    *, complaint_id: int, note: str, acting_user: User | None, now: datetime | None = None
) -> Complaint:
    """The complainant was contacted (what was said is recorded): first-contact clock stops."""
    user = permission_require(acting_user, PERM_COMPLAINT)
    moment = moment_of(now)
    text = text_clean(note, field="note", required=True, limit=NOTE_LIMIT)
    complaint = _locked(complaint_id)
    before = _snapshot(complaint)
    _move(complaint, ComplaintAction.CONTACT, ComplaintStatus.IN_PROGRESS, user=user, moment=moment)
    complaint.contacted_at = moment
    _contact_write(complaint, ComplaintContactKind.CONTACT, text, user=user, moment=moment)
    clock_stop(complaint.contact_clock_id, user=user, moment=moment)
    complaint.save()
    audit_record(
        action="servicedesk.complaint.contact",
        actor=user,
        subject=complaint,
        before=before,
        after=_snapshot(complaint),
        now=moment,
    )
    return complaint


def _open_update_clock(resolve_clock_id: int | None) -> int | None:
    if resolve_clock_id is None:
        return None
    return (
        SlaClock.objects.filter(
            parent_id=resolve_clock_id, kind=ClockKind.CUSTOMER_UPDATE, state__in=OPEN_STATES
        )
        .values_list("pk", flat=True)
        .first()
    )


@transaction.atomic
def complaint_update(
    *, complaint_id: int, note: str, acting_user: User | None, now: datetime | None = None
) -> ComplaintContact:
    """A progress update to the complainant: recorded, sent to the customer's portal users,
    and it meets the day's update clock (the next one starts while the complaint is open).
    Only the handler or the department head may give it (sla_report_not_yours otherwise)."""
    user = permission_require(acting_user, PERM_COMPLAINT)
    moment = moment_of(now)
    text = text_clean(note, field="note", required=True, limit=NOTE_LIMIT)
    complaint = _locked(complaint_id)
    first_contact = complaint.contacted_at is None
    _move(complaint, ComplaintAction.UPDATE, ComplaintStatus.IN_PROGRESS, user=user, moment=moment)
    contact = _contact_write(complaint, ComplaintContactKind.UPDATE, text, user=user, moment=moment)
    if first_contact:
        complaint.contacted_at = moment
        clock_stop(complaint.contact_clock_id, user=user, moment=moment)
    update_clock = _open_update_clock(complaint.resolve_clock_id)
    if update_clock is not None:
        customer_update_record(clock_id=update_clock, note=text, acting_user=user, now=moment)
    complaint.save()
    _notify(
        complaint,
        template="servicedesk_complaint_update",
        context={"text": text},
        key=f"update.{contact.pk}",
        moment=moment,
    )
    audit_record(
        action="servicedesk.complaint.update",
        actor=user,
        subject=complaint,
        after={"contact": contact.pk, "update_clock": update_clock},
        now=moment,
    )
    return contact


@transaction.atomic
def complaint_classify(
    *,
    complaint_id: int,
    acting_user: User | None,
    cause: str | None = None,
    cause_note: str | None = None,
    classification: str | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Set the cause (e.g. timeliness) and/or the class. A new class restarts the resolution
    clock from now (the old one is cancelled with the reason)."""
    user = permission_require(acting_user, PERM_COMPLAINT)
    moment = moment_of(now)
    if cause is None and classification is None and cause_note is None:
        raise ValidationFailed.for_field("cause", "required", _("Give a cause or a class."))
    new_cause = (
        choice_clean(
            cause, field="cause", choices=ComplaintCause.values, message=_("Unknown cause.")
        )
        if cause is not None
        else None
    )
    note = text_clean(cause_note, field="cause_note", limit=REASON_LIMIT) if cause_note else None
    kind = _classification(classification) if classification is not None else None
    complaint = _locked(complaint_id)
    before = _snapshot(complaint)
    changes: list[str] = []
    if new_cause is not None and new_cause != complaint.cause:
        changes.append(f"cause {complaint.cause or '-'} → {new_cause}")
        complaint.cause = new_cause
    if note is not None:
        complaint.cause_note = note
    if kind is not None and kind != complaint.classification:
        if complaint.status not in (ComplaintStatus.RECEIVED, ComplaintStatus.IN_PROGRESS):
            raise ValidationFailed.for_field(
                "classification",
                "resolved",
                _("The class of a resolved complaint no longer changes; reopen it first."),
            )
        changes.append(f"class {complaint.classification} → {kind}")
        clock_cancel(
            complaint.resolve_clock_id, reason=f"reclassified as {kind}", user=user, moment=moment
        )
        complaint.classification = kind
        _resolve_clock_start(complaint, user=user, moment=moment)
    if not changes and note is None:
        return complaint
    _stay(complaint, ComplaintAction.CLASSIFY, user=user, moment=moment, note="; ".join(changes))
    complaint.save()
    audit_record(
        action="servicedesk.complaint.classify",
        actor=user,
        subject=complaint,
        before=before,
        after=_snapshot(complaint),
        now=moment,
    )
    return complaint


@transaction.atomic
def complaint_determine_responsibility(
    *,
    complaint_id: int,
    department_id: int,
    error: str,
    note: str,
    acting_user: User | None,
    person_id: int | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Which department, which person (if any) and which error; determined again, the last
    determination stands (each is in the history and the audit trail)."""
    user = permission_require(acting_user, PERM_RESPONSIBILITY)
    moment = moment_of(now)
    department = department_clean(department_id)
    person = staff_user_clean(person_id, field="person_id")
    if person is not None and person.department_id != department.pk:
        raise ValidationFailed.for_field(
            "person_id",
            "department",
            _("{user} is not in {department}."),
            user=str(person),
            department=department.name,
        )
    chosen = choice_clean(
        error, field="error", choices=ResponsibilityError.values, message=_("Unknown error type.")
    )
    findings = text_clean(note, field="note", required=True, limit=NOTE_LIMIT)
    complaint = _locked(complaint_id)
    before = _snapshot(complaint)
    _stay(
        complaint,
        ComplaintAction.DETERMINE,
        user=user,
        moment=moment,
        note=f"{department.code} / {person.get_username() if person else '-'} / {chosen}",
    )
    complaint.responsible_department, complaint.responsible_person = department, person
    complaint.responsibility_error, complaint.responsibility_note = chosen, findings
    complaint.responsibility_determined_at, complaint.responsibility_determined_by = moment, user
    complaint.save()
    audit_record(
        action="servicedesk.complaint.responsibility",
        actor=user,
        subject=complaint,
        before=before,
        after={**_snapshot(complaint), "findings": findings},
        now=moment,
    )
    return complaint


@transaction.atomic
def complaint_extend(
    *, complaint_id: int, reason: str, acting_user: User | None, now: datetime | None = None
) -> Complaint:
    """Extend the regulatory decision period (once, before the 15 days run out, with the
    reason, which the complainant is told together with the new deadline)."""
    user = permission_require(acting_user, PERM_COMPLAINT)
    moment = moment_of(now)
    cleaned = text_clean(reason, field="reason", required=True, limit=REASON_LIMIT)
    complaint = _locked(complaint_id)
    transition_check("complaint", complaint.status, ComplaintAction.EXTEND, complaint.status)
    if complaint.extended_at is not None:
        raise ExtensionNotAllowed(params={"reason": _("The decision period was extended already.")})
    decision = (
        SlaClock.objects.filter(pk=complaint.decision_clock_id).first()
        if complaint.decision_clock_id is not None
        else None
    )
    if decision is None or decision.state not in OPEN_STATES:
        raise ExtensionNotAllowed(params={"reason": _("The decision was made already.")})
    if moment > decision.due_at:
        raise ExtensionNotAllowed(
            params={
                "reason": _(
                    "The 15 days ran out at {due}; an extension must be recorded before."
                ).format(due=f"{timezone.localtime(decision.due_at):%Y-%m-%d %H:%M}")
            }
        )
    before = _snapshot(complaint)
    _stay(complaint, ComplaintAction.EXTEND, user=user, moment=moment, note=cleaned)
    clock_cancel(decision.pk, reason=f"extended: {cleaned}", user=user, moment=moment)
    complaint.decision_clock_id = clock_start(
        subject=complaint,
        standard_code=EXTENSION_STANDARD,
        assignee=complaint.assignee,
        department=complaint.department,
        user=user,
        moment=moment,
    )
    due = SlaClock.objects.get(pk=complaint.decision_clock_id).due_at
    # A period ending at 24:00 is told as its last day.
    due_on = timezone.localtime(due - timedelta(microseconds=1)).date()
    complaint.extended_at, complaint.extension_reason = moment, cleaned
    _contact_write(
        complaint,
        ComplaintContactKind.EXTENSION,
        f"{cleaned} ({due_on:%Y-%m-%d})",
        user=user,
        moment=moment,
    )
    complaint.save()
    _notify(
        complaint,
        template="servicedesk_complaint_extended",
        context={"reason": cleaned, "due_on": due_on},
        key="extended",
        moment=moment,
    )
    audit_record(
        action="servicedesk.complaint.extend",
        actor=user,
        subject=complaint,
        before=before,
        after={**_snapshot(complaint), "reason": cleaned, "decision_due_at": due},
        now=moment,
    )
    return complaint


@transaction.atomic
def complaint_resolve(
    *, complaint_id: int, resolution: str, acting_user: User | None, now: datetime | None = None
) -> Complaint:
    """The decision, told to the complainant, who is asked whether they accept it. Stops the
    resolution and decision clocks (and the contact clock, if no contact came before)."""
    user = permission_require(acting_user, PERM_COMPLAINT)
    moment = moment_of(now)
    text = text_clean(resolution, field="resolution", required=True, limit=BODY_LIMIT)
    complaint = _locked(complaint_id)
    before = _snapshot(complaint)
    _move(complaint, ComplaintAction.RESOLVE, ComplaintStatus.RESOLVED, user=user, moment=moment)
    if complaint.contacted_at is None:
        complaint.contacted_at = moment
    complaint.resolution, complaint.resolved_at = text, moment
    complaint.customer_accepted, complaint.acceptance_note, complaint.accepted_at = None, "", None
    _contact_write(complaint, ComplaintContactKind.RESOLUTION, text, user=user, moment=moment)
    for clock_id in (
        complaint.contact_clock_id,
        complaint.resolve_clock_id,
        complaint.decision_clock_id,
    ):
        clock_stop(clock_id, user=user, moment=moment)
    complaint.save()
    _notify(
        complaint,
        template="servicedesk_complaint_resolved",
        context={"resolution": text},
        key=f"resolved.{complaint.reopen_count}",
        moment=moment,
    )
    audit_record(
        action="servicedesk.complaint.resolve",
        actor=user,
        subject=complaint,
        before=before,
        after={**_snapshot(complaint), "resolution": text},
        now=moment,
    )
    return complaint


@transaction.atomic
def complaint_accept(
    *,
    complaint_id: int,
    accepted: bool,
    acting_user: User | None,
    note: str = "",
    now: datetime | None = None,
) -> Complaint:
    """The complainant's answer to the resolution: accepted closes the complaint; not
    accepted is recorded (the complaint may then be reopened). Staff record what the
    complainant said; the complainant's own portal user may answer directly."""
    moment = moment_of(now)
    complaint = _locked(complaint_id)
    user = staff_or_own_customer(
        acting_user,
        permission=PERM_COMPLAINT,
        customer_id=complaint.customer_id,
        not_found=ComplaintNotFound,
    )
    text = text_clean(note, field="note", required=not accepted, limit=REASON_LIMIT)
    before = _snapshot(complaint)
    if accepted:
        _move(complaint, ComplaintAction.ACCEPT, ComplaintStatus.CLOSED, user=user, moment=moment)
        complaint.closed_at = moment
    else:
        _stay(complaint, ComplaintAction.DECLINE, user=user, moment=moment, note=text)
    complaint.customer_accepted, complaint.acceptance_note = accepted, text
    complaint.accepted_at = moment
    _contact_write(
        complaint,
        ComplaintContactKind.ACCEPTANCE,
        text or str(_("Accepted.")),
        user=user,
        moment=moment,
    )
    complaint.save()
    audit_record(
        action="servicedesk.complaint.accept" if accepted else "servicedesk.complaint.decline",
        actor=user,
        subject=complaint,
        before=before,
        after={**_snapshot(complaint), "note": text},
        now=moment,
    )
    return complaint


@transaction.atomic
def complaint_reopen(
    *, complaint_id: int, reason: str, acting_user: User | None, now: datetime | None = None
) -> Complaint:
    """Take a resolved or closed complaint up again, with the reason; a new resolution clock
    (with daily updates) starts."""
    user = permission_require(acting_user, PERM_COMPLAINT)
    moment = moment_of(now)
    cleaned = text_clean(reason, field="reason", required=True, limit=REASON_LIMIT)
    complaint = _locked(complaint_id)
    before = _snapshot(complaint)
    _move(
        complaint,
        ComplaintAction.REOPEN,
        ComplaintStatus.IN_PROGRESS,
        user=user,
        moment=moment,
        note=cleaned,
    )
    complaint.reopen_count += 1
    complaint.closed_at = None
    if complaint.assignee is None:
        complaint.assignee, complaint.department = user, user.department
    _resolve_clock_start(complaint, user=user, moment=moment)
    complaint.save()
    audit_record(
        action="servicedesk.complaint.reopen",
        actor=user,
        subject=complaint,
        before=before,
        after={**_snapshot(complaint), "reason": cleaned},
        now=moment,
    )
    return complaint
