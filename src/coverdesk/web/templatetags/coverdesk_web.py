"""Display helpers: labels for codes and the colour class of a status badge. No decisions."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from coverdesk.accounts.choices import RoleCode
from coverdesk.audit.choices import AuditResult
from coverdesk.web.formatting import money

register = template.Library()

_ROLE_ORDER = {code: index for index, code in enumerate(RoleCode.values)}


def _role_labels(codes: list[str]) -> str:
    known = sorted((c for c in codes if c in _ROLE_ORDER), key=_ROLE_ORDER.__getitem__)
    return ", ".join(str(RoleCode(code).label) for code in known)


@register.simple_tag
def user_role_labels(user: Any) -> str:
    """Role names of a user; reads prefetched groups when the list view prefetched them."""
    return _role_labels([group.name for group in user.groups.all()])


@register.simple_tag
def department_name(department: Any) -> str:
    if department is None:
        return ""
    language = get_language() or ""
    return str(department.name if language.startswith("zh") else department.name_en)


@register.simple_tag
def token_status(token: Any) -> dict[str, str]:
    if token.revoked_at is not None:
        return {"code": "revoked", "label": _("Revoked"), "tone": "danger"}
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return {"code": "expired", "label": _("Expired"), "tone": "warn"}
    return {"code": "active", "label": _("Active"), "tone": "ok"}


_RESULT_TONE = {
    AuditResult.SUCCESS: "ok",
    AuditResult.DENIED: "warn",
    AuditResult.FAILURE: "danger",
}


@register.filter
def audit_result_tone(result: str) -> str:
    return _RESULT_TONE.get(result, "")  # type: ignore[call-overload]


@register.filter
def role_label(code: str) -> str:
    return _role_labels([code]) or code


@register.filter(name="money")
def money_filter(value: Any) -> str:
    """{{ amount|money }}: 70,000,000.00 in both languages (see web/formatting.py)."""
    return money(value)
