"""Writes for users and API tokens. Each runs in one transaction with its audit entry."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.choices import Language
from coverdesk.accounts.exceptions import ApiTokenNotFound
from coverdesk.accounts.models import ApiToken, Department, User
from coverdesk.audit.choices import AuditResult
from coverdesk.audit.services import audit_record
from coverdesk.core import clock
from coverdesk.core.exceptions import FieldError, ValidationFailed

TOKEN_PREFIX = "cdk"


def _token_hash(raw: str) -> str:
    # API tokens carry 256 bits of randomness: a plain SHA-256 cannot be brute-forced, and a
    # fast hash keeps every API call cheap (unlike passwords, which use Argon2).
    return hashlib.sha256(raw.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    acting_user: User,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> IssuedToken:
    """Issue a token for `user`; the plaintext is returned once and only its hash is kept."""
    name = name.strip()
    if not name:
        raise ValidationFailed.for_field("name", "required", _("Give the token a name."))
    if len(name) > 100:
        raise ValidationFailed.for_field(
            "name", "max_length", _("At most {limit} characters."), limit=100
        )
    moment = now or clock.now()
    if expires_at is not None and expires_at <= moment:
        raise ValidationFailed.for_field(
            "expires_at", "future", _("The expiry must lie in the future.")
        )
    prefix = secrets.token_hex(4)
    plaintext = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        token_hash=_token_hash(plaintext),
        expires_at=expires_at,
    )
    audit_record(
        action="api_token.create",
        actor=acting_user,
        subject=token,
        after={
            "user": user.pk,
            "name": name,
            "prefix": prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
        now=moment,
    )
    return IssuedToken(token=token, plaintext=plaintext)


@transaction.atomic
def api_token_revoke(*, token_id: int, acting_user: User, now: datetime | None = None) -> ApiToken:
    """Revoke one of the acting user's own tokens (an administrator may revoke anyone's)."""
    tokens = ApiToken.objects.select_for_update()
    if not acting_user.has_perm("accounts.manage_users"):
        tokens = tokens.filter(user=acting_user)
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise ApiTokenNotFound()
    if token.revoked_at is None:
        token.revoked_at = now or clock.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            action="api_token.revoke",
            actor=acting_user,
            subject=token,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at.isoformat()},
            now=token.revoked_at,
        )
    return token


def api_token_authenticate(*, raw: str, now: datetime | None = None) -> User | None:
    """The active user behind a presented token, or None. Records when it was last used."""
    if not raw.startswith(f"{TOKEN_PREFIX}_") or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_token_hash(raw), revoked_at__isnull=True)
        .first()
    )
    moment = now or clock.now()
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= moment:
        return None
    # Touch at most once a minute: a busy integration must not write on every call.
    if token.last_used_at is None or (moment - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
    return token.user


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    acting_user: User | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    department: Department | None = None,
    manager: User | None = None,
    roles: list[str] | None = None,
    language: str = Language.ZH_HANS,
    validate: bool = True,
) -> User:
    """Create a user with roles. `validate=False` is for the demo's shared password only."""
    username = username.strip()
    if not username:
        raise ValidationFailed.for_field("username", "required", _("A username is required."))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed.for_field(
            "username", "unique", _("The username {username} is taken."), username=username
        )
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        department=department,
        manager=manager,
        language=language,
    )
    if password is None:
        user.set_unusable_password()
    else:
        if validate:
            try:
                validate_password(password, user)
            except DjangoValidationError as exc:
                raise ValidationFailed(
                    fields=[FieldError("password", "password_policy", m) for m in exc.messages]
                ) from exc
        user.set_password(password)
    user.save()
    groups = list(Group.objects.filter(name__in=roles or []))
    unknown = set(roles or []) - {g.name for g in groups}
    if unknown:
        raise ValidationFailed.for_field(
            "roles", "choice", _("Unknown role: {roles}."), roles=", ".join(sorted(unknown))
        )
    user.groups.set(groups)
    audit_record(
        action="user.create",
        actor=acting_user,
        subject=user,
        after={
            "username": username,
            "department": department.code if department else None,
            "roles": sorted(roles or []),
        },
    )
    return user


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    if language not in Language.values:
        raise ValidationFailed.for_field(
            "language", "choice", _("Unsupported language {language}."), language=language
        )
    if user.language != language:
        before = user.language
        user.language = language
        user.save(update_fields=["language"])
        audit_record(
            action="user.language_set",
            actor=user,
            subject=user,
            before={"language": before},
            after={"language": language},
        )
    return user


@transaction.atomic
def login_attempt_record(*, username: str, user: Any, succeeded: bool) -> None:
    """Successful and failed logins belong to the operation log (网络安全法 21)."""
    audit_record(
        action="session.login",
        actor=user if succeeded else None,
        subject=("accounts.user", user.pk) if succeeded and user is not None else None,
        result=AuditResult.SUCCESS if succeeded else AuditResult.DENIED,
        after={"username": username[:150]},
    )


DEFAULT_DEPARTMENTS: list[tuple[str, str, str]] = [
    ("sales", "销售部", "Sales"),
    ("customer_service", "客户服务部", "Customer service"),
    ("claims", "理赔部", "Claims"),
    ("back_office", "后台支持部", "Back office"),
    ("management", "管理层", "Management"),
    ("it", "信息技术部", "IT"),
]


@transaction.atomic
def departments_ensure_defaults(*, acting_user: User | None = None) -> list[Department]:
    """The six departments of domain.md §1; creating them again changes nothing."""
    departments = []
    for code, name, name_en in DEFAULT_DEPARTMENTS:
        department, created = Department.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )
        if created:
            audit_record(
                action="department.create",
                actor=acting_user,
                subject=department,
                after={"code": code, "name": name, "name_en": name_en},
            )
        departments.append(department)
    return departments


@transaction.atomic
def department_head_set(
    *, department: Department, head: User | None, acting_user: User | None
) -> Department:
    """Name who heads a department: they receive its yellow and red warnings."""
    department = Department.objects.select_for_update().get(pk=department.pk)
    if department.head_id == (head.pk if head else None):
        return department
    before = department.head_id
    department.head = head
    department.save(update_fields=["head", "updated_at"])
    audit_record(
        action="department.head_set",
        actor=acting_user,
        subject=department,
        before={"head": before},
        after={"head": head.pk if head else None},
    )
    return department


@transaction.atomic
def user_manager_set(*, user: User, manager: User | None, acting_user: User | None) -> User:
    if manager is not None and manager.pk == user.pk:
        raise ValidationFailed.for_field("manager", "not_self", _("A user cannot manage themself."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.manager_id == (manager.pk if manager else None):
        return user
    before = user.manager_id
    user.manager = manager
    user.save(update_fields=["manager"])
    audit_record(
        action="user.manager_set",
        actor=acting_user,
        subject=user,
        before={"manager": before},
        after={"manager": manager.pk if manager else None},
    )
    return user


@transaction.atomic
def logout_record(*, user: User) -> None:
    """Signing out closes the session; the operation log keeps when."""
    audit_record(action="session.logout", actor=user, subject=user)
