"""Canned answers: prepared texts an agent may start a reply from."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.servicedesk.models import CannedAnswer
from coverdesk.servicedesk.services.common import (
    BODY_LIMIT,
    moment_of,
    permission_require,
    text_clean,
)

CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")


@transaction.atomic
def canned_answer_save(
    *,
    code: str,
    title: str,
    body: str,
    acting_user: User | None,
    is_active: bool = True,
    now: datetime | None = None,
) -> CannedAnswer:
    """Create the canned answer `code`, or change it if it exists."""
    moment = moment_of(now)
    cleaned_code = code.strip().lower()
    if not CODE_PATTERN.fullmatch(cleaned_code):
        raise ValidationFailed.for_field(
            "code", "format", _("Lower-case letters, digits, - and _, at most 50.")
        )
    cleaned_title = text_clean(title, field="title", required=True, limit=200)
    text = text_clean(body, field="body", required=True, limit=BODY_LIMIT)
    canned = CannedAnswer.objects.select_for_update().filter(code=cleaned_code).first()
    user = permission_require(
        acting_user,
        "servicedesk.add_cannedanswer" if canned is None else "servicedesk.change_cannedanswer",
    )
    before = None
    if canned is None:
        canned = CannedAnswer(code=cleaned_code)
    else:
        before = {"title": canned.title, "body": canned.body, "is_active": canned.is_active}
    canned.title, canned.body, canned.is_active = cleaned_title, text, is_active
    canned.save()
    audit_record(
        action="servicedesk.canned_answer.save",
        actor=user,
        subject=canned,
        before=before,
        after={"title": cleaned_title, "body": text, "is_active": is_active},
        now=moment,
    )
    return canned
