"""Missed calls: each becomes a call-back task on the phone standard (domain.md §4: "phone
inquiry: call answered / returned — 10 min", `sales.phone_inquiry.answer`, business minutes).
The first call-back attempt, reached or not, stops the clock; a call that reaches the caller
is logged as an inquiry (`inquiry_log_call(callback_task_id=…)`)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.parties.models import Party
from coverdesk.parties.validation import clean_phone
from coverdesk.servicedesk.choices import CallbackAction, CallbackStatus
from coverdesk.servicedesk.exceptions import CallbackNotFound
from coverdesk.servicedesk.models import CallbackTask, Inquiry
from coverdesk.servicedesk.selectors.customers import customer_by_phone
from coverdesk.servicedesk.services.common import (
    NOTE_LIMIT,
    PERM_INQUIRY,
    REASON_LIMIT,
    clock_cancel,
    clock_start,
    clock_stop,
    default_department,
    moment_of,
    permission_require,
    text_clean,
)
from coverdesk.servicedesk.transitions import transition_check

CALLBACK_STANDARD = "sales.phone_inquiry.answer"


def _locked(task_id: int) -> CallbackTask:
    task = CallbackTask.objects.select_for_update().filter(pk=task_id).first()
    if task is None:
        raise CallbackNotFound()
    return task


def _snapshot(task: CallbackTask) -> dict[str, object]:
    return {
        "status": task.status,
        "attempts": task.attempts,
        "customer": task.customer_id,
        "inquiry": task.inquiry_id,
        "assignee": task.assignee_id,
    }


@transaction.atomic
def missed_call_record(
    *,
    caller_phone: str,
    acting_user: User | None,
    missed_at: datetime | None = None,
    now: datetime | None = None,
) -> CallbackTask:
    """A call nobody answered: a call-back task for the customer-service queue, due on the
    phone standard from the moment the call was missed."""
    user = permission_require(acting_user, PERM_INQUIRY)
    moment = moment_of(now)
    missed = moment_of(missed_at) if missed_at is not None else moment
    if missed > moment:
        raise ValidationFailed.for_field(
            "missed_at", "future", _("A call cannot be missed in the future.")
        )
    number = clean_phone(caller_phone, field="caller_phone")
    customer: Party | None = customer_by_phone(number)
    department = default_department()
    task = CallbackTask.objects.create(
        caller_phone=number,
        customer=customer,
        missed_at=missed,
        department=department,
        recorded_by=user,
    )
    task.clock_id = clock_start(
        subject=task,
        standard_code=CALLBACK_STANDARD,
        assignee=None,
        department=department,
        user=user,
        moment=missed,
    )
    task.save(update_fields=["clock_id", "updated_at"])
    audit_record(
        action="servicedesk.callback.create",
        actor=user,
        subject=task,
        after={**_snapshot(task), "missed_at": missed},
        now=moment,
    )
    return task


def callback_attempt_write(
    task: CallbackTask,
    *,
    reached: bool,
    note: str,
    user: User,
    moment: datetime,
    inquiry: Inquiry | None = None,
) -> None:
    """Record a call-back attempt on a locked task (the caller audits)."""
    target = CallbackStatus.REACHED if reached else CallbackStatus.NOT_REACHED
    transition_check("callback", task.status, CallbackAction.ATTEMPT, target)
    task.status = target
    task.attempts += 1
    task.last_attempt_at = moment
    if task.assignee_id is None:
        task.assignee = user
    if note:
        task.note = f"{task.note}\n{note}".strip() if task.note else note
    if inquiry is not None:
        task.inquiry = inquiry
    task.save()
    clock_stop(task.clock_id, user=user, moment=moment)


@transaction.atomic
def callback_record(
    *,
    task_id: int,
    reached: bool,
    note: str = "",
    acting_user: User | None,
    now: datetime | None = None,
) -> CallbackTask:
    """A call-back was made. Not reached: the task stays for another try (the clock, which
    asks for the call to be returned, is met by the first attempt in time)."""
    user = permission_require(acting_user, PERM_INQUIRY)
    moment = moment_of(now)
    cleaned = text_clean(note, field="note", required=not reached, limit=NOTE_LIMIT)
    task = _locked(task_id)
    before = _snapshot(task)
    callback_attempt_write(task, reached=reached, note=cleaned, user=user, moment=moment)
    audit_record(
        action="servicedesk.callback.attempt",
        actor=user,
        subject=task,
        before=before,
        after={**_snapshot(task), "reached": reached, "note": cleaned},
        now=moment,
    )
    return task


@transaction.atomic
def callback_cancel(
    *, task_id: int, reason: str, acting_user: User | None, now: datetime | None = None
) -> CallbackTask:
    """Drop a call-back task (e.g. the same caller missed twice, or called again and got
    through); its clock is cancelled with the reason."""
    user = permission_require(acting_user, PERM_INQUIRY)
    moment = moment_of(now)
    cleaned = text_clean(reason, field="reason", required=True, limit=REASON_LIMIT)
    task = _locked(task_id)
    transition_check("callback", task.status, CallbackAction.CANCEL, CallbackStatus.CANCELLED)
    before = _snapshot(task)
    task.status = CallbackStatus.CANCELLED
    task.note = f"{task.note}\n{cleaned}".strip() if task.note else cleaned
    task.save()
    clock_cancel(task.clock_id, reason=cleaned, user=user, moment=moment)
    audit_record(
        action="servicedesk.callback.cancel",
        actor=user,
        subject=task,
        before=before,
        after={**_snapshot(task), "reason": cleaned},
        now=moment,
    )
    return task
