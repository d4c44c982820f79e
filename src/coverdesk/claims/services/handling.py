"""Handling a claim: its one handler (assignments recorded), its coverages and loss types
(exposures: they make the material checklist and decide the green channel), and registration
(立案) within 1 working day of complete materials."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.catalog.choices import LossType
from coverdesk.catalog.models import Coverage
from coverdesk.catalog.selectors import coverage_get, material_checklist
from coverdesk.claims.calculations import GREEN_CHANNEL_LIMIT_DEFAULT, green_channel_eligible
from coverdesk.claims.choices import (
    ClaimAction,
    ClaimStatus,
    ClockPurpose,
    Complexity,
    MaterialsState,
)
from coverdesk.claims.exceptions import MaterialsIncomplete
from coverdesk.claims.models import Claim, ClaimClock, ClaimExposure, HandlerAssignment
from coverdesk.claims.selectors.claims import (
    claim_materials_missing,
    claim_terms_version,
    version_coverage_choices,
)
from coverdesk.claims.services.common import (
    PERM_HANDLE,
    claim_clock_start,
    claim_clocks_cancel,
    claim_clocks_open,
    claim_clocks_stop,
    customer_notify,
    moment_of,
    permission_require,
    staff_notify,
)
from coverdesk.claims.services.materials import (
    checklist_sync,
    claim_locked,
    claim_move,
    claim_snapshot,
    materials_evaluate,
)
from coverdesk.claims.transitions import targets
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.policies.validation import money_clean, text_clean
from coverdesk.sla.models import SlaClock
from coverdesk.sla.services.clocks import sla_clock_reassign
from coverdesk.sla.transitions import OPEN_STATES


def green_channel_limit() -> Decimal:
    return Decimal(
        str(getattr(settings, "COVERDESK_CLAIM_GREEN_CHANNEL_LIMIT", GREEN_CHANNEL_LIMIT_DEFAULT))
    )


def handler_clean(handler_id: Any, *, field: str = "handler_id") -> User:
    handler = (
        User.objects.filter(pk=handler_id, is_active=True).first()
        if isinstance(handler_id, int)
        else None
    )
    if handler is None:
        raise ValidationFailed.for_field(
            field, "unknown_user", _("Choose an active claims handler.")
        )
    if not handler.has_perm(PERM_HANDLE):
        raise ValidationFailed.for_field(
            field, "not_handler", _("{name} does not handle claims."), name=handler.get_username()
        )
    return handler


def complexity_clean(value: str, *, field: str = "complexity") -> str:
    if value not in Complexity.values:
        raise ValidationFailed.for_field(
            field, "choice", _("Complexity is simple, general or complex.")
        )
    return value


def exposures_clean(
    claim_terms: Any, product_version_id: int, exposures: Sequence[Mapping[str, Any]]
) -> list[tuple[Coverage, str, str, str]]:
    """(catalogue coverage, code, loss type, name_en) per exposure: each coverage must be one
    the version covers, each loss type one the catalogue has a material checklist for under
    it. `claim_terms` is the version the claim is read against."""
    choices = version_coverage_choices(claim_terms)
    cleaned: dict[tuple[str, str], tuple[Coverage, str, str, str]] = {}
    for index, raw in enumerate(exposures):
        field = f"exposures[{index}]"
        code = str(raw.get("coverage") or raw.get("coverage_code") or "").strip()
        loss_type = str(raw.get("loss_type") or "").strip()
        if code not in choices:
            raise ValidationFailed.for_field(
                f"{field}.coverage",
                "not_covered",
                _("The policy does not cover {code} at the time of loss."),
                code=code or "—",
            )
        if loss_type not in LossType.values:
            raise ValidationFailed.for_field(
                f"{field}.loss_type",
                "choice",
                _("Unknown loss type {code}."),
                code=loss_type or "—",
            )
        coverage = coverage_get(version_id=product_version_id, code=code)
        if not material_checklist(coverage=coverage, loss_type=loss_type):
            raise ValidationFailed.for_field(
                f"{field}.loss_type",
                "loss_type_not_for_coverage",
                _("{coverage} does not pay a loss of type {loss_type}."),
                coverage=choices[code].name_en,
                loss_type=loss_type,
            )
        cleaned.setdefault((code, loss_type), (coverage, code, loss_type, choices[code].name_en))
    return list(cleaned.values())


def exposures_write(claim: Claim, cleaned: Sequence[tuple[Coverage, str, str, str]]) -> None:
    wanted = {(code, loss) for _cov, code, loss, _name in cleaned}
    current = {(row.coverage_code, row.loss_type): row for row in claim.exposures.all()}
    for key, row in current.items():
        if key in wanted:
            continue
        if (
            claim.reserves.filter(coverage_code=row.coverage_code).exclude(amount=0).exists()
            or (
                claim.loss_items.filter(coverage_code=row.coverage_code, loss_type=row.loss_type)
            ).exists()
        ):
            raise ValidationFailed.for_field(
                "exposures",
                "in_use",
                _("{coverage} / {loss_type} has reserves or loss items; it cannot be removed."),
                coverage=row.coverage_code,
                loss_type=row.loss_type,
            )
        row.delete()
    ClaimExposure.objects.bulk_create(
        [
            ClaimExposure(
                claim=claim,
                coverage_code=code,
                loss_type=loss,
                coverage_name=coverage.name,
                coverage_name_en=coverage.name_en,
            )
            for coverage, code, loss, _name in cleaned
            if (code, loss) not in current
        ]
    )


def green_channel_apply(claim: Claim, *, user: User | None, moment: datetime) -> None:
    """Before registration: put the claim in the green channel, or take it out, from its
    estimate and loss types. In it, the acceptance clock runs and the complexity is simple."""
    loss_types = list(claim.exposures.values_list("loss_type", flat=True))
    eligible = green_channel_eligible(
        estimated_amount=claim.estimated_amount, loss_types=loss_types, limit=green_channel_limit()
    )
    if eligible == claim.green_channel:
        return
    claim.green_channel = eligible
    if eligible:
        claim.complexity = Complexity.SIMPLE
        claim_clock_start(
            claim, ClockPurpose.GREEN_ACCEPTANCE, owner=claim.handler, user=user, moment=moment
        )
    else:
        claim_clocks_cancel(
            claim,
            [ClockPurpose.GREEN_ACCEPTANCE],
            reason="no longer in the green channel",
            user=user,
            moment=moment,
        )


def _clocks_reassign(
    claim: Claim, *, previous: User | None, handler: User, user: User | None, moment: datetime
) -> None:
    """Open clocks the previous handler owned (or nobody owned) follow the new handler."""
    rows = ClaimClock.objects.filter(claim=claim, owner=previous)
    open_ids = set(
        SlaClock.objects.filter(
            pk__in=[row.clock_id for row in rows], state__in=sorted(OPEN_STATES)
        ).values_list("pk", flat=True)
    )
    for row in rows:
        if row.clock_id in open_ids:
            sla_clock_reassign(
                clock_id=row.clock_id, assignee=handler, acting_user=user, now=moment
            )
            row.owner = handler
            row.save(update_fields=["owner"])


def handler_take_over(
    claim: Claim, *, handler: User, user: User | None, moment: datetime, reason: str = ""
) -> None:
    """Make `handler` the claim's handler (ending the current assignment), with the history
    row and its clocks; inside the caller's transaction."""
    previous = claim.handler
    HandlerAssignment.objects.filter(claim=claim, ended_at__isnull=True).update(ended_at=moment)
    HandlerAssignment.objects.create(
        claim=claim, handler=handler, assigned_at=moment, assigned_by=user, reason=reason
    )
    claim_move(
        claim,
        ClaimAction.ASSIGN,
        claim.status,
        user=user,
        moment=moment,
        note=f"{previous.get_username() if previous else '—'} → {handler.get_username()}"
        + (f": {reason}" if reason else ""),
    )
    claim.handler = handler
    claim.save(update_fields=["handler", "status", "updated_at"])
    _clocks_reassign(claim, previous=previous, handler=handler, user=user, moment=moment)
    staff_notify(
        [handler],
        template="claims_assigned",
        context={"claim_number": claim.number, "policy_number": claim.policy.number},
        subject=claim,
        moment=moment,
    )


@transaction.atomic
def claim_handler_assign(
    *,
    claim_id: int,
    handler_id: int,
    acting_user: User | None,
    reason: str = "",
    now: datetime | None = None,
) -> Claim:
    """Give the claim its handler, who follows it from start to end. Reassigning needs a
    reason; every assignment is kept and the handler's open clocks follow."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    claim = claim_locked(claim_id)
    targets("claim", claim.status, ClaimAction.ASSIGN)
    handler = handler_clean(handler_id)
    text = text_clean(reason, field="reason", required=claim.handler is not None)
    if claim.handler_id == handler.pk:
        raise ValidationFailed.for_field(
            "handler_id",
            "unchanged",
            _("{name} handles this claim already."),
            name=handler.get_username(),
        )
    before = claim_snapshot(claim)
    handler_take_over(claim, handler=handler, user=user, moment=moment, reason=text)
    audit_record(
        action="claim.assign",
        actor=user,
        subject=claim,
        before=before,
        after={**claim_snapshot(claim), "reason": text},
        now=moment,
    )
    return claim


@transaction.atomic
def claim_exposures_set(
    *,
    claim_id: int,
    exposures: Sequence[Mapping[str, Any]],
    acting_user: User | None,
    estimated_amount: Any = None,
    now: datetime | None = None,
) -> Claim:
    """Set what the claim is about: coverages (or sections) of the version in force with their
    loss types, e.g. [{"coverage": "hull_all_risks", "loss_type": "hull_partial"}], and the
    estimated loss. The checklist follows; before registration so does the green channel."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    claim = claim_locked(claim_id)
    targets("claim", claim.status, ClaimAction.EXPOSURES)
    if not exposures:
        raise ValidationFailed.for_field(
            "exposures", "required", _("Name at least one coverage and loss type.")
        )
    cleaned = exposures_clean(
        claim_terms_version(claim), claim.policy.product_version_id, exposures
    )
    estimate = money_clean(estimated_amount, field="estimated_amount", allow_none=True)
    before = claim_snapshot(claim)
    exposures_write(claim, cleaned)
    if estimate is not None:
        claim.estimated_amount = estimate
    if claim.status == ClaimStatus.REPORTED:
        green_channel_apply(claim, user=user, moment=moment)
    claim_move(
        claim,
        ClaimAction.EXPOSURES,
        claim.status,
        user=user,
        moment=moment,
        note=", ".join(f"{code}/{loss}" for _cov, code, loss, _name in cleaned),
    )
    checklist_sync(claim)
    missing = materials_evaluate(claim, user=user, moment=moment)
    claim.save()
    audit_record(
        action="claim.exposures",
        actor=user,
        subject=claim,
        before=before,
        after={
            **claim_snapshot(claim),
            "exposures": [f"{code}/{loss}" for _cov, code, loss, _name in cleaned],
            "estimated_amount": claim.estimated_amount,
            "missing": [row.code for row in missing],
        },
        now=moment,
    )
    return claim


@transaction.atomic
def claim_register(
    *,
    claim_id: int,
    acting_user: User | None,
    complexity: str | None = None,
    now: datetime | None = None,
) -> Claim:
    """立案: register a claim whose materials are complete (within 1 WD of that moment). The
    registering user becomes the handler if there is none. Adjudication is due by the
    complexity's standard (3 / 5 / 10 WD); in the green channel, survey and assessment are due
    within 3 WD instead."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    claim = claim_locked(claim_id)
    targets("claim", claim.status, ClaimAction.REGISTER)
    chosen = complexity_clean(complexity) if complexity is not None else claim.complexity
    if claim.green_channel and chosen != Complexity.SIMPLE:
        raise ValidationFailed.for_field(
            "complexity", "green_channel", _("A green-channel claim is simple.")
        )
    if claim.materials_state != MaterialsState.COMPLETE:
        missing = claim_materials_missing(claim=claim)
        raise MaterialsIncomplete(
            params={"codes": ", ".join(row.code for row in missing) or _("no checklist yet")}
        )
    before = claim_snapshot(claim)
    if claim.handler is None:
        handler_take_over(claim, handler=user, user=user, moment=moment, reason="registration")
    claim.complexity = chosen
    claim_move(claim, ClaimAction.REGISTER, ClaimStatus.REGISTERED, user=user, moment=moment)
    claim.registered_at, claim.registered_by = moment, user
    claim.save()
    claim_clocks_stop(
        claim, [ClockPurpose.REGISTRATION, ClockPurpose.GREEN_ACCEPTANCE], user=user, moment=moment
    )
    next_clock = (
        ClockPurpose.GREEN_SURVEY_ASSESSMENT if claim.green_channel else ClockPurpose.ADJUDICATION
    )
    if not claim_clocks_open(claim, [next_clock]):
        claim_clock_start(claim, next_clock, owner=claim.handler, user=user, moment=moment)
    customer_notify(
        claim,
        template="claims_registered",
        context={"green_channel": claim.green_channel, "complexity": claim.complexity},
        moment=moment,
        dedupe="registered",
    )
    audit_record(
        action="claim.register",
        actor=user,
        subject=claim,
        before=before,
        after=claim_snapshot(claim),
        now=moment,
    )
    return claim
