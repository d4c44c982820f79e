"""Insured objects: the aircraft register and insured persons — list with filters, detail,
register or add, change, and bulk import with a row-by-row report. ID numbers are masked."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from coverdesk.api.auth import API_AUTH
from coverdesk.api.policies.common import Page, Workflow, caller
from coverdesk.catalog.choices import PersonCategory
from coverdesk.policies.access.insured import (
    aircraft_for_user,
    aircraft_for_user_list,
    insured_person_for_user,
    insured_persons_for_user,
)
from coverdesk.policies.models.insured import (
    Aircraft,
    InsuredPerson,
    InsuredPersonStatus,
    Ownership,
)
from coverdesk.policies.selectors.insured import aircraft_changes, insured_person_changes
from coverdesk.policies.services.insured import (
    aircraft_import,
    aircraft_register,
    aircraft_update,
    insured_person_add,
    insured_person_id_reveal,
    insured_person_update,
    insured_persons_import,
)

router = Router(tags=["insured objects"], auth=API_AUTH)


class EquipmentSchema(Schema):
    name: str
    sum_insured: Decimal | None = None


class AircraftOutput(Schema):
    id: int
    customer_id: int
    customer_name: str
    model: str
    manufacturer: str
    registration_mark: str
    serial_number: str
    agreed_value: Decimal
    purchase_year: int
    crew_seats: int
    passenger_seats: int
    ownership: Ownership
    installed_equipment: list[dict[str, Any]]
    is_active: bool
    notes: str


class AircraftInput(Schema):
    customer_id: int
    model: str
    registration_mark: str
    agreed_value: Decimal
    purchase_year: int
    crew_seats: int
    passenger_seats: int
    ownership: Ownership
    manufacturer: str = ""
    serial_number: str = ""
    installed_equipment: list[EquipmentSchema] = []
    notes: str = ""


class AircraftUpdateInput(Schema):
    reason: str = ""
    model: str | None = None
    manufacturer: str | None = None
    registration_mark: str | None = None
    serial_number: str | None = None
    agreed_value: Decimal | None = None
    purchase_year: int | None = None
    crew_seats: int | None = None
    passenger_seats: int | None = None
    ownership: Ownership | None = None
    installed_equipment: list[EquipmentSchema] | None = None
    is_active: bool | None = None
    notes: str | None = None


class PersonOutput(Schema):
    id: int
    customer_id: int
    customer_name: str
    name: str
    id_number: str = Field(description="Masked")
    occupation: str
    category: PersonCategory
    department: str
    status: InsuredPersonStatus
    notes: str


class PersonInput(Schema):
    customer_id: int
    name: str
    id_number: str
    category: PersonCategory
    occupation: str = ""
    department: str = ""
    notes: str = ""


class PersonUpdateInput(Schema):
    reason: str = ""
    name: str | None = None
    id_number: str | None = None
    occupation: str | None = None
    category: PersonCategory | None = None
    department: str | None = None
    status: InsuredPersonStatus | None = None
    notes: str | None = None


class IdNumberOutput(Schema):
    id_number: str


class ChangeOutput(Schema):
    id: int
    action: str
    changed_at: datetime
    changed_by_id: int | None
    before: dict[str, Any] | None = Field(description="Fields changed, as they were (masked)")
    after: dict[str, Any] | None = Field(description="Fields changed, as they are (masked)")
    reason: str


class ImportIssueOutput(Schema):
    row: int
    column: str
    field: str
    rule: str
    message: str


class ImportReportOutput(Schema):
    kind: str
    filename: str
    status: str
    total_rows: int
    valid_rows: int
    imported: int
    skipped_rows: list[int]
    ignored_columns: list[str]
    issues: list[ImportIssueOutput]
    created_ids: list[int]


def _aircraft(aircraft: Aircraft) -> dict[str, Any]:
    return {
        "id": aircraft.pk,
        "customer_id": aircraft.customer_id,
        "customer_name": aircraft.customer.name,
        "model": aircraft.model,
        "manufacturer": aircraft.manufacturer,
        "registration_mark": aircraft.registration_mark,
        "serial_number": aircraft.serial_number,
        "agreed_value": aircraft.agreed_value,
        "purchase_year": aircraft.purchase_year,
        "crew_seats": aircraft.crew_seats,
        "passenger_seats": aircraft.passenger_seats,
        "ownership": aircraft.ownership,
        "installed_equipment": aircraft.installed_equipment,
        "is_active": aircraft.is_active,
        "notes": aircraft.notes,
    }


def _person(person: InsuredPerson) -> dict[str, Any]:
    return {
        "id": person.pk,
        "customer_id": person.customer_id,
        "customer_name": person.customer.name,
        "name": person.name,
        "id_number": person.id_number_masked,
        "occupation": person.occupation,
        "category": person.category,
        "department": person.department,
        "status": person.status,
        "notes": person.notes,
    }


def _change(change: Any) -> dict[str, Any]:
    return {
        "id": change.pk,
        "action": change.action,
        "changed_at": change.changed_at,
        "changed_by_id": change.changed_by_id,
        "before": change.before,
        "after": change.after,
        "reason": change.reason,
    }


AIRCRAFT = Workflow(
    fetch=lambda user, aircraft_id: aircraft_for_user(user=user, aircraft_id=aircraft_id),
    render=_aircraft,
    id_name="aircraft_id",
)
PERSONS = Workflow(
    fetch=lambda user, person_id: insured_person_for_user(user=user, person_id=person_id),
    render=_person,
    id_name="person_id",
)


def _equipment(items: list[EquipmentSchema] | None) -> list[dict[str, Any]] | None:
    if items is None:
        return None
    return [item.dict() for item in items]


# Aircraft ------------------------------------------------------------------------------------


@router.get("/aircraft", response=list[AircraftOutput], summary="The aircraft register")
@paginate(PageNumberPagination)
def aircraft_list_api(
    request: HttpRequest, customer: int | None = None, q: str = "", active_only: bool = False
) -> Any:
    rows = aircraft_for_user_list(
        user=request.auth,  # type: ignore[attr-defined]
        customer_id=customer,
        query=q,
        active_only=active_only,
    )
    return Page(rows, _aircraft)


@router.get("/aircraft/{int:aircraft_id}", response=AircraftOutput, summary="An aircraft")
def aircraft_detail(request: HttpRequest, aircraft_id: int) -> dict[str, Any]:
    return AIRCRAFT.detail(request, aircraft_id)


@router.get(
    "/aircraft/{int:aircraft_id}/changes",
    response=list[ChangeOutput],
    summary="An aircraft's change history, oldest first",
)
def aircraft_history(request: HttpRequest, aircraft_id: int) -> list[dict[str, Any]]:
    aircraft = aircraft_for_user(user=caller(request), aircraft_id=aircraft_id)
    return [_change(c) for c in aircraft_changes(aircraft_id=aircraft.pk)]


@router.post("/aircraft", response={201: AircraftOutput}, summary="Register an aircraft")
def aircraft_register_api(request: HttpRequest, data: AircraftInput) -> Status[dict[str, Any]]:
    values = data.dict()
    values["installed_equipment"] = _equipment(data.installed_equipment)
    aircraft = aircraft_register(acting_user=caller(request), **values)
    return Status(201, AIRCRAFT.detail(request, aircraft.pk))


@router.patch("/aircraft/{int:aircraft_id}", response=AircraftOutput, summary="Change an aircraft")
def aircraft_update_api(
    request: HttpRequest, aircraft_id: int, data: AircraftUpdateInput
) -> dict[str, Any]:
    values = data.dict(exclude_unset=True)
    if "installed_equipment" in values:
        values["installed_equipment"] = _equipment(data.installed_equipment)
    return AIRCRAFT.act(request, aircraft_id, aircraft_update, **values)


@router.post(
    "/aircraft/import",
    response=ImportReportOutput,
    summary="Import aircraft from .xlsx or .csv (row-by-row report)",
)
def aircraft_import_api(
    request: HttpRequest,
    file: File[UploadedFile],
    customer_id: Form[int],
    valid_rows_only: Form[bool] = False,
    dry_run: Form[bool] = False,
) -> dict[str, Any]:
    report = aircraft_import(
        acting_user=request.auth,  # type: ignore[attr-defined]
        customer_id=customer_id,
        content=file.read(),
        filename=file.name or "",
        valid_rows_only=valid_rows_only,
        dry_run=dry_run,
    )
    return report.as_dict()


# Insured persons -----------------------------------------------------------------------------


@router.get("/insured-persons", response=list[PersonOutput], summary="Insured persons (ID masked)")
@paginate(PageNumberPagination)
def person_list_api(
    request: HttpRequest,
    customer: int | None = None,
    q: str = "",
    category: PersonCategory | None = None,
    status: InsuredPersonStatus | None = None,
) -> Any:
    rows = insured_persons_for_user(
        user=request.auth,  # type: ignore[attr-defined]
        customer_id=customer,
        query=q,
        category=category,
        status=status,
    )
    return Page(rows, _person)


@router.get("/insured-persons/{int:person_id}", response=PersonOutput, summary="An insured person")
def person_detail(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return PERSONS.detail(request, person_id)


@router.get(
    "/insured-persons/{int:person_id}/changes",
    response=list[ChangeOutput],
    summary="An insured person's change history, oldest first (ID numbers masked)",
)
def person_history(request: HttpRequest, person_id: int) -> list[dict[str, Any]]:
    person = insured_person_for_user(user=caller(request), person_id=person_id)
    return [_change(c) for c in insured_person_changes(person_id=person.pk)]


@router.get(
    "/insured-persons/{int:person_id}/id-number",
    response=IdNumberOutput,
    summary="The unmasked ID number (audited, refusals too; needs parties.view_pii)",
)
def person_id_number(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return {"id_number": PERSONS.call(request, person_id, insured_person_id_reveal)}


@router.post("/insured-persons", response={201: PersonOutput}, summary="Add an insured person")
def person_add_api(request: HttpRequest, data: PersonInput) -> Status[dict[str, Any]]:
    person = insured_person_add(acting_user=caller(request), **data.dict())
    return Status(201, PERSONS.detail(request, person.pk))


@router.patch(
    "/insured-persons/{int:person_id}", response=PersonOutput, summary="Change an insured person"
)
def person_update_api(
    request: HttpRequest, person_id: int, data: PersonUpdateInput
) -> dict[str, Any]:
    return PERSONS.act(request, person_id, insured_person_update, **data.dict(exclude_unset=True))


@router.post(
    "/insured-persons/import",
    response=ImportReportOutput,
    summary="Import insured persons from .xlsx or .csv (row-by-row report, no ID numbers)",
)
def person_import_api(
    request: HttpRequest,
    file: File[UploadedFile],
    customer_id: Form[int],
    valid_rows_only: Form[bool] = False,
    dry_run: Form[bool] = False,
) -> dict[str, Any]:
    report = insured_persons_import(
        acting_user=request.auth,  # type: ignore[attr-defined]
        customer_id=customer_id,
        content=file.read(),
        filename=file.name or "",
        valid_rows_only=valid_rows_only,
        dry_run=dry_run,
    )
    return report.as_dict()
