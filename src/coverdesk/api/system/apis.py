from django.db import DatabaseError, connection
from django.http import HttpRequest
from ninja import Router, Schema, Status

from coverdesk.api.auth import API_AUTH

router = Router(tags=["system"])


class HealthOutput(Schema):
    status: str
    database: str


@router.get(
    "/health",
    response={200: HealthOutput, 503: HealthOutput},
    auth=None,
    summary="Liveness and database check",
)
def health(request: HttpRequest) -> Status[HealthOutput]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return Status(503, HealthOutput(status="unavailable", database="unreachable"))
    return Status(200, HealthOutput(status="ok", database="ok"))


class MeOutput(Schema):
    id: int
    username: str
    name: str
    email: str
    department: str | None
    roles: list[str]
    language: str
    permissions: list[str]


@router.get("/me", response=MeOutput, auth=API_AUTH, summary="The authenticated user")
def me(request: HttpRequest) -> MeOutput:
    user = request.auth  # type: ignore[attr-defined]
    return MeOutput(
        id=user.pk,
        username=user.username,
        name=str(user),
        email=user.email,
        department=user.department.code if user.department_id else None,
        roles=sorted(user.groups.values_list("name", flat=True)),
        language=user.language,
        permissions=sorted(user.get_all_permissions()),
    )
