"""Writes of insured objects: the aircraft register and the insured persons, one by one or in
bulk from a spreadsheet. Each change writes a history row (before and after, the fields
changed) and an audit entry in the same transaction. ID numbers reach the history and the audit
trail masked only."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.choices import AuditResult
from coverdesk.audit.services import audit_record
from coverdesk.catalog.choices import PersonCategory
from coverdesk.core import clock
from coverdesk.core.clock import ensure_aware
from coverdesk.core.exceptions import FieldError, PermissionDenied, ValidationFailed
from coverdesk.core.fields import blind_index_value, blind_indexes_refresh
from coverdesk.core.masking import mask_id_number
from coverdesk.parties.choices import IndexPurpose
from coverdesk.parties.models import Party
from coverdesk.parties.validation import Problems, clean_id_number
from coverdesk.policies.access.insured import (
    PERM_ADD_AIRCRAFT,
    PERM_ADD_PERSON,
    PERM_CHANGE_AIRCRAFT,
    PERM_CHANGE_PERSON,
    PERM_IMPORT,
    PERM_PII,
    insured_objects_write_check,
    insured_person_for_user,
)
from coverdesk.policies.imports import (
    AIRCRAFT_COLUMNS,
    PERSON_COLUMNS,
    ImportIssue,
    ImportReport,
    ImportStatus,
    Table,
    table_read,
)
from coverdesk.policies.models.insured import (
    Aircraft,
    AircraftChange,
    InsuredObjectChangeAction,
    InsuredPerson,
    InsuredPersonChange,
    InsuredPersonStatus,
    Ownership,
)
from coverdesk.policies.selectors.insured import AircraftNotFound, InsuredPersonNotFound

MONEY_LIMIT = Decimal("100000000000000")  # 10^14: the column holds 16 digits, 2 after the point
FIRST_PURCHASE_YEAR = 1900
MAX_CREW_SEATS = 99
MAX_PASSENGER_SEATS = 999
MAX_EQUIPMENT_ITEMS = 100
TEXT_LIMITS = {
    "model": 50,
    "manufacturer": 100,
    "serial_number": 50,
    "name": 100,
    "occupation": 100,
    "department": 100,
    "reason": 300,
}
REGISTRATION_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


def _moment(now: datetime | None) -> datetime:
    return ensure_aware(now) if now is not None else clock.now()


# --- checks shared by the single and the bulk path -----------------------------------------


def registration_mark_normalise(value: str) -> str:
    """Capitals, no spaces, full-width characters made ASCII: "b 7188" and "Ｂ-7188" are
    "B7188" and "B-7188"."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def _text(problems: Problems, field_name: str, value: Any, *, required: bool) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        problems.add(field_name, "required", _("This field is required."))
    limit = TEXT_LIMITS.get(field_name)
    if limit is not None and len(text) > limit:
        problems.add(field_name, "max_length", _("At most {limit} characters."), limit=limit)
    return text


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _money(problems: Problems, field_name: str, value: Any, *, rule: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.add(field_name, "required", _("This field is required."))
        return None
    number = _decimal(value)
    if number is None:
        problems.add(field_name, "number", _("Enter an amount, e.g. 70000000.00."))
        return None
    if number <= 0:
        problems.add(field_name, rule, _("The amount must be more than zero."))
        return None
    if number >= MONEY_LIMIT or number != round(number, 2):
        problems.add(field_name, "money", _("An amount below 10^14 with at most two decimals."))
        return None
    return number


def _integer(problems: Problems, field_name: str, value: Any, *, low: int, high: int) -> int | None:
    number = _decimal(value) if not isinstance(value, int) or isinstance(value, bool) else value
    if isinstance(number, Decimal):
        number = int(number) if number == number.to_integral_value() else None
    if number is None or isinstance(number, bool):
        problems.add(field_name, "integer", _("Enter a whole number."))
        return None
    if not (low <= number <= high):
        problems.add(
            field_name, "range", _("A whole number from {low} to {high}."), low=low, high=high
        )
        return None
    return int(number)


def _choice(problems: Problems, field_name: str, value: Any, allowed: Sequence[str]) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        problems.add(field_name, "required", _("This field is required."))
    elif text not in allowed:
        problems.add(
            field_name,
            "choice",
            _("Choose one of: {allowed}."),
            allowed=", ".join(allowed),
        )
    return text


@dataclass(frozen=True)
class EquipmentItem:
    name: str
    sum_insured: Decimal


def _equipment(problems: Problems, value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or len(value) > MAX_EQUIPMENT_ITEMS:
        problems.add(
            "installed_equipment", "list", _("A list of at most 100 items (name and sum insured).")
        )
        return []
    items: list[dict[str, str]] = []
    for position, item in enumerate(value, start=1):
        name: Any
        amount: Any
        if isinstance(item, EquipmentItem):
            name, amount = item.name, item.sum_insured
        elif isinstance(item, Mapping):
            name, amount = item.get("name"), item.get("sum_insured")
        else:
            name, amount = None, None
        prefix = f"installed_equipment.{position}"
        clean_name = _text(problems, f"{prefix}.name", name, required=True)
        if len(clean_name) > 200:
            problems.add(
                f"{prefix}.name", "max_length", _("At most {limit} characters."), limit=200
            )
        clean_amount = _money(problems, f"{prefix}.sum_insured", amount, rule="positive")
        if clean_name and clean_amount is not None:
            items.append({"name": clean_name, "sum_insured": str(clean_amount)})
    return items


AIRCRAFT_FIELDS = (
    "model",
    "manufacturer",
    "registration_mark",
    "serial_number",
    "agreed_value",
    "purchase_year",
    "crew_seats",
    "passenger_seats",
    "ownership",
    "installed_equipment",
    "notes",
)


def aircraft_values_clean(
    problems: Problems,
    values: Mapping[str, Any],
    *,
    today: date,
    aircraft_id: int | None = None,
) -> dict[str, Any]:
    """The given aircraft fields in stored form; `problems` collects every bad one. Checks the
    registration mark against the whole register (one mark, one aircraft)."""
    cleaned: dict[str, Any] = {}
    for name in ("model", "manufacturer", "serial_number"):
        if name in values:
            cleaned[name] = _text(problems, name, values[name], required=name == "model")
    if "notes" in values:
        cleaned["notes"] = "" if values["notes"] is None else str(values["notes"]).strip()
    if "registration_mark" in values:
        raw = values["registration_mark"]
        mark = registration_mark_normalise("" if raw is None else str(raw))
        cleaned["registration_mark"] = mark
        if not mark:
            problems.add("registration_mark", "required", _("This field is required."))
        elif (
            len(mark) > 20
            or not set(mark) <= REGISTRATION_CHARS
            or mark.startswith("-")
            or len(mark) < 2
        ):
            problems.add(
                "registration_mark",
                "registration_mark_format",
                _("2 to 20 letters, digits or '-', e.g. B-7188."),
            )
        else:
            others = Aircraft.objects.filter(registration_mark=mark)
            if aircraft_id is not None:
                others = others.exclude(pk=aircraft_id)
            if others.exists():
                problems.add(
                    "registration_mark",
                    "unique",
                    _("Another aircraft already has the registration mark {mark}."),
                    mark=mark,
                )
    if "agreed_value" in values:
        cleaned["agreed_value"] = _money(
            problems, "agreed_value", values["agreed_value"], rule="positive"
        )
    if "purchase_year" in values:
        cleaned["purchase_year"] = _integer(
            problems,
            "purchase_year",
            values["purchase_year"],
            low=FIRST_PURCHASE_YEAR,
            high=today.year,
        )
    if "crew_seats" in values:
        cleaned["crew_seats"] = _integer(
            problems, "crew_seats", values["crew_seats"], low=1, high=MAX_CREW_SEATS
        )
    if "passenger_seats" in values:
        cleaned["passenger_seats"] = _integer(
            problems,
            "passenger_seats",
            values["passenger_seats"],
            low=0,
            high=MAX_PASSENGER_SEATS,
        )
    if "ownership" in values:
        cleaned["ownership"] = _choice(problems, "ownership", values["ownership"], Ownership.values)
    if "installed_equipment" in values:
        cleaned["installed_equipment"] = _equipment(problems, values["installed_equipment"])
    return cleaned


def _id_number(problems: Problems, value: Any) -> str:
    text = "" if value is None else str(value)
    if not text.strip():
        problems.add("id_number", "required", _("This field is required."))
        return ""
    try:
        return clean_id_number(text, field="id_number")
    except ValidationFailed as exc:
        for error in exc.fields:
            problems.add(error.field, error.rule, error.message)
        return ""


def birth_date_of(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def person_values_clean(
    problems: Problems,
    values: Mapping[str, Any],
    *,
    customer_id: int,
    person_id: int | None = None,
) -> dict[str, Any]:
    """The given insured-person fields in stored form; the ID number is checked (GB 11643) and
    must be new among the customer's insured persons."""
    cleaned: dict[str, Any] = {}
    for name in ("name", "occupation", "department"):
        if name in values:
            cleaned[name] = _text(problems, name, values[name], required=name == "name")
    if "notes" in values:
        cleaned["notes"] = "" if values["notes"] is None else str(values["notes"]).strip()
    if "category" in values:
        cleaned["category"] = _choice(
            problems, "category", values["category"], PersonCategory.values
        )
    if "id_number" in values:
        number = _id_number(problems, values["id_number"])
        cleaned["id_number"] = number
        if number:
            cleaned["birth_date"] = birth_date_of(number)
            others = InsuredPerson.objects.filter(
                customer_id=customer_id,
                id_number_index=blind_index_value(number, IndexPurpose.ID_NUMBER),
            )
            if person_id is not None:
                others = others.exclude(pk=person_id)
            if others.exists():
                problems.add(
                    "id_number",
                    "unique",
                    _("This customer already has an insured person with this ID number."),
                )
    return cleaned


# --- snapshots for history and audit -------------------------------------------------------


def aircraft_snapshot(aircraft: Aircraft) -> dict[str, Any]:
    return {
        "customer": aircraft.customer_id,
        "model": aircraft.model,
        "manufacturer": aircraft.manufacturer,
        "registration_mark": aircraft.registration_mark,
        "serial_number": aircraft.serial_number,
        "agreed_value": str(aircraft.agreed_value),
        "purchase_year": aircraft.purchase_year,
        "crew_seats": aircraft.crew_seats,
        "passenger_seats": aircraft.passenger_seats,
        "ownership": aircraft.ownership,
        "installed_equipment": aircraft.installed_equipment,
        "is_active": aircraft.is_active,
        "notes": aircraft.notes,
    }


def insured_person_snapshot(person: InsuredPerson) -> dict[str, Any]:
    """Masked: the ID number shows its first and last four characters only."""
    return {
        "customer": person.customer_id,
        "name": person.name,
        "id_number": mask_id_number(person.id_number),
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "occupation": person.occupation,
        "category": person.category,
        "department": person.department,
        "status": person.status,
        "left_on": person.left_on.isoformat() if person.left_on else None,
        "notes": person.notes,
    }


def _changed_parts(
    before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    names = [f for f in fields if before.get(f) != after.get(f)]
    return {f: before.get(f) for f in names}, {f: after.get(f) for f in names}


def _customer(problems: Problems, customer_id: int) -> Party | None:
    party = Party.objects.filter(pk=customer_id).first()
    if party is None:
        problems.add("customer", "unknown", _("Unknown customer."))
    elif not party.is_active:
        problems.add("customer", "inactive", _("The customer is inactive."))
    return party


def _save_unique(row: Model, field_name: str, message: str | Promise, **params: Any) -> None:
    """Insert `row`; a concurrent writer who took the same unique value first (after our
    check, before our insert) gets the same answer as the check would have given."""
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        raise ValidationFailed.for_field(field_name, "unique", message, **params) from None


# --- aircraft ------------------------------------------------------------------------------


def _aircraft_create(
    *, customer: Party, cleaned: Mapping[str, Any], user: User, moment: datetime, action: str
) -> Aircraft:
    aircraft = Aircraft(
        customer=customer,
        model=cleaned["model"],
        manufacturer=cleaned.get("manufacturer", ""),
        registration_mark=cleaned["registration_mark"],
        serial_number=cleaned.get("serial_number", ""),
        agreed_value=cleaned["agreed_value"],
        purchase_year=cleaned["purchase_year"],
        crew_seats=cleaned["crew_seats"],
        passenger_seats=cleaned["passenger_seats"],
        ownership=cleaned["ownership"],
        installed_equipment=cleaned.get("installed_equipment", []),
        notes=cleaned.get("notes", ""),
    )
    _save_unique(
        aircraft,
        "registration_mark",
        _("Another aircraft already has the registration mark {mark}."),
        mark=aircraft.registration_mark,
    )
    AircraftChange.objects.create(
        aircraft=aircraft,
        action=action,
        changed_at=moment,
        changed_by=user,
        before=None,
        after=aircraft_snapshot(aircraft),
    )
    return aircraft


@transaction.atomic
def aircraft_register(
    *,
    acting_user: User | None,
    customer_id: int,
    model: str,
    registration_mark: str,
    agreed_value: Decimal | str | int,
    purchase_year: int,
    crew_seats: int,
    passenger_seats: int,
    ownership: str,
    manufacturer: str = "",
    serial_number: str = "",
    installed_equipment: Sequence[EquipmentItem | Mapping[str, Any]] = (),
    notes: str = "",
    now: datetime | None = None,
) -> Aircraft:
    """Put an aircraft of a customer on the register. The registration mark is unique across
    the register; the agreed value is more than zero. Bad input names every bad field and
    writes nothing."""
    user = insured_objects_write_check(user=acting_user, permission=PERM_ADD_AIRCRAFT)
    moment = _moment(now)
    problems = Problems()
    customer = _customer(problems, customer_id)
    cleaned = aircraft_values_clean(
        problems,
        {
            "model": model,
            "manufacturer": manufacturer,
            "registration_mark": registration_mark,
            "serial_number": serial_number,
            "agreed_value": agreed_value,
            "purchase_year": purchase_year,
            "crew_seats": crew_seats,
            "passenger_seats": passenger_seats,
            "ownership": ownership,
            "installed_equipment": list(installed_equipment),
            "notes": notes,
        },
        today=timezone.localdate(moment),
    )
    problems.raise_if_any()
    assert customer is not None  # problems named it otherwise
    aircraft = _aircraft_create(
        customer=customer,
        cleaned=cleaned,
        user=user,
        moment=moment,
        action=InsuredObjectChangeAction.CREATED,
    )
    audit_record(
        action="aircraft.register",
        actor=user,
        subject=aircraft,
        after=aircraft_snapshot(aircraft),
        now=moment,
    )
    return aircraft


@transaction.atomic
def aircraft_update(
    *,
    acting_user: User | None,
    aircraft_id: int,
    reason: str = "",
    model: str | None = None,
    manufacturer: str | None = None,
    registration_mark: str | None = None,
    serial_number: str | None = None,
    agreed_value: Decimal | str | int | None = None,
    purchase_year: int | None = None,
    crew_seats: int | None = None,
    passenger_seats: int | None = None,
    ownership: str | None = None,
    installed_equipment: Sequence[EquipmentItem | Mapping[str, Any]] | None = None,
    is_active: bool | None = None,
    notes: str | None = None,
    now: datetime | None = None,
) -> Aircraft:
    """Change the given fields (None leaves a field as it is). One history row and one audit
    entry with the fields changed; no change, no row."""
    user = insured_objects_write_check(user=acting_user, permission=PERM_CHANGE_AIRCRAFT)
    moment = _moment(now)
    aircraft = Aircraft.objects.select_for_update().filter(pk=aircraft_id).first()
    if aircraft is None:
        raise AircraftNotFound()
    given = {
        name: value
        for name, value in {
            "model": model,
            "manufacturer": manufacturer,
            "registration_mark": registration_mark,
            "serial_number": serial_number,
            "agreed_value": agreed_value,
            "purchase_year": purchase_year,
            "crew_seats": crew_seats,
            "passenger_seats": passenger_seats,
            "ownership": ownership,
            "installed_equipment": None
            if installed_equipment is None
            else list(installed_equipment),
            "notes": notes,
        }.items()
        if value is not None
    }
    problems = Problems()
    reason = _text(problems, "reason", reason, required=False)
    cleaned = aircraft_values_clean(
        problems, given, today=timezone.localdate(moment), aircraft_id=aircraft.pk
    )
    problems.raise_if_any()
    if is_active is not None:
        cleaned["is_active"] = is_active
    before = aircraft_snapshot(aircraft)
    for name, value in cleaned.items():
        setattr(aircraft, name, value)
    after = aircraft_snapshot(aircraft)
    changed_before, changed_after = _changed_parts(before, after, before)
    if not changed_after:
        return aircraft
    aircraft.save()
    AircraftChange.objects.create(
        aircraft=aircraft,
        action=InsuredObjectChangeAction.UPDATED,
        changed_at=moment,
        changed_by=user,
        before=changed_before,
        after=changed_after,
        reason=reason,
    )
    audit_record(
        action="aircraft.update",
        actor=user,
        subject=aircraft,
        before=changed_before,
        after={**changed_after, **({"reason": reason} if reason else {})},
        now=moment,
    )
    return aircraft


# --- insured persons -----------------------------------------------------------------------


def _person_create(
    *,
    customer: Party,
    cleaned: Mapping[str, Any],
    user: User,
    moment: datetime,
    action: str,
) -> InsuredPerson:
    person = InsuredPerson(
        customer=customer,
        name=cleaned["name"],
        id_number=cleaned["id_number"],
        birth_date=cleaned["birth_date"],
        occupation=cleaned.get("occupation", ""),
        category=cleaned["category"],
        department=cleaned.get("department", ""),
        notes=cleaned.get("notes", ""),
    )
    blind_indexes_refresh(person)
    _save_unique(
        person,
        "id_number",
        _("This customer already has an insured person with this ID number."),
    )
    InsuredPersonChange.objects.create(
        person=person,
        action=action,
        changed_at=moment,
        changed_by=user,
        before=None,
        after=insured_person_snapshot(person),
    )
    return person


@transaction.atomic
def insured_person_add(
    *,
    acting_user: User | None,
    customer_id: int,
    name: str,
    id_number: str,
    category: str,
    occupation: str = "",
    department: str = "",
    notes: str = "",
    now: datetime | None = None,
) -> InsuredPerson:
    """Add an insured person (pilot, aircrew or ground crew) to a customer's group. The ID
    number is checked (GB 11643), encrypted at rest, and unique within the customer."""
    user = insured_objects_write_check(user=acting_user, permission=PERM_ADD_PERSON)
    moment = _moment(now)
    problems = Problems()
    customer = _customer(problems, customer_id)
    cleaned = person_values_clean(
        problems,
        {
            "name": name,
            "id_number": id_number,
            "category": category,
            "occupation": occupation,
            "department": department,
            "notes": notes,
        },
        customer_id=customer_id,
    )
    problems.raise_if_any()
    assert customer is not None
    person = _person_create(
        customer=customer,
        cleaned=cleaned,
        user=user,
        moment=moment,
        action=InsuredObjectChangeAction.CREATED,
    )
    audit_record(
        action="insured_person.add",
        actor=user,
        subject=person,
        after=insured_person_snapshot(person),
        now=moment,
    )
    return person


@transaction.atomic
def insured_person_update(
    *,
    acting_user: User | None,
    person_id: int,
    reason: str = "",
    name: str | None = None,
    id_number: str | None = None,
    occupation: str | None = None,
    category: str | None = None,
    department: str | None = None,
    status: str | None = None,
    left_on: date | None = None,
    notes: str | None = None,
    now: datetime | None = None,
) -> InsuredPerson:
    """Change the given fields (None leaves a field as it is). Leaving (status "left") takes
    `left_on`, by default today; coming back (status "active") clears it."""
    user = insured_objects_write_check(user=acting_user, permission=PERM_CHANGE_PERSON)
    moment = _moment(now)
    person = InsuredPerson.objects.select_for_update().filter(pk=person_id).first()
    if person is None:
        raise InsuredPersonNotFound()
    given = {
        key: value
        for key, value in {
            "name": name,
            "id_number": id_number,
            "occupation": occupation,
            "category": category,
            "department": department,
            "notes": notes,
        }.items()
        if value is not None
    }
    problems = Problems()
    reason = _text(problems, "reason", reason, required=False)
    cleaned = person_values_clean(
        problems, given, customer_id=person.customer_id, person_id=person.pk
    )
    new_status = person.status if status is None else status
    if status is not None:
        _choice(problems, "status", status, InsuredPersonStatus.values)
    if new_status == InsuredPersonStatus.LEFT:
        day = left_on or person.left_on or timezone.localdate(moment)
        cleaned["left_on"] = day
    elif left_on is not None:
        problems.add("left_on", "status_left", _("Only a person who has left has a leaving date."))
    else:
        cleaned["left_on"] = None
    problems.raise_if_any()
    cleaned["status"] = new_status
    before = insured_person_snapshot(person)
    id_changed = "id_number" in cleaned and cleaned["id_number"] != person.id_number
    for key, value in cleaned.items():
        setattr(person, key, value)
    if id_changed:
        blind_indexes_refresh(person)
    after = insured_person_snapshot(person)
    changed_before, changed_after = _changed_parts(before, after, before)
    if id_changed and "id_number" not in changed_after:
        # Two numbers can share a mask; the change is recorded all the same.
        changed_before["id_number"], changed_after["id_number"] = (
            before["id_number"],
            after["id_number"],
        )
    if not changed_after:
        return person
    person.save()
    InsuredPersonChange.objects.create(
        person=person,
        action=InsuredObjectChangeAction.UPDATED,
        changed_at=moment,
        changed_by=user,
        before=changed_before,
        after=changed_after,
        reason=reason,
    )
    audit_record(
        action="insured_person.update",
        actor=user,
        subject=person,
        before=changed_before,
        after={**changed_after, **({"reason": reason} if reason else {})},
        now=moment,
    )
    return person


def insured_person_id_reveal(*, acting_user: User, person_id: int) -> str:
    """The unmasked ID number, for a user holding parties.view_pii who may see the person.
    Every call is audited; a denial too (in its own transaction, so it survives the error)."""
    if not acting_user.is_active or not acting_user.has_perm(PERM_PII):
        with transaction.atomic():
            audit_record(
                action="insured_person.id_reveal",
                actor=acting_user,
                subject=("policies.insuredperson", person_id),
                result=AuditResult.DENIED,
            )
        raise PermissionDenied(_("You may not see personal data unmasked."))
    with transaction.atomic():
        person = insured_person_for_user(user=acting_user, person_id=person_id)
        audit_record(
            action="insured_person.id_reveal",
            actor=acting_user,
            subject=person,
            after={"fields": ["id_number"]},
        )
    return person.id_number


# --- bulk import ---------------------------------------------------------------------------


@dataclass
class _RowCheck:
    row: int
    cleaned: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)


def _row_problems(problems: Problems) -> list[FieldError]:
    return list(problems.errors)


def _issues_of(table: Table, check: _RowCheck) -> list[ImportIssue]:
    return [
        ImportIssue(
            row=check.row,
            column=table.column_of(error.field.split(".")[0]),
            field=error.field,
            rule=error.rule,
            message=str(error.message),
        )
        for error in check.errors
    ]


def _duplicate_in_file(key: str, first_rows: dict[str, int], check: _RowCheck) -> None:
    value = check.cleaned.get(key)
    if not value:
        return
    if value in first_rows:
        check.errors.append(
            FieldError(
                key,
                "duplicate_in_file",
                str(_("The same value is already in row {row}.")).format(row=first_rows[value]),
            )
        )
    else:
        first_rows[value] = check.row


def _import_finish(
    *,
    kind: str,
    table: Table,
    checks: list[_RowCheck],
    valid_rows_only: bool,
    dry_run: bool,
) -> tuple[ImportReport, list[_RowCheck]]:
    issues = [issue for check in checks for issue in _issues_of(table, check)]
    valid = [c for c in checks if not c.errors]
    report = ImportReport(
        kind=kind,
        filename=table.filename,
        total_rows=len(checks),
        valid_rows=len(valid),
        issues=issues,
        ignored_columns=list(table.ignored_columns),
    )
    if dry_run:
        report.status = ImportStatus.CHECKED
        return report, []
    if issues and (not valid_rows_only or not valid):
        report.status = ImportStatus.REJECTED
        return report, []
    report.status = ImportStatus.PARTIAL if issues else ImportStatus.IMPORTED
    report.skipped_rows = sorted({issue.row for issue in issues})
    return report, valid


def _import_customer(customer_id: int) -> Party:
    problems = Problems()
    customer = _customer(problems, customer_id)
    problems.raise_if_any()
    assert customer is not None
    return customer


@transaction.atomic
def aircraft_import(
    *,
    acting_user: User | None,
    customer_id: int,
    content: bytes,
    filename: str,
    valid_rows_only: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
) -> ImportReport:
    """Register a customer's aircraft from an .xlsx or .csv file (English or Chinese headers).
    Every row is checked as `aircraft_register` would check it, and against the other rows; the
    report names each bad row, column and rule. Nothing is imported unless every row is valid,
    or `valid_rows_only` is set (then the valid rows are). `dry_run` only checks. One
    transaction, one audit entry for the whole import."""
    user = insured_objects_write_check(user=acting_user, permission=PERM_IMPORT)
    insured_objects_write_check(user=user, permission=PERM_ADD_AIRCRAFT)
    moment = _moment(now)
    customer = _import_customer(customer_id)
    table = table_read(content=content, filename=filename, columns=AIRCRAFT_COLUMNS)
    today = timezone.localdate(moment)
    checks: list[_RowCheck] = []
    marks: dict[str, int] = {}
    for row in table.rows:
        problems = Problems()
        for name, rule, message in row.problems:
            problems.add(name, rule, message)
        values = {k: v for k, v in row.values.items() if k not in row.failed}
        cleaned = aircraft_values_clean(problems, values, today=today)
        check = _RowCheck(row=row.number, cleaned=cleaned, errors=_row_problems(problems))
        _duplicate_in_file("registration_mark", marks, check)
        checks.append(check)
    report, to_import = _import_finish(
        kind="aircraft",
        table=table,
        checks=checks,
        valid_rows_only=valid_rows_only,
        dry_run=dry_run,
    )
    created = [
        _aircraft_create(
            customer=customer,
            cleaned=check.cleaned,
            user=user,
            moment=moment,
            action=InsuredObjectChangeAction.IMPORTED,
        )
        for check in to_import
    ]
    report.created_ids = [a.pk for a in created]
    if created:
        audit_record(
            action="aircraft.import",
            actor=user,
            subject=customer,
            after=report.audit_summary(
                [a.registration_mark for a in created], valid_rows_only=valid_rows_only
            ),
            now=moment,
        )
    return report


@transaction.atomic
def insured_persons_import(
    *,
    acting_user: User | None,
    customer_id: int,
    content: bytes,
    filename: str,
    valid_rows_only: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
) -> ImportReport:
    """Add a customer's insured persons from an .xlsx or .csv file, like `aircraft_import`. The
    report and the audit entry never show an ID number."""
    user = insured_objects_write_check(user=acting_user, permission=PERM_IMPORT)
    insured_objects_write_check(user=user, permission=PERM_ADD_PERSON)
    moment = _moment(now)
    customer = _import_customer(customer_id)
    table = table_read(content=content, filename=filename, columns=PERSON_COLUMNS)
    checks: list[_RowCheck] = []
    numbers: dict[str, int] = {}
    for row in table.rows:
        problems = Problems()
        for name, rule, message in row.problems:
            problems.add(name, rule, message)
        values = {k: v for k, v in row.values.items() if k not in row.failed}
        cleaned = person_values_clean(problems, values, customer_id=customer.pk)
        check = _RowCheck(row=row.number, cleaned=cleaned, errors=_row_problems(problems))
        _duplicate_in_file("id_number", numbers, check)
        checks.append(check)
    report, to_import = _import_finish(
        kind="insured_persons",
        table=table,
        checks=checks,
        valid_rows_only=valid_rows_only,
        dry_run=dry_run,
    )
    created = [
        _person_create(
            customer=customer,
            cleaned=check.cleaned,
            user=user,
            moment=moment,
            action=InsuredObjectChangeAction.IMPORTED,
        )
        for check in to_import
    ]
    report.created_ids = [p.pk for p in created]
    if created:
        audit_record(
            action="insured_person.import",
            actor=user,
            subject=customer,
            after=report.audit_summary([p.pk for p in created], valid_rows_only=valid_rows_only),
            now=moment,
        )
    return report
