from __future__ import annotations

from django.db.models import QuerySet

from coverdesk.accounts.models import ApiToken, Department, User


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def department_list() -> QuerySet[Department]:
    return Department.objects.order_by("code")


def user_list() -> QuerySet[User]:
    return (
        User.objects.select_related("department", "manager")
        .prefetch_related("groups")
        .order_by("username")
    )
