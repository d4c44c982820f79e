"""First notice of loss (报案, domain.md §3.3): by the hotline (an agent's form), the customer
portal, or the API of the customer's command and flight-dispatch systems — idempotent by the
caller's report id: the same id returns the claim already reported and changes nothing.

An accident report (an aircraft involved, or a response level given) opens an incident with
its 7×24 clocks (`services.incidents`). The claim is read against the policy version in force
on the day of loss (Asia/Shanghai); when nothing was in force it is still reported, to be
declined in writing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.claims.choices import (
    ClaimAction,
    ClaimStatus,
    FilePurpose,
    ReportChannel,
    ResponseLevel,
)
from coverdesk.claims.exceptions import IncidentNotFound
from coverdesk.claims.models import Claim, ClaimStatusChange, Incident
from coverdesk.claims.presentation import reporter_masked
from coverdesk.claims.services.common import (
    PERM_REPORT,
    customer_notify,
    moment_of,
    permission_require,
)
from coverdesk.claims.services.files import (
    files_store,
    files_summary,
    uploads_check,
)
from coverdesk.claims.services.handling import (
    checklist_sync,
    exposures_clean,
    exposures_write,
    green_channel_apply,
    handler_clean,
    handler_take_over,
)
from coverdesk.claims.services.incidents import incident_open, level_clean
from coverdesk.claims.services.materials import claim_snapshot, materials_evaluate
from coverdesk.claims.services.numbering import CLAIM, number_take
from coverdesk.claims.transitions import INCIDENT_OPEN
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.core.fields import blind_indexes_refresh
from coverdesk.core.uploads import CheckedUpload, Upload, written_files_guard
from coverdesk.parties.access import customer_own_party_id
from coverdesk.parties.validation import clean_email, clean_phone
from coverdesk.policies.exceptions import PolicyNotFound
from coverdesk.policies.models import Aircraft, InsuredPerson, Policy, PolicyVersion
from coverdesk.policies.selectors.policies import policy_version_in_force
from coverdesk.policies.validation import money_clean, text_clean

STAFF_CHANNELS = frozenset({ReportChannel.HOTLINE, ReportChannel.API})
CUSTOMER_CHANNELS = frozenset({ReportChannel.PORTAL, ReportChannel.API})
DESCRIPTION_LIMIT = 4000


@dataclass(frozen=True)
class Reported:
    """The claim, and whether this call created it (False: the caller's report id was known)."""

    claim: Claim
    created: bool


def _reporter_side(user: User | None, policy: Policy, channel: str) -> tuple[User, bool]:
    """(user, is staff): staff holding claims.report_claim report by hotline or API; a
    customer's portal user reports on their own organisation's policies by portal or API."""
    if channel not in ReportChannel.values:
        raise ValidationFailed.for_field("channel", "choice", _("Unknown reporting channel."))
    own = customer_own_party_id(user)
    if own is not None and user is not None:
        if own != policy.customer_id:
            raise PolicyNotFound()
        if channel not in CUSTOMER_CHANNELS:
            raise ValidationFailed.for_field(
                "channel", "not_allowed", _("Customers report through the portal or the API.")
            )
        return user, False
    staff = permission_require(user, PERM_REPORT)
    if channel not in STAFF_CHANNELS:
        raise ValidationFailed.for_field(
            "channel", "not_allowed", _("Staff report by hotline or through the API.")
        )
    return staff, True


def _existing(policy: Policy, channel: str, source: str, caller_report_id: str) -> Claim | None:
    if not caller_report_id:
        return None
    return Claim.objects.filter(
        customer_id=policy.customer_id,
        channel=channel,
        source=source,
        caller_report_id=caller_report_id,
    ).first()


def _loss_at_clean(loss_at: Any, moment: datetime) -> datetime:
    if not isinstance(loss_at, datetime):
        raise ValidationFailed.for_field("loss_at", "required", _("Give the time of loss."))
    if timezone.is_naive(loss_at):
        raise ValidationFailed.for_field(
            "loss_at", "timezone", _("Give the time of loss with its time zone.")
        )
    if loss_at > moment:
        raise ValidationFailed.for_field(
            "loss_at", "future", _("The time of loss cannot be in the future.")
        )
    return loss_at


def _objects_clean(model: Any, ids: Sequence[int], *, customer_id: int, field: str) -> list[Any]:
    wanted = list(dict.fromkeys(ids))
    found = {row.pk: row for row in model.objects.filter(pk__in=wanted, customer_id=customer_id)}
    unknown = [str(pk) for pk in wanted if pk not in found]
    if unknown:
        raise ValidationFailed.for_field(
            field,
            "unknown",
            _("Not the customer's: {ids}."),
            ids=", ".join(unknown),
        )
    return [found[pk] for pk in wanted]


@dataclass(frozen=True)
class _Report:
    policy: Policy
    channel: str
    source: str
    caller_report_id: str
    loss_at: datetime
    loss_place: str
    description: str
    reporter_name: str
    reporter_phone: str
    reporter_email: str
    aircraft: list[Aircraft]
    persons: list[InsuredPerson]
    version: PolicyVersion | None
    level: int | None
    incident: Incident | None
    exposures: list[Any]
    estimate: Any
    handler: User | None
    uploads: list[CheckedUpload]


def _report_clean(
    *,
    user: User,
    staff: bool,
    policy: Policy,
    channel: str,
    source: str,
    caller_report_id: str,
    raw: Mapping[str, Any],
    files: Sequence[Upload],
    moment: datetime,
) -> _Report:
    loss_at = _loss_at_clean(raw["loss_at"], moment)
    place = text_clean(str(raw["loss_place"]), field="loss_place", required=True)
    description = text_clean(
        str(raw["description"]), field="description", required=True, limit=DESCRIPTION_LIMIT
    )
    name = text_clean(str(raw["reporter_name"]), field="reporter_name", required=True, limit=100)
    phone_raw, email_raw = str(raw["reporter_phone"]).strip(), str(raw["reporter_email"]).strip()
    if not phone_raw and not email_raw:
        raise ValidationFailed.for_field(
            "reporter_phone",
            "required",
            _("Give a phone number or an email to reach the reporter."),
        )
    phone = clean_phone(phone_raw, field="reporter_phone") if phone_raw else ""
    email = clean_email(email_raw, field="reporter_email") if email_raw else ""
    aircraft = _objects_clean(
        Aircraft, raw["aircraft_ids"], customer_id=policy.customer_id, field="aircraft_ids"
    )
    persons = _objects_clean(
        InsuredPerson, raw["person_ids"], customer_id=policy.customer_id, field="person_ids"
    )
    level = None if raw["response_level"] is None else level_clean(raw["response_level"])
    incident = None
    if raw["incident_id"] is not None:
        incident = Incident.objects.filter(
            pk=raw["incident_id"], customer_id=policy.customer_id
        ).first()
        if incident is None:
            raise IncidentNotFound()
        if incident.status not in INCIDENT_OPEN:
            raise ValidationFailed.for_field(
                "incident_id", "closed", _("Incident {number} is closed."), number=incident.number
            )
    estimate = money_clean(raw["estimated_amount"], field="estimated_amount", allow_none=True)
    handler = None
    if raw["handler_id"] is not None:
        if not staff:
            raise ValidationFailed.for_field(
                "handler_id", "not_allowed", _("The claims department assigns the handler.")
            )
        handler = handler_clean(raw["handler_id"])
    version = policy_version_in_force(policy=policy, on=timezone.localdate(loss_at))
    exposures = (
        exposures_clean(version, policy.product_version_id, raw["exposures"])
        if raw["exposures"]
        else []
    )
    return _Report(
        policy=policy,
        channel=channel,
        source=source,
        caller_report_id=caller_report_id,
        loss_at=loss_at,
        loss_place=place,
        description=description,
        reporter_name=name,
        reporter_phone=phone,
        reporter_email=email,
        aircraft=aircraft,
        persons=persons,
        version=version,
        level=level,
        incident=incident,
        exposures=exposures,
        estimate=estimate,
        handler=handler,
        uploads=uploads_check(files),
    )


@transaction.atomic
def _claim_write(report: _Report, *, user: User, moment: datetime, written: list[Path]) -> Claim:
    policy, version = report.policy, report.version
    claim = Claim(
        number=number_take(code=CLAIM, on=timezone.localdate(moment)),
        policy=policy,
        policy_version=version,
        customer=policy.customer,
        channel=report.channel,
        source=report.source,
        caller_report_id=report.caller_report_id,
        reported_at=moment,
        reported_by=user,
        loss_at=report.loss_at,
        loss_place=report.loss_place,
        description=report.description,
        reporter_name=report.reporter_name,
        reporter_phone=report.reporter_phone or None,
        reporter_email=report.reporter_email or None,
        estimated_amount=report.estimate,
        status=ClaimStatus.REPORTED,
    )
    blind_indexes_refresh(claim)
    claim.save()  # a report id used meanwhile fails here (unique constraint)
    claim.aircraft.set(report.aircraft)
    claim.persons.set(report.persons)
    ClaimStatusChange.objects.create(
        claim=claim,
        from_status="",
        to_status=ClaimStatus.REPORTED,
        action=ClaimAction.REPORT,
        at=moment,
        by=user,
        note=report.channel,
    )
    incident = report.incident
    if incident is None and (report.level is not None or report.aircraft):
        incident = incident_open(
            customer=policy.customer,
            occurred_at=report.loss_at,
            place=report.loss_place,
            summary=report.description,
            level=report.level or ResponseLevel.LEVEL_IV,
            coordinator=report.handler,
            user=user,
            moment=moment,
        )
    claim.incident = incident
    if report.handler is not None:
        handler_take_over(claim, handler=report.handler, user=user, moment=moment)
    if report.exposures:
        exposures_write(claim, report.exposures)
        green_channel_apply(claim, user=user, moment=moment)
        checklist_sync(claim)
        materials_evaluate(claim, user=user, moment=moment)
    stored = files_store(
        claim, report.uploads, purpose=FilePurpose.REPORT, written=written, user=user, moment=moment
    )
    claim.save()
    customer_notify(
        claim,
        template="claims_reported",
        context={
            "loss_at": timezone.localtime(claim.loss_at).strftime("%Y-%m-%d %H:%M"),
            "in_force": version is not None,
        },
        moment=moment,
        dedupe="reported",
    )
    audit_record(
        action="claim.report",
        actor=user,
        subject=claim,
        after={
            **claim_snapshot(claim),
            "policy": policy.number,
            "policy_version": version.number if version is not None else None,
            "channel": claim.channel,
            "source": claim.source,
            "caller_report_id": claim.caller_report_id,
            "incident": incident.number if incident is not None else None,
            "loss_at": claim.loss_at,
            "aircraft": [a.pk for a in report.aircraft],
            "persons": [p.pk for p in report.persons],
            "reporter": reporter_masked(claim),
            "files": files_summary(stored),
        },
        now=moment,
    )
    return claim


def claim_report(
    *,
    policy_id: int,
    channel: str,
    loss_at: datetime,
    loss_place: str,
    description: str,
    reporter_name: str,
    acting_user: User | None,
    reporter_phone: str = "",
    reporter_email: str = "",
    aircraft_ids: Sequence[int] = (),
    person_ids: Sequence[int] = (),
    response_level: int | None = None,
    incident_id: int | None = None,
    exposures: Sequence[Mapping[str, Any]] = (),
    estimated_amount: Any = None,
    handler_id: int | None = None,
    caller_report_id: str = "",
    source: str = "",
    files: Sequence[Upload] = (),
    now: datetime | None = None,
) -> Reported:
    """Take a first notice of loss. Through the API `caller_report_id` is required: a report
    with an id already used (same customer, channel and source) returns that claim unchanged.
    An accident (aircraft involved or a response level given) opens an incident (level IV
    unless told) with its 7×24 clocks, or joins `incident_id`. Exposures and the estimate, if
    known, build the material checklist and decide the green channel; photos and files sent
    with the report are checked and kept."""
    moment = moment_of(now)
    policy = Policy.objects.select_related("customer").filter(pk=policy_id).first()
    if policy is None:
        raise PolicyNotFound()
    user, staff = _reporter_side(acting_user, policy, channel)
    report_id = text_clean(caller_report_id, field="caller_report_id", limit=100)
    system = text_clean(source, field="source", limit=100)
    if channel == ReportChannel.API and not report_id:
        raise ValidationFailed.for_field(
            "caller_report_id", "required", _("Give your system's id of the report.")
        )
    existing = _existing(policy, channel, system, report_id)
    if existing is not None:
        return Reported(existing, created=False)
    report = _report_clean(
        user=user,
        staff=staff,
        policy=policy,
        channel=channel,
        source=system,
        caller_report_id=report_id,
        raw={
            "loss_at": loss_at,
            "loss_place": loss_place,
            "description": description,
            "reporter_name": reporter_name,
            "reporter_phone": reporter_phone,
            "reporter_email": reporter_email,
            "aircraft_ids": aircraft_ids,
            "person_ids": person_ids,
            "response_level": response_level,
            "incident_id": incident_id,
            "estimated_amount": estimated_amount,
            "handler_id": handler_id,
            "exposures": exposures,
        },
        files=files,
        moment=moment,
    )
    try:
        with written_files_guard() as written:
            return Reported(_claim_write(report, user=user, moment=moment, written=written), True)
    except IntegrityError:
        # Another request with the same report id won the race: answer with its claim.
        existing = _existing(policy, channel, system, report_id)
        if existing is None:
            raise
        return Reported(existing, created=False)
