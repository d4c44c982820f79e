"""Claim materials (domain.md §3.3; Insurance Law art. 22): the checklist from the catalogue for
the claim's coverages and loss types (the reduced list in the green channel), what was received
(with files) or refused, and the one consolidated notice of everything missing.

Clocks. The first materials received start the legal 30-day decision clock (law.insurance_23
.decision, judicial interpretation II art. 15: from the first receipt of the claim and its
materials) and, while anything is missing, the one-time notice clock (law.insurance_22, 1 WD),
which the notice stops. Sending a notice puts the claim in waiting: the company's clocks and the
legal decision clock pause. Complete materials resume them and start the registration clock
(claims.registration, 1 WD from complete materials)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.catalog.models import MaterialItem
from coverdesk.catalog.selectors import coverage_get, material_checklist
from coverdesk.claims.choices import (
    ClaimAction,
    ClaimStatus,
    ClockPurpose,
    FilePurpose,
    MaterialsState,
    MaterialStatus,
)
from coverdesk.claims.exceptions import ClaimNotFound
from coverdesk.claims.models import (
    Claim,
    ClaimMaterial,
    ClaimStatusChange,
    MaterialRequest,
)
from coverdesk.claims.selectors.claims import claim_materials_missing
from coverdesk.claims.services.common import (
    PERM_HANDLE,
    claim_clock_start,
    claim_clocks_open,
    claim_clocks_pause,
    claim_clocks_resume,
    claim_clocks_stop,
    claim_has_clock,
    customer_notify,
    moment_of,
    permission_require,
    status_move,
)
from coverdesk.claims.services.files import (
    files_store,
    files_summary,
    uploads_check,
)
from coverdesk.claims.transitions import CLAIM_OPEN, PAUSED_WHILE_WAITING, transition_refuse
from coverdesk.core.exceptions import Conflict, ValidationFailed
from coverdesk.core.uploads import Upload, written_files_guard
from coverdesk.parties.access import customer_own_party_id
from coverdesk.policies.validation import text_clean

WAITING_REASON = "waiting for the customer's claim materials"


class NothingMissing(Conflict):
    default_code = "claims_nothing_missing"
    default_message = _("Every required material has been received; there is nothing to ask for.")


def claim_locked(claim_id: int) -> Claim:
    claim = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("policy", "customer", "handler", "policy_version")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise ClaimNotFound()
    return claim


def claim_move(
    claim: Claim,
    action: str,
    target: str,
    *,
    user: User | None,
    moment: datetime,
    note: str = "",
) -> None:
    status_move(
        claim,
        history=ClaimStatusChange,
        owner_field="claim",
        action=action,
        target=target,
        user=user,
        moment=moment,
        note=note,
    )


def claim_snapshot(claim: Claim) -> dict[str, Any]:
    return {
        "number": claim.number,
        "status": claim.status,
        "materials_state": claim.materials_state,
        "handler": claim.handler_id,
        "complexity": claim.complexity,
        "green_channel": claim.green_channel,
        "waiting_since": claim.waiting_since,
    }


# Checklist -----------------------------------------------------------------------------------


def _wanted_items(claim: Claim) -> list[tuple[str, str, MaterialItem]]:
    """(coverage code, loss type, item) for every item the claim's exposures ask for, first
    asker first, each code once."""
    wanted: dict[str, tuple[str, str, MaterialItem]] = {}
    version_id = claim.policy.product_version_id
    for exposure in claim.exposures.order_by("id"):
        coverage = coverage_get(version_id=version_id, code=exposure.coverage_code)
        for item in material_checklist(
            coverage=coverage, loss_type=exposure.loss_type, green_channel=claim.green_channel
        ):
            wanted.setdefault(item.code, (exposure.coverage_code, exposure.loss_type, item))
    return list(wanted.values())


def checklist_sync(claim: Claim) -> None:
    """Bring the claim's checklist in line with its exposures: add what they ask for; drop
    items no longer asked for that are still missing and have no file (received ones stay)."""
    wanted = _wanted_items(claim)
    existing = {row.code: row for row in ClaimMaterial.objects.filter(claim=claim)}
    codes = {item.code for _cov, _loss, item in wanted}
    stale = [
        row.pk
        for code, row in existing.items()
        if code not in codes and row.status != MaterialStatus.RECEIVED and not row.files.exists()
    ]
    ClaimMaterial.objects.filter(pk__in=stale).delete()
    ClaimMaterial.objects.bulk_create(
        [
            ClaimMaterial(
                claim=claim,
                code=item.code,
                name=item.name,
                name_en=item.name_en,
                required=item.required,
                coverage_code=coverage_code,
                loss_type=loss_type,
                position=position,
            )
            for position, (coverage_code, loss_type, item) in enumerate(wanted, start=1)
            if item.code not in existing
        ]
    )
    for position, (_cov, _loss, item) in enumerate(wanted, start=1):
        row = existing.get(item.code)
        if row is not None and (row.position != position or row.required != item.required):
            row.position, row.required = position, item.required
            row.save(update_fields=["position", "required"])


def materials_evaluate(claim: Claim, *, user: User | None, moment: datetime) -> list[ClaimMaterial]:
    """Set the claim's materials state from its checklist and apply what follows from it;
    returns the required items still missing. The caller saves the claim."""
    missing = claim_materials_missing(claim=claim)
    if not ClaimMaterial.objects.filter(claim=claim).exists():
        claim.materials_state = MaterialsState.NONE
        return missing
    was = claim.materials_state
    if missing:
        if was == MaterialsState.COMPLETE or was == MaterialsState.NONE:
            claim.materials_state = MaterialsState.INCOMPLETE
        if claim.materials_first_received_at is not None and not claim_has_clock(
            claim, ClockPurpose.MISSING_MATERIALS_NOTICE
        ):
            # Anything missing once materials came in: the one-time notice is owed.
            claim_clock_start(
                claim,
                ClockPurpose.MISSING_MATERIALS_NOTICE,
                owner=claim.handler,
                user=user,
                moment=moment,
            )
        return missing
    if was == MaterialsState.COMPLETE:
        return missing
    claim.materials_state = MaterialsState.COMPLETE
    claim.materials_complete_at = moment
    claim_move(claim, ClaimAction.MATERIALS_COMPLETE, claim.status, user=user, moment=moment)
    claim_clocks_stop(claim, [ClockPurpose.MISSING_MATERIALS_NOTICE], user=user, moment=moment)
    if was == MaterialsState.WAITING:
        claim.waiting_since = None
        MaterialRequest.objects.filter(claim=claim, completed_at__isnull=True).update(
            completed_at=moment
        )
        claim_clocks_resume(claim, PAUSED_WHILE_WAITING, user=user, moment=moment)
    if claim.status == ClaimStatus.REPORTED and not claim_clocks_open(
        claim, [ClockPurpose.REGISTRATION]
    ):
        claim_clock_start(
            claim, ClockPurpose.REGISTRATION, owner=claim.handler, user=user, moment=moment
        )
    customer_notify(
        claim,
        template="claims_materials_complete",
        context={},
        moment=moment,
        dedupe=f"materials_complete.{moment.isoformat()}",
    )
    return missing


def _first_receipt(claim: Claim, *, user: User | None, moment: datetime) -> None:
    """The claim and its first materials are in: the legal 30-day decision clock starts."""
    if claim.materials_first_received_at is not None:
        return
    claim.materials_first_received_at = moment
    claim_clock_start(claim, ClockPurpose.DECISION, owner=claim.handler, user=user, moment=moment)


# Services ------------------------------------------------------------------------------------


def _receiver(user: User | None, claim: Claim) -> tuple[User, bool]:
    """(user, is staff): a claims handler, or the customer's own portal user."""
    if user is not None and user.is_active and user.has_perm(PERM_HANDLE):
        return user, True
    if user is not None and customer_own_party_id(user) == claim.customer_id:
        return user, False
    if customer_own_party_id(user) is not None:
        raise ClaimNotFound()
    return permission_require(user, PERM_HANDLE), True


@transaction.atomic
def _material_receive(
    *,
    claim_id: int,
    code: str,
    uploads: Sequence[Any],
    note: str,
    acting_user: User | None,
    moment: datetime,
    written: list[Path],
) -> ClaimMaterial:
    claim = claim_locked(claim_id)
    user, staff = _receiver(acting_user, claim)
    if claim.status not in CLAIM_OPEN:
        raise transition_refuse("claim", claim.status, "receive materials")
    material = ClaimMaterial.objects.filter(claim=claim, code=code).first()
    if material is None:
        raise ValidationFailed.for_field(
            "code", "unknown_material", _("{code} is not on this claim's checklist."), code=code
        )
    if not uploads and not staff:
        raise ValidationFailed.for_field("files", "required", _("Attach the file(s)."))
    text = text_clean(note, field="note")
    before = claim_snapshot(claim)
    stored = files_store(
        claim,
        uploads,
        purpose=FilePurpose.MATERIAL,
        written=written,
        user=user,
        moment=moment,
        material=material,
    )
    material.status, material.note = MaterialStatus.RECEIVED, text
    material.received_at, material.received_by = moment, user
    material.save(update_fields=["status", "note", "received_at", "received_by"])
    _first_receipt(claim, user=user, moment=moment)
    missing = materials_evaluate(claim, user=user, moment=moment)
    claim.save()
    audit_record(
        action="claim.material.receive",
        actor=user,
        subject=claim,
        before=before,
        after={
            **claim_snapshot(claim),
            "material": code,
            "files": files_summary(stored),
            "missing": [row.code for row in missing],
        },
        now=moment,
    )
    return material


def material_receive(
    *,
    claim_id: int,
    code: str,
    acting_user: User | None,
    files: Sequence[Upload] = (),
    note: str = "",
    now: datetime | None = None,
) -> ClaimMaterial:
    """Mark checklist item `code` received, with its file(s): a handler may record a paper
    original without a file; the customer uploads in the portal. Files are checked (type,
    content, size) before anything is written. When nothing required is missing any more the
    file is complete: clocks that waited resume and registration is due within 1 WD."""
    moment = moment_of(now)
    uploads = uploads_check(files)
    with written_files_guard() as written:
        return _material_receive(
            claim_id=claim_id,
            code=code,
            uploads=uploads,
            note=note,
            acting_user=acting_user,
            moment=moment,
            written=written,
        )


@transaction.atomic
def material_reject(
    *,
    claim_id: int,
    code: str,
    reason: str,
    acting_user: User | None,
    now: datetime | None = None,
) -> ClaimMaterial:
    """Refuse a material received (not complete, true or valid) with the reason to tell the
    customer; it is missing again."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    claim = claim_locked(claim_id)
    if claim.status not in CLAIM_OPEN:
        raise transition_refuse("claim", claim.status, "refuse materials")
    material = ClaimMaterial.objects.filter(claim=claim, code=code).first()
    if material is None:
        raise ValidationFailed.for_field(
            "code", "unknown_material", _("{code} is not on this claim's checklist."), code=code
        )
    text = text_clean(reason, field="reason", required=True)
    before = claim_snapshot(claim)
    material.status, material.note = MaterialStatus.REJECTED, text
    material.received_at = material.received_by = None
    material.save(update_fields=["status", "note", "received_at", "received_by"])
    materials_evaluate(claim, user=user, moment=moment)
    claim.save()
    audit_record(
        action="claim.material.reject",
        actor=user,
        subject=claim,
        before=before,
        after={**claim_snapshot(claim), "material": code, "reason": text},
        now=moment,
    )
    return material


@transaction.atomic
def material_request_send(
    *,
    claim_id: int,
    acting_user: User | None,
    reason: str = "",
    now: datetime | None = None,
) -> MaterialRequest:
    """一次性告知 (Insurance Law art. 22): one notice to the customer of every required item
    still missing or refused. A second request needs the reason recorded. From now the claim
    waits for the customer: the company's clocks and the legal decision clock pause."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    claim = claim_locked(claim_id)
    if claim.status not in CLAIM_OPEN:
        raise transition_refuse("claim", claim.status, ClaimAction.MATERIALS_REQUEST)
    sequence = MaterialRequest.objects.filter(claim=claim).count() + 1
    cleaned = text_clean(reason, field="reason")
    if sequence > 1 and not cleaned:
        raise ValidationFailed.for_field(
            "reason",
            "required",
            _(
                "The customer was already told everything missing once; record why more is"
                " asked for."
            ),
        )
    missing = claim_materials_missing(claim=claim)
    if not missing:
        raise NothingMissing()
    before = claim_snapshot(claim)
    items = [
        {"code": row.code, "name": row.name, "name_en": row.name_en, "note": row.note}
        for row in missing
    ]
    request = MaterialRequest.objects.create(
        claim=claim, sequence=sequence, items=items, reason=cleaned, sent_at=moment, sent_by=user
    )
    claim_move(
        claim,
        ClaimAction.MATERIALS_REQUEST,
        claim.status,
        user=user,
        moment=moment,
        note=", ".join(item["code"] for item in items),
    )
    claim.materials_state = MaterialsState.WAITING
    if claim.waiting_since is None:
        claim.waiting_since = moment
    claim.save()
    claim_clocks_stop(claim, [ClockPurpose.MISSING_MATERIALS_NOTICE], user=user, moment=moment)
    claim_clocks_pause(claim, PAUSED_WHILE_WAITING, reason=WAITING_REASON, user=user, moment=moment)
    customer_notify(
        claim,
        template="claims_materials_missing",
        context={"materials": items, "sequence": sequence, "reason": cleaned},
        moment=moment,
        dedupe=f"materials_request.{sequence}",
        include_handler=True,
    )
    audit_record(
        action="claim.material.request",
        actor=user,
        subject=claim,
        before=before,
        after={**claim_snapshot(claim), "sequence": sequence, "items": items, "reason": cleaned},
        now=moment,
    )
    return request
