from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from coverdesk.accounts import selectors
from coverdesk.accounts.models import User
from coverdesk.accounts.services import api_token_create, api_token_revoke
from coverdesk.api.auth import API_AUTH, require_permission

router = Router(tags=["accounts"], auth=API_AUTH)


class ApiTokenOutput(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreateInput(Schema):
    name: str = Field(min_length=1, max_length=100)
    expires_at: datetime | None = None


class ApiTokenCreatedOutput(ApiTokenOutput):
    token: str = Field(description="The token itself. Shown once; store it now.")


@router.get("/tokens", response=list[ApiTokenOutput], summary="My API tokens")
def token_list(request: HttpRequest) -> list[ApiTokenOutput]:
    return [ApiTokenOutput.from_orm(t) for t in selectors.api_token_list(user=request.auth)]  # type: ignore[attr-defined]


@router.post("/tokens", response={201: ApiTokenCreatedOutput}, summary="Issue an API token")
def token_create(request: HttpRequest, data: ApiTokenCreateInput) -> Status[dict[str, object]]:
    user = request.auth  # type: ignore[attr-defined]
    issued = api_token_create(
        user=user, name=data.name, expires_at=data.expires_at, acting_user=user
    )
    body = ApiTokenOutput.from_orm(issued.token).dict()
    body["token"] = issued.plaintext
    return Status(201, body)


@router.delete("/tokens/{token_id}", response=ApiTokenOutput, summary="Revoke an API token")
def token_revoke(request: HttpRequest, token_id: int) -> ApiTokenOutput:
    token = api_token_revoke(token_id=token_id, acting_user=request.auth)  # type: ignore[attr-defined]
    return ApiTokenOutput.from_orm(token)


class DepartmentOutput(Schema):
    id: int
    code: str
    name: str
    name_en: str


@router.get("/departments", response=list[DepartmentOutput], summary="Departments")
def department_list(request: HttpRequest) -> list[DepartmentOutput]:
    require_permission(request, "accounts.view_user")
    return [DepartmentOutput.from_orm(d) for d in selectors.department_list()]


class UserOutput(Schema):
    id: int
    username: str
    name: str
    department: str | None
    manager: str | None
    roles: list[str]
    is_active: bool

    @staticmethod
    def resolve_name(obj: User) -> str:
        return str(obj)

    @staticmethod
    def resolve_department(obj: User) -> str | None:
        return obj.department.code if obj.department else None

    @staticmethod
    def resolve_manager(obj: User) -> str | None:
        return obj.manager.username if obj.manager else None

    @staticmethod
    def resolve_roles(obj: User) -> list[str]:
        return sorted(group.name for group in obj.groups.all())


@router.get("/users", response=list[UserOutput], summary="Users")
@paginate(PageNumberPagination)
def user_list(request: HttpRequest) -> QuerySet[User]:
    require_permission(request, "accounts.view_user")
    return selectors.user_list()
