"""What the routers of the policies area share: a page that shapes only the rows it keeps, the
document checklist as output, errors that name the body's fields, and the one shape of every
workflow action — fetch the object as the caller may see it, call one service as the caller,
render the object re-read."""

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema

from coverdesk.core import clock
from coverdesk.core.exceptions import ApplicationError, FieldError


class DocumentOutput(Schema):
    code: str
    name: str
    name_en: str
    required: bool
    status: str
    note: str


class DocumentsReviewInput(Schema):
    received: list[str] = []
    rejected: dict[str, str] = Field({}, description="Document code → reason")


class ReasonInput(Schema):
    reason: str = Field(min_length=1)


def documents_out(documents: Iterable[Any]) -> list[dict[str, Any]]:
    """A checklist (application or servicing documents) in its order of creation."""
    return [
        {
            "code": d.code,
            "name": d.name,
            "name_en": d.name_en,
            "required": d.required,
            "status": d.status,
            "note": d.note,
        }
        for d in documents
    ]


class Page:
    """Lets the paginator slice the queryset, then shapes only the rows of the page it keeps
    (so a list costs the same queries for one row or a page of them).

    The page is read in two steps: the ids of the page in the list's order (no joins: an index
    on the order answers it, however deep the page), then those rows with their related rows.
    One query in one step would join every row it skips over (OFFSET) before the page: 0.3 s
    for a page deep in 100,000 policies (benchmarks/policy_list.py)."""

    def __init__(self, queryset: Any, shape: Callable[[Any], dict[str, Any]]) -> None:
        self.queryset, self.shape = queryset, shape

    def __len__(self) -> int:
        return int(self.queryset.count())

    def count(self) -> int:
        return int(self.queryset.count())

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        ids = list(self.queryset.values_list("pk", flat=True)[key])
        rows = {row.pk: row for row in self.queryset.filter(pk__in=ids).order_by()}
        return [self.shape(rows[pk]) for pk in ids if pk in rows]  # a row gone meanwhile


@contextmanager
def body_fields(names: Mapping[str, str]) -> Iterator[None]:
    """Services name a field after their own parameter (`product`, `customer`); the caller sent
    `product_code`, `customer_id`. Errors raised inside name the field as the caller sent it."""
    try:
        yield
    except ApplicationError as error:
        if names and any(f.field in names for f in error.fields):
            error.fields = [
                FieldError(names.get(f.field, f.field), f.rule, f.message) for f in error.fields
            ]
            if error.params.get("field") in names:
                error.params["field"] = names[error.params["field"]]
        raise


def today() -> date:
    """The local date of the project clock (frozen in tests)."""
    return timezone.localdate(clock.now())


def caller(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Workflow:
    """The actions of one kind of object. `fetch(user, id)` returns the object as `user` may
    see it or raises NotFound (revealing nothing); `render` shapes it for the answer; `id_name`
    is the keyword the services take the object's id by; `fields` renames the services' field
    names to the body's."""

    fetch: Callable[[Any, int], Any]
    render: Callable[[Any], dict[str, Any]]
    id_name: str
    fields: Mapping[str, str] = field(default_factory=dict)

    def call(
        self, request: HttpRequest, object_id: int, service: Callable[..., Any], **values: Any
    ) -> Any:
        """Check the caller sees the object, then call `service` as the caller; its result."""
        user = caller(request)
        self.fetch(user, object_id)
        with body_fields(self.fields):
            return service(acting_user=user, **{self.id_name: object_id}, **values)

    def act(
        self, request: HttpRequest, object_id: int, service: Callable[..., Any], **values: Any
    ) -> dict[str, Any]:
        """`call`, then the object re-read as the caller sees it now."""
        self.call(request, object_id, service, **values)
        return self.detail(request, object_id)

    def detail(self, request: HttpRequest, object_id: int) -> dict[str, Any]:
        return self.render(self.fetch(caller(request), object_id))
