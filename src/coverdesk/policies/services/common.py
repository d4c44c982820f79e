"""Shared pieces of the policies services: time, permissions, authority limits, status
history, the customer's portal users, and the exceptions they raise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.utils import timezone

from coverdesk.accounts.models import User
from coverdesk.accounts.roles import user_roles
from coverdesk.core import clock
from coverdesk.core.clock import ensure_aware
from coverdesk.parties.models import Contact, CustomerAccess, Party
from coverdesk.policies.exceptions import AuthorityExceeded, PolicyPermissionDenied
from coverdesk.policies.models import AuthorityLimit
from coverdesk.policies.transitions import transition_check
from coverdesk.sla.models import SlaClock
from coverdesk.sla.services.clocks import (
    sla_clock_cancel,
    sla_clock_pause,
    sla_clock_resume,
    sla_clock_start,
    sla_clock_stop,
)
from coverdesk.sla.transitions import OPEN_STATES, ClockState

PERM_NEW_BUSINESS = "policies.manage_new_business"
PERM_UNDERWRITE = "policies.underwrite"
PERM_ISSUE = "policies.issue_policy"
PERM_SERVICING = "policies.process_servicing"
PERM_APPROVE_SERVICING = "policies.approve_servicing"
PERM_VIEW = "policies.view_policy"
PERM_SEQUENCES = "policies.change_policynumbersequence"
PERM_AUTHORITY = "policies.change_authoritylimit"


def moment_of(now: datetime | None) -> datetime:
    return ensure_aware(now) if now is not None else clock.now()


def local_date(moment: datetime) -> date:
    return timezone.localdate(moment)


def permission_require(user: User | None, permission: str) -> User:
    """The acting user, if active and holding `permission`; else PolicyPermissionDenied."""
    if user is None or not user.is_active or not user.has_perm(permission):
        raise PolicyPermissionDenied(params={"permission": permission})
    return user


@dataclass(frozen=True)
class Authority:
    """What a user may decide alone: `limit` None means without limit; `granted` False means
    the user's roles carry no authority of this kind at all."""

    granted: bool
    limit: Decimal | None

    def covers(self, amount: Decimal) -> bool:
        return self.granted and (self.limit is None or abs(amount) <= self.limit)


def authority_of(user: User, kind: str) -> Authority:
    """The highest authority among the user's roles (a superuser has no limit)."""
    if user.is_superuser:
        return Authority(True, None)
    rows = list(AuthorityLimit.objects.filter(kind=kind, role__in=user_roles(user)))
    if not rows:
        return Authority(False, Decimal(0))
    if any(row.limit is None for row in rows):
        return Authority(True, None)
    return Authority(True, max(row.limit for row in rows if row.limit is not None))


def authority_require(user: User, kind: str, amount: Decimal) -> None:
    authority = authority_of(user, kind)
    if not authority.covers(amount):
        raise AuthorityExceeded(
            params={
                "amount": f"{abs(amount):,.2f}",
                "limit": "—" if authority.limit is None else f"{authority.limit:,.2f}",
            }
        )


def status_change_record(
    model: type[Model],
    *,
    owner_field: str,
    owner: Model,
    from_status: str,
    to_status: str,
    action: str,
    at: datetime,
    by: User | None,
    note: str = "",
) -> None:
    model._default_manager.create(
        **{owner_field: owner},
        from_status=from_status,
        to_status=to_status,
        action=action,
        at=at,
        by=by,
        note=note,
    )


def status_move(
    owner: Any,
    *,
    aggregate: str,
    history: type[Model],
    owner_field: str,
    action: str,
    target: str,
    user: User | None,
    moment: datetime,
    note: str = "",
) -> None:
    """One step of an aggregate's workflow: check the transition table, write the status
    history row, set the new status (the caller saves and audits)."""
    transition_check(aggregate, owner.status, action, target)
    status_change_record(
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


def customer_portal_users(customer: Party) -> list[User]:
    """The active portal users of a customer organisation."""
    user_ids = CustomerAccess.objects.filter(party=customer).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=list(user_ids), is_active=True).order_by("pk"))


def customer_phone(customer: Party) -> str:
    """The number SMS go to: the primary contact's phone, else the customer's own."""
    contact = Contact.objects.filter(party=customer).order_by("-is_primary", "id").first()
    phone = (contact.phone if contact is not None else None) or customer.phone or ""
    return str(phone)


# Timeliness clocks -------------------------------------------------------------------------


def clock_start(
    *, subject: Model, standard_code: str, assignee: User | None, user: User, moment: datetime
) -> int:
    clock = sla_clock_start(
        subject=subject,
        standard_code=standard_code,
        assignee=assignee,
        acting_user=user,
        now=moment,
    )
    return int(clock.pk)


def _clock_state(clock_id: int | None) -> str | None:
    if clock_id is None:
        return None
    return SlaClock.objects.filter(pk=clock_id).values_list("state", flat=True).first()


def clock_pause(clock_id: int | None, *, reason: str, user: User, moment: datetime) -> None:
    """Pause the case's clock while waiting for the customer (if it runs)."""
    if clock_id is not None and _clock_state(clock_id) == ClockState.RUNNING:
        sla_clock_pause(clock_id=clock_id, reason=reason, acting_user=user, now=moment)


def clock_resume(clock_id: int | None, *, user: User, moment: datetime) -> None:
    if clock_id is not None and _clock_state(clock_id) == ClockState.PAUSED:
        sla_clock_resume(clock_id=clock_id, acting_user=user, now=moment)


def clock_stop(clock_id: int | None, *, user: User, moment: datetime) -> None:
    if clock_id is not None and _clock_state(clock_id) in OPEN_STATES:
        sla_clock_stop(clock_id=clock_id, acting_user=user, now=moment)


def clock_cancel(clock_id: int | None, *, reason: str, user: User, moment: datetime) -> None:
    if clock_id is not None and _clock_state(clock_id) in OPEN_STATES:
        sla_clock_cancel(clock_id=clock_id, reason=reason, acting_user=user, now=moment)
