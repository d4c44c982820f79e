"""Authority limits per role (underwriting: total sum insured; servicing: premium change or
refund), an administrator's setting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.choices import RoleCode
from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.policies.choices import AuthorityKind
from coverdesk.policies.models import AuthorityLimit
from coverdesk.policies.services.common import PERM_AUTHORITY, moment_of, permission_require
from coverdesk.policies.validation import money_clean


@transaction.atomic
def authority_limit_set(
    *,
    role: str,
    kind: str,
    limit: Any,
    acting_user: User | None,
    now: datetime | None = None,
) -> AuthorityLimit:
    """Set what `role` may decide alone for `kind`; `limit` None (or empty) means without
    limit. A role without a row has no authority of that kind."""
    user = permission_require(acting_user, PERM_AUTHORITY)
    moment = moment_of(now)
    if role not in RoleCode.values or role == RoleCode.CUSTOMER:
        raise ValidationFailed.for_field("role", "choice", _("Unknown staff role."))
    if kind not in AuthorityKind.values:
        raise ValidationFailed.for_field("kind", "choice", _("Unknown kind of authority."))
    amount = money_clean(limit, field="limit", allow_none=True)
    row = AuthorityLimit.objects.select_for_update().filter(role=role, kind=kind).first()
    before = None if row is None else {"limit": row.limit}
    if row is None:
        row = AuthorityLimit(role=role, kind=kind)
    row.limit = amount
    row.save()
    audit_record(
        action="authority_limit.set",
        actor=user,
        subject=row,
        before=before,
        after={"role": role, "kind": kind, "limit": amount},
        now=moment,
    )
    return row
