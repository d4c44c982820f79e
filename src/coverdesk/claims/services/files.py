"""Files received on a claim: checked (type by extension and content, size) before anything is
written, stored under MEDIA_ROOT/claims/<claim id>/ with a random name (outside the web root;
served only through `coverdesk.claims.access`), and removed again when the transaction that
recorded them fails.

Settings: COVERDESK_CLAIM_UPLOAD_TYPES (content type → extensions) and
COVERDESK_CLAIM_UPLOAD_MAX_BYTES; the defaults are below."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from coverdesk.accounts.models import User
from coverdesk.claims.models import Claim, ClaimFile, ClaimMaterial, Survey
from coverdesk.core.uploads import (
    CheckedUpload,
    Signature,
    Upload,
    marker_at,
    starts_with,
    stored_absolute_path,
    upload_write,
)
from coverdesk.core.uploads import (
    upload_check as _upload_check,
)

UPLOAD_TYPES_DEFAULT: Mapping[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "video/mp4": (".mp4",),
}
UPLOAD_MAX_BYTES_DEFAULT = 20 * 1024 * 1024
STORE_DIR = "claims"
SIGNATURES: Mapping[str, Signature] = {
    "application/pdf": starts_with(b"%PDF-"),
    "image/jpeg": starts_with(b"\xff\xd8\xff"),
    "image/png": starts_with(b"\x89PNG\r\n\x1a\n"),
    "video/mp4": marker_at(4, b"ftyp"),
}


def upload_types() -> Mapping[str, tuple[str, ...]]:
    configured = getattr(settings, "COVERDESK_CLAIM_UPLOAD_TYPES", None)
    return dict(configured) if configured else UPLOAD_TYPES_DEFAULT


def upload_max_bytes() -> int:
    return int(getattr(settings, "COVERDESK_CLAIM_UPLOAD_MAX_BYTES", UPLOAD_MAX_BYTES_DEFAULT))


def upload_check(upload: Upload, *, field: str = "files") -> CheckedUpload:
    """The upload read and checked against the claim settings (see
    `coverdesk.core.uploads.upload_check`). Raises ValidationFailed naming `field`, the rule
    and the file."""
    return _upload_check(
        upload,
        field=field,
        types=upload_types(),
        max_bytes=upload_max_bytes(),
        signatures=SIGNATURES,
    )


def uploads_check(uploads: Iterable[Upload], *, field: str = "files") -> list[CheckedUpload]:
    return [upload_check(upload, field=field) for upload in uploads]


def file_absolute_path(stored: ClaimFile) -> Path:
    """Where a stored file is on disk (for the access-checked download)."""
    return stored_absolute_path(stored.path)


def files_store(
    claim: Claim,
    uploads: Sequence[CheckedUpload],
    *,
    purpose: str,
    written: list[Path],
    user: User | None,
    moment: datetime,
    material: ClaimMaterial | None = None,
    survey: Survey | None = None,
) -> list[ClaimFile]:
    """Write the checked uploads to disk and record them on the claim."""
    rows: list[ClaimFile] = []
    for upload in uploads:
        relative = upload_write(upload, directory=STORE_DIR, owner_id=claim.pk, written=written)
        fields: dict[str, Any] = {
            "claim": claim,
            "purpose": purpose,
            "material": material,
            "survey": survey,
            "path": relative,
            "original_name": upload.name,
            "content_type": upload.content_type,
            "size": upload.size,
            "sha256": upload.sha256,
            "uploaded_at": moment,
            "uploaded_by": user,
        }
        rows.append(ClaimFile.objects.create(**fields))
    return rows


def files_summary(rows: Iterable[ClaimFile]) -> list[dict[str, Any]]:
    """What the audit trail keeps of files: never their content or storage path."""
    return [
        {
            "name": row.original_name,
            "type": row.content_type,
            "size": row.size,
            "sha256": row.sha256,
        }
        for row in rows
    ]
