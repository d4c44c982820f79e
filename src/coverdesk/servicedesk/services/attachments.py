"""Files on inquiry messages: checked (type by extension and content, size, count) before
anything is written, stored under MEDIA_ROOT/servicedesk/<inquiry id>/ with a random name
(outside the web root; served only through `coverdesk.servicedesk.access`), and removed again
when the transaction that recorded them fails.

Settings: COVERDESK_SERVICEDESK_ATTACHMENT_TYPES (content type → extensions),
COVERDESK_SERVICEDESK_ATTACHMENT_MAX_BYTES and COVERDESK_SERVICEDESK_ATTACHMENT_MAX_COUNT; the
defaults are below."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import ValidationFailed
from coverdesk.core.uploads import (
    CheckedUpload,
    Signature,
    Upload,
    starts_with,
    stored_absolute_path,
    upload_check,
    upload_write,
)
from coverdesk.servicedesk.models import InquiryAttachment, InquiryMessage

ATTACHMENT_TYPES_DEFAULT: Mapping[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "text/plain": (".txt",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/msword": (".doc",),
    "application/vnd.ms-excel": (".xls",),
}
ATTACHMENT_MAX_BYTES_DEFAULT = 10 * 1024 * 1024
ATTACHMENT_MAX_COUNT_DEFAULT = 10
STORE_DIR = "servicedesk"
_ZIP = starts_with(b"PK\x03\x04")
_OLE = starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
SIGNATURES: Mapping[str, Signature] = {
    "application/pdf": starts_with(b"%PDF-"),
    "image/jpeg": starts_with(b"\xff\xd8\xff"),
    "image/png": starts_with(b"\x89PNG\r\n\x1a\n"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _ZIP,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _ZIP,
    "application/msword": _OLE,
    "application/vnd.ms-excel": _OLE,
}


class BytesUpload:
    """An attachment already in memory (e.g. from an email), shaped like an upload."""

    def __init__(self, name: str | None, data: bytes) -> None:
        self._name, self.data = name, data

    @property
    def name(self) -> str | None:
        return self._name

    @property
    def size(self) -> int | None:
        return len(self.data)

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        yield self.data


def attachment_types() -> Mapping[str, tuple[str, ...]]:
    configured = getattr(settings, "COVERDESK_SERVICEDESK_ATTACHMENT_TYPES", None)
    return dict(configured) if configured else ATTACHMENT_TYPES_DEFAULT


def attachment_max_bytes() -> int:
    return int(
        getattr(
            settings, "COVERDESK_SERVICEDESK_ATTACHMENT_MAX_BYTES", ATTACHMENT_MAX_BYTES_DEFAULT
        )
    )


def attachment_max_count() -> int:
    return int(
        getattr(
            settings, "COVERDESK_SERVICEDESK_ATTACHMENT_MAX_COUNT", ATTACHMENT_MAX_COUNT_DEFAULT
        )
    )


def attachment_check(upload: Upload, *, field: str = "attachments") -> CheckedUpload:
    """The upload read and checked against the service desk settings (see
    `coverdesk.core.uploads.upload_check`). Raises ValidationFailed naming `field`, the rule
    and the file."""
    return upload_check(
        upload,
        field=field,
        types=attachment_types(),
        max_bytes=attachment_max_bytes(),
        signatures=SIGNATURES,
    )


def attachments_check(
    uploads: Iterable[Upload], *, field: str = "attachments"
) -> list[CheckedUpload]:
    checked = [attachment_check(upload, field=field) for upload in uploads]
    limit = attachment_max_count()
    if len(checked) > limit:
        raise ValidationFailed.for_field(
            field, "max_count", _("At most {limit} files per message."), limit=limit
        )
    return checked


def attachment_absolute_path(stored: InquiryAttachment) -> Path:
    """Where a stored file is on disk (for the access-checked download)."""
    return stored_absolute_path(stored.path)


def attachments_store(
    message: InquiryMessage,
    uploads: Sequence[CheckedUpload],
    *,
    written: list[Path],
    moment: datetime,
) -> list[InquiryAttachment]:
    """Write the checked uploads to disk and record them on the message."""
    if not uploads:
        return []
    rows: list[InquiryAttachment] = []
    for upload in uploads:
        relative = upload_write(
            upload, directory=STORE_DIR, owner_id=message.inquiry_id, written=written
        )
        rows.append(
            InquiryAttachment.objects.create(
                message=message,
                path=relative,
                original_name=upload.name,
                content_type=upload.content_type,
                size=upload.size,
                sha256=upload.sha256,
                at=moment,
            )
        )
    return rows


def attachments_summary(rows: Iterable[InquiryAttachment | CheckedUpload]) -> list[dict[str, Any]]:
    """What the audit trail keeps of files: never their content or storage path."""
    summary: list[dict[str, Any]] = []
    for row in rows:
        if isinstance(row, InquiryAttachment):
            summary.append(
                {
                    "name": row.original_name,
                    "type": row.content_type,
                    "size": row.size,
                    "sha256": row.sha256,
                }
            )
        else:
            summary.append(
                {"name": row.name, "type": row.content_type, "size": row.size, "sha256": row.sha256}
            )
    return summary
