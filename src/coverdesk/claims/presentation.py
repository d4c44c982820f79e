"""Masked views of a claim's personal data: the reporter's phone and email are shown masked;
unmasked values are for those holding parties.view_pii (the web and API layers decide)."""

from __future__ import annotations

from typing import Any

from coverdesk.claims.models import Claim
from coverdesk.core.masking import mask_email, mask_phone


def reporter_masked(claim: Claim) -> dict[str, Any]:
    return {
        "name": claim.reporter_name,
        "phone": mask_phone(claim.reporter_phone) if claim.reporter_phone else "",
        "email": mask_email(claim.reporter_email) if claim.reporter_email else "",
    }
