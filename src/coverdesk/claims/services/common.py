"""Shared pieces of the claims services: permissions, who a customer's portal user is, the
claims authority limits, the status history, the clocks of claims and incidents, and the
notifications that go to the customer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model

from coverdesk.accounts.choices import DepartmentCode
from coverdesk.accounts.models import Department, User
from coverdesk.accounts.roles import user_roles
from coverdesk.claims.exceptions import AuthorityExceeded, ClaimPermissionDenied
from coverdesk.claims.models import Claim, ClaimAuthorityLimit, ClaimClock, Incident
from coverdesk.claims.transitions import clock_standard, transition_check
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.services import notification_send
from coverdesk.parties.models import Party
from coverdesk.policies.services.common import (
    Authority,
    customer_portal_users,
    status_change_record,
)
from coverdesk.policies.services.common import moment_of as moment_of  # the services use it
from coverdesk.sla.models import SlaClock
from coverdesk.sla.services.clocks import (
    sla_clock_cancel,
    sla_clock_pause,
    sla_clock_resume,
    sla_clock_start,
    sla_clock_stop,
)
from coverdesk.sla.transitions import OPEN_STATES, ClockState

PERM_REPORT = "claims.report_claim"
PERM_HANDLE = "claims.handle_claim"
PERM_SURVEY = "claims.survey_claim"
PERM_APPROVE = "claims.approve_claim"
PERM_PAY = "claims.pay_claim"
PERM_VIEW = "claims.view_claim"
PERM_AUTHORITY = "claims.change_claimauthoritylimit"


def permission_require(user: User | None, permission: str) -> User:
    """The acting user, if active and holding `permission`; else ClaimPermissionDenied."""
    if user is None or not user.is_active or not user.has_perm(permission):
        raise ClaimPermissionDenied(params={"permission": permission})
    return user


def claims_department() -> Department | None:
    return Department.objects.filter(code=DepartmentCode.CLAIMS).select_related("head").first()


def claims_head() -> User | None:
    department = claims_department()
    head = department.head if department is not None else None
    return head if head is not None and head.is_active else None


# Authority ---------------------------------------------------------------------------------


def _limit_label(authority: Authority) -> str:
    if not authority.granted:
        return "0.00"
    return "—" if authority.limit is None else f"{authority.limit:,.2f}"


def authority_of(user: User, kind: str) -> Authority:
    """The highest claims authority among the user's roles (a superuser has no limit)."""
    if user.is_superuser:
        return Authority(True, None)
    rows = list(ClaimAuthorityLimit.objects.filter(kind=kind, role__in=sorted(user_roles(user))))
    if not rows:
        return Authority(False, Decimal(0))
    if any(row.limit is None for row in rows):
        return Authority(True, None)
    return Authority(True, max(row.limit for row in rows if row.limit is not None))


def authority_require(user: User, kind: str, amount: Decimal) -> None:
    authority = authority_of(user, kind)
    if not authority.covers(amount):
        raise AuthorityExceeded(
            params={"amount": f"{amount:,.2f}", "limit": _limit_label(authority)}
        )


def users_with_authority(
    *, permission: str, kind: str, amount: Decimal, exclude: User | None = None
) -> list[User]:
    """Active users holding `permission` whose authority covers `amount`: who a referral goes
    to."""
    roles = set()
    for row in ClaimAuthorityLimit.objects.filter(kind=kind):
        if row.limit is None or amount <= row.limit:
            roles.add(row.role)
    candidates = User.objects.filter(is_active=True, groups__name__in=sorted(roles)).distinct()
    return [
        user
        for user in candidates.order_by("pk")
        if user.has_perm(permission) and (exclude is None or user.pk != exclude.pk)
    ]


# Status history ------------------------------------------------------------------------------


def status_move(
    owner: Claim | Incident,
    *,
    history: type[Model],
    owner_field: str,
    action: str,
    target: str,
    user: User | None,
    moment: datetime,
    note: str = "",
) -> None:
    """One step of a claim's or incident's workflow: check the transition table, write the
    history row, set the new status (the caller saves and audits)."""
    what = "claim" if isinstance(owner, Claim) else "incident"
    transition_check(what, owner.status, action, target)
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


# Clocks --------------------------------------------------------------------------------------


def _start(
    *,
    subject: Claim | Incident,
    purpose: str,
    standard: str,
    owner: User | None,
    user: User | None,
    moment: datetime,
) -> ClaimClock:
    department = owner.department if owner is not None else claims_department()
    clock = sla_clock_start(
        subject=subject,
        standard_code=standard,
        assignee=owner,
        department=department,
        acting_user=user,
        now=moment,
    )
    owner_field = "claim" if isinstance(subject, Claim) else "incident"
    return ClaimClock.objects.create(
        **{owner_field: subject},
        purpose=purpose,
        standard_code=standard,
        clock_id=clock.pk,
        owner=owner,
        started_at=moment,
    )


def claim_clock_start(
    claim: Claim, purpose: str, *, owner: User | None, user: User | None, moment: datetime
) -> ClaimClock:
    return _start(
        subject=claim,
        purpose=purpose,
        standard=clock_standard(purpose, claim.complexity),
        owner=owner,
        user=user,
        moment=moment,
    )


def incident_clock_start(
    incident: Incident, purpose: str, *, owner: User | None, user: User | None, moment: datetime
) -> ClaimClock:
    return _start(
        subject=incident,
        purpose=purpose,
        standard=clock_standard(purpose),
        owner=owner,
        user=user,
        moment=moment,
    )


def _open(rows: Iterable[ClaimClock]) -> list[tuple[int, str]]:
    """(clock id, state) of the rows' clocks that still run or wait."""
    ids = [row.clock_id for row in rows]
    states = dict(SlaClock.objects.filter(pk__in=ids).values_list("pk", "state"))
    return [(i, states[i]) for i in ids if states.get(i) in OPEN_STATES]


def _claim_rows(claim: Claim, purposes: Iterable[str]) -> Iterable[ClaimClock]:
    return ClaimClock.objects.filter(claim=claim, purpose__in=list(purposes))


def claim_clocks_open(claim: Claim, purposes: Iterable[str]) -> list[int]:
    """The ids of the claim's clocks of `purposes` that still run or wait."""
    return [clock_id for clock_id, _state in _open(_claim_rows(claim, purposes))]


def claim_has_clock(claim: Claim, purpose: str) -> bool:
    return ClaimClock.objects.filter(claim=claim, purpose=purpose).exists()


def _stop(rows: Iterable[ClaimClock], *, user: User | None, moment: datetime) -> None:
    for clock_id, _state in _open(rows):
        sla_clock_stop(clock_id=clock_id, acting_user=user, now=moment)


def _cancel(
    rows: Iterable[ClaimClock], *, reason: str, user: User | None, moment: datetime
) -> None:
    for clock_id, _state in _open(rows):
        sla_clock_cancel(clock_id=clock_id, reason=reason, acting_user=user, now=moment)


def claim_clocks_stop(
    claim: Claim, purposes: Iterable[str], *, user: User | None, moment: datetime
) -> None:
    _stop(_claim_rows(claim, purposes), user=user, moment=moment)


def claim_clocks_cancel(
    claim: Claim, purposes: Iterable[str], *, reason: str, user: User | None, moment: datetime
) -> None:
    _cancel(_claim_rows(claim, purposes), reason=reason, user=user, moment=moment)


def claim_clocks_pause(
    claim: Claim, purposes: Iterable[str], *, reason: str, user: User | None, moment: datetime
) -> None:
    """Pause those that run (waiting for the customer); paused ones stay paused."""
    for clock_id, state in _open(_claim_rows(claim, purposes)):
        if state == ClockState.RUNNING:
            sla_clock_pause(clock_id=clock_id, reason=reason, acting_user=user, now=moment)


def claim_clocks_resume(
    claim: Claim, purposes: Iterable[str], *, user: User | None, moment: datetime
) -> None:
    for clock_id, state in _open(_claim_rows(claim, purposes)):
        if state == ClockState.PAUSED:
            sla_clock_resume(clock_id=clock_id, acting_user=user, now=moment)


def _incident_rows(incident: Incident, purposes: Iterable[str]) -> Iterable[ClaimClock]:
    return ClaimClock.objects.filter(incident=incident, purpose__in=list(purposes))


def incident_clocks_stop(
    incident: Incident, purposes: Iterable[str], *, user: User | None, moment: datetime
) -> None:
    _stop(_incident_rows(incident, purposes), user=user, moment=moment)


def incident_clocks_cancel(
    incident: Incident,
    purposes: Iterable[str],
    *,
    reason: str,
    user: User | None,
    moment: datetime,
) -> None:
    _cancel(_incident_rows(incident, purposes), reason=reason, user=user, moment=moment)


# Notifications -------------------------------------------------------------------------------


def customer_notify_party(
    customer: Party,
    *,
    template: str,
    context: Mapping[str, Any],
    subject: Model,
    moment: datetime,
    dedupe: str,
    extra: Iterable[User] = (),
) -> None:
    """Tell a customer's portal users (in-app and email), and `extra` staff as a copy."""
    recipients = list({u.pk: u for u in [*customer_portal_users(customer), *extra]}.values())
    if not recipients:
        return
    notification_send(
        recipients=recipients,
        template=template,
        context=context,
        channels=[Channel.IN_APP, Channel.EMAIL],
        subject=subject,
        dedupe_key=dedupe,
        now=moment,
    )


def customer_notify(
    claim: Claim,
    *,
    template: str,
    context: Mapping[str, Any],
    moment: datetime,
    dedupe: str,
    include_handler: bool = False,
) -> None:
    """Tell the customer about their claim at a key node; the handler gets a copy when asked,
    to call a customer who has no portal access."""
    customer_notify_party(
        claim.customer,
        template=template,
        context={"claim_number": claim.number, "policy_number": claim.policy.number, **context},
        subject=claim,
        moment=moment,
        dedupe=f"claims.{claim.pk}.{dedupe}",
        extra=[claim.handler] if include_handler and claim.handler is not None else [],
    )


def staff_notify(
    recipients: Iterable[User],
    *,
    template: str,
    context: Mapping[str, Any],
    subject: Model,
    moment: datetime,
) -> None:
    chosen = list({user.pk: user for user in recipients if user.is_active}.values())
    if not chosen:
        return
    notification_send(
        recipients=chosen,
        template=template,
        context=context,
        channels=[Channel.IN_APP],
        subject=subject,
        now=moment,
    )
