"""Shared pieces of the service desk services: time, permissions, input checks, status
history, the customer's portal users, and the timeliness clocks (through the sla services)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.choices import DepartmentCode
from coverdesk.accounts.models import Department, User
from coverdesk.accounts.roles import user_is_customer
from coverdesk.core import clock
from coverdesk.core.clock import ensure_aware
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.parties.models import Party
from coverdesk.parties.selectors import customer_party_id
from coverdesk.policies.models import Policy
from coverdesk.policies.services import common as policies_common
from coverdesk.policies.validation import text_clean
from coverdesk.servicedesk.exceptions import ServicedeskPermissionDenied
from coverdesk.servicedesk.transitions import transition_check
from coverdesk.sla.models import ClockKind, SlaClock
from coverdesk.sla.services.clocks import (
    sla_clock_cancel,
    sla_clock_reassign,
    sla_clock_start,
    sla_clock_stop,
)
from coverdesk.sla.transitions import OPEN_STATES

PERM_INQUIRY = "servicedesk.handle_inquiry"
PERM_COMPLAINT = "servicedesk.handle_complaint"
PERM_RESPONSIBILITY = "servicedesk.determine_complaint_responsibility"
PERM_VISITS = "servicedesk.manage_return_visits"
PERM_SURVEYS = "servicedesk.manage_surveys"
PERM_ISSUES = "servicedesk.handle_service_issue"

BODY_LIMIT = 10000
NOTE_LIMIT = 2000
SUBJECT_LIMIT = 200
REASON_LIMIT = 300
NAME_LIMIT = 100

__all__ = [
    "BODY_LIMIT",
    "NAME_LIMIT",
    "NOTE_LIMIT",
    "PERM_COMPLAINT",
    "PERM_INQUIRY",
    "PERM_ISSUES",
    "PERM_RESPONSIBILITY",
    "PERM_SURVEYS",
    "PERM_VISITS",
    "REASON_LIMIT",
    "SUBJECT_LIMIT",
    "choice_clean",
    "clock_cancel",
    "clock_is_open",
    "clock_reassign",
    "clock_start",
    "clock_stop",
    "customer_clean",
    "customer_of_portal_user",
    "customer_portal_users",
    "default_department",
    "department_clean",
    "moment_of",
    "permission_require",
    "policy_clean",
    "staff_or_own_customer",
    "staff_user_clean",
    "status_move",
    "text_clean",
]


def moment_of(now: datetime | None) -> datetime:
    return ensure_aware(now) if now is not None else clock.now()


def permission_require(user: User | None, permission: str) -> User:
    """The acting user, if active and holding `permission`; else ServicedeskPermissionDenied."""
    if user is None or not user.is_active or not user.has_perm(permission):
        raise ServicedeskPermissionDenied(params={"permission": permission})
    return user


def customer_of_portal_user(user: User | None) -> int | None:
    """The customer organisation of an active portal user, else None."""
    if user is None or not user.is_active or not user_is_customer(user):
        return None
    return customer_party_id(user_id=user.pk)


def staff_or_own_customer(
    user: User | None, *, permission: str, customer_id: int | None, not_found: type[Exception]
) -> User:
    """Staff holding `permission`, or a portal user of the customer `customer_id`; another
    customer's portal user learns nothing (`not_found`)."""
    own = customer_of_portal_user(user)
    if own is None:
        return permission_require(user, permission)
    if own != customer_id:
        raise not_found()
    assert user is not None
    return user


def choice_clean(value: str, *, field: str, choices: Iterable[str], message: Any) -> str:
    if value not in set(choices):
        raise ValidationFailed.for_field(field, "choice", message)
    return value


def customer_clean(customer_id: int | None, *, field: str = "customer_id") -> Party | None:
    """The customer named by id, or a clear error naming the field when there is none."""
    if customer_id is None:
        return None
    party = Party.objects.filter(pk=customer_id, is_active=True).first()
    if party is None:
        raise ValidationFailed.for_field(field, "unknown", _("There is no such customer."))
    return party


def policy_clean(
    number: str, *, customer: Party | None, field: str = "policy_number"
) -> Policy | None:
    """The policy with this number; it must belong to `customer` when one is given (a
    customer's portal user never learns whether another customer's number exists)."""
    cleaned = text_clean(number, field=field, limit=40)
    if not cleaned:
        return None
    policy = Policy.objects.select_related("customer").filter(number=cleaned).first()
    if policy is None or (customer is not None and policy.customer_id != customer.pk):
        raise ValidationFailed.for_field(
            field, "unknown", _("There is no policy {number} for this customer."), number=cleaned
        )
    return policy


def department_clean(department_id: int | None, *, field: str = "department_id") -> Department:
    department = (
        Department.objects.filter(pk=department_id).first() if department_id is not None else None
    )
    if department is None:
        raise ValidationFailed.for_field(field, "unknown", _("There is no such department."))
    return department


def staff_user_clean(
    user_id: int | None, *, field: str, permission: str | None = None
) -> User | None:
    """An active staff user (not a customer), holding `permission` if given."""
    if user_id is None:
        return None
    user = User.objects.select_related("department").filter(pk=user_id, is_active=True).first()
    if user is None or user_is_customer(user):
        raise ValidationFailed.for_field(field, "unknown", _("There is no such staff member."))
    if permission is not None and not user.has_perm(permission):
        raise ValidationFailed.for_field(
            field, "permission", _("{user} cannot take this work."), user=str(user)
        )
    return user


def default_department() -> Department | None:
    """Where work lands when nobody is named: the customer-service department."""
    return Department.objects.filter(code=DepartmentCode.CUSTOMER_SERVICE).first()


def customer_portal_users(customer: Party | None) -> list[User]:
    """The active portal users of a customer organisation (none when there is no customer)."""
    return [] if customer is None else policies_common.customer_portal_users(customer)


def status_move(
    owner: Any,
    *,
    what: str,
    history: type[Model],
    owner_field: str,
    action: str,
    target: str,
    user: User | None,
    moment: datetime,
    note: str = "",
) -> None:
    """One step of a workflow: check the transition table, write the status history row, set
    the new status (the caller saves and audits)."""
    transition_check(what, owner.status, action, target)
    policies_common.status_change_record(
        history,
        owner_field=owner_field,
        owner=owner,
        from_status=owner.status,
        to_status=target,
        action=action,
        at=moment,
        by=user,
        note=note,
    )
    owner.status = target


# Timeliness clocks -------------------------------------------------------------------------


def clock_start(
    *,
    subject: Model,
    standard_code: str,
    assignee: User | None,
    department: Department | None,
    user: User | None,
    moment: datetime,
    customer_updates: bool | None = None,
) -> int:
    started = sla_clock_start(
        subject=subject,
        standard_code=standard_code,
        assignee=assignee,
        department=department,
        acting_user=user,
        now=moment,
        customer_updates=customer_updates,
    )
    return int(started.pk)


def clock_is_open(clock_id: int | None) -> bool:
    if clock_id is None:
        return False
    state = SlaClock.objects.filter(pk=clock_id).values_list("state", flat=True).first()
    return state in OPEN_STATES


def clock_stop(clock_id: int | None, *, user: User | None, moment: datetime) -> bool:
    """Stop the clock if it is open; whether it was."""
    if not clock_is_open(clock_id):
        return False
    assert clock_id is not None
    sla_clock_stop(clock_id=clock_id, acting_user=user, now=moment)
    return True


def clock_cancel(clock_id: int | None, *, reason: str, user: User | None, moment: datetime) -> bool:
    if not clock_is_open(clock_id):
        return False
    assert clock_id is not None
    sla_clock_cancel(clock_id=clock_id, reason=reason, acting_user=user, now=moment)
    return True


def clock_reassign(
    clock_ids: Sequence[int | None],
    *,
    assignee: User | None,
    department: Department | None,
    user: User | None,
    moment: datetime,
) -> None:
    """Hand the open clocks (and their open customer-update follow-ups) to another person or
    department; the time used and the deadlines stay as they are."""
    ids = [clock_id for clock_id in clock_ids if clock_id is not None]
    children = SlaClock.objects.filter(
        parent_id__in=ids, kind=ClockKind.CUSTOMER_UPDATE, state__in=OPEN_STATES
    ).values_list("pk", flat=True)
    for clock_id in [*ids, *children]:
        if clock_is_open(clock_id):
            sla_clock_reassign(
                clock_id=clock_id,
                assignee=assignee,
                department=department,
                acting_user=user,
                now=moment,
            )
