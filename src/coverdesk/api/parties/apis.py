from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from coverdesk.api.auth import API_AUTH, require_permission
from coverdesk.parties.access import parties_for_user, party_access_for_user
from coverdesk.parties.choices import PartyKind
from coverdesk.parties.presentation import contact_masked, party_masked
from coverdesk.parties.selectors import contact_list
from coverdesk.parties.services import contact_add, party_create, party_pii_reveal, party_update

router = Router(tags=["customers"], auth=API_AUTH)


class ContactOutput(Schema):
    id: int
    name: str
    title: str
    phone: str = Field(description="Masked unless read through /personal-data")
    email: str
    is_primary: bool


class CustomerOutput(Schema):
    id: int
    kind: PartyKind
    name: str
    name_en: str
    credit_code: str
    id_number: str = Field(description="Masked, e.g. 4401**********1234")
    phone: str
    email: str
    address: str
    notes: str
    is_active: bool


class CustomerDetailOutput(CustomerOutput):
    contacts: list[ContactOutput]


class CustomerCreateInput(Schema):
    kind: PartyKind
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    credit_code: str = Field("", max_length=18)
    id_number: str = Field("", max_length=18)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=300)
    notes: str = ""


class CustomerUpdateInput(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    credit_code: str | None = Field(None, max_length=18)
    id_number: str | None = Field(None, max_length=18)
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=300)
    notes: str | None = None
    is_active: bool | None = None


class ContactCreateInput(Schema):
    name: str = Field(min_length=1, max_length=100)
    title: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    is_primary: bool = False


class RevealedContactOutput(Schema):
    id: int
    name: str
    phone: str
    email: str


class PersonalDataOutput(Schema):
    id: int
    id_number: str
    phone: str
    email: str
    contacts: list[RevealedContactOutput]


def _detail(party: Any) -> dict[str, Any]:
    body = party_masked(party)
    body["contacts"] = [contact_masked(c) for c in contact_list(party_id=party.pk)]
    return body


@router.get("/customers", response=list[CustomerOutput], summary="Customers (masked)")
@paginate(PageNumberPagination)
def customer_list(request: HttpRequest, q: str = "", kind: PartyKind | None = None) -> Any:
    parties = parties_for_user(user=request.auth, query=q, kind=kind)  # type: ignore[attr-defined]
    return _MaskedPage(parties)


class _MaskedPage:
    """Lets the paginator slice the queryset, then masks only the page it keeps."""

    def __init__(self, queryset: Any) -> None:
        self.queryset = queryset

    def __len__(self) -> int:
        return int(self.queryset.count())

    def count(self) -> int:
        return int(self.queryset.count())

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        return [party_masked(p) for p in self.queryset[key]]


@router.get("/customers/{party_id}", response=CustomerDetailOutput, summary="A customer")
def customer_detail(request: HttpRequest, party_id: int) -> dict[str, Any]:
    party = party_access_for_user(user=request.auth, party_id=party_id)  # type: ignore[attr-defined]
    return _detail(party)


@router.post("/customers", response={201: CustomerDetailOutput}, summary="Create a customer")
def customer_create(request: HttpRequest, data: CustomerCreateInput) -> Status[dict[str, Any]]:
    user = require_permission(request, "parties.add_party")
    party = party_create(acting_user=user, **data.dict())
    return Status(201, _detail(party))


@router.patch("/customers/{party_id}", response=CustomerDetailOutput, summary="Change a customer")
def customer_update(
    request: HttpRequest, party_id: int, data: CustomerUpdateInput
) -> dict[str, Any]:
    user = require_permission(request, "parties.change_party")
    party_access_for_user(user=user, party_id=party_id)
    party = party_update(party_id=party_id, acting_user=user, **data.dict(exclude_unset=True))
    return _detail(party)


@router.post(
    "/customers/{party_id}/contacts", response={201: ContactOutput}, summary="Add a contact"
)
def customer_contact_add(
    request: HttpRequest, party_id: int, data: ContactCreateInput
) -> Status[dict[str, Any]]:
    user = require_permission(request, "parties.change_party")
    party_access_for_user(user=user, party_id=party_id)
    contact = contact_add(party_id=party_id, acting_user=user, **data.dict())
    return Status(201, contact_masked(contact))


@router.get(
    "/customers/{party_id}/personal-data",
    response=PersonalDataOutput,
    summary="Unmasked personal data (audited; needs parties.view_pii)",
)
def customer_personal_data(request: HttpRequest, party_id: int) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    party_access_for_user(user=user, party_id=party_id)
    return party_pii_reveal(party_id=party_id, acting_user=user)
