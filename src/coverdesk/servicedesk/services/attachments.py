"""Files on inquiry messages: checked (type by extension and content, size, count) before
anything is written, stored under MEDIA_ROOT/servicedesk/<inquiry id>/ with a random name
(outside the web root; served only through `coverdesk.servicedesk.access`), and removed again
when the transaction that recorded them fails.

Settings: COVERDESK_SERVICEDESK_ATTACHMENT_TYPES (content type → extensions),
COVERDESK_SERVICEDESK_ATTACHMENT_MAX_BYTES and COVERDESK_SERVICEDESK_ATTACHMENT_MAX_COUNT; the
defaults are below."""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath
from typing import Any, Protocol

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import ValidationFailed
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
NAME_LIMIT = 200
STORE_DIR = "servicedesk"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SIGNATURES: Mapping[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (_ZIP,),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (_ZIP,),
    "application/msword": (_OLE,),
    "application/vnd.ms-excel": (_OLE,),
}


class Upload(Protocol):
    """What Django's UploadedFile offers and the services use."""

    @property
    def name(self) -> str | None: ...

    @property
    def size(self) -> int | None: ...

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]: ...


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


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    extension: str
    content_type: str
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


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


def _clean_name(raw: str | None) -> str:
    """The name without any directory part or control characters, at most 200 characters."""
    name = PurePath((raw or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > NAME_LIMIT:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: NAME_LIMIT - len(ext) - 1] + dot + ext) if dot else name[:NAME_LIMIT]
    return name


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def _too_large(field: str, name: str, size: int, limit: int) -> ValidationFailed:
    return ValidationFailed.for_field(
        field,
        "max_size",
        _("{name} is {size} MB; a file may have at most {limit} MB."),
        name=name,
        size=_megabytes(size),
        limit=_megabytes(limit),
    )


def attachment_check(upload: Upload, *, field: str = "attachments") -> CheckedUpload:
    """The upload read and checked: an allowed type (by extension, and the content must be of
    that type), not empty, not above the size limit. Raises ValidationFailed naming `field`,
    the rule and the file."""
    name = _clean_name(upload.name)
    if not name:
        raise ValidationFailed.for_field(field, "file_name", _("The file has no name."))
    extension = Path(name).suffix.lower()
    types = attachment_types()
    content_type = next((ct for ct, exts in types.items() if extension in exts), None)
    if content_type is None:
        allowed = ", ".join(sorted({ext for exts in types.values() for ext in exts}))
        raise ValidationFailed.for_field(
            field,
            "file_type",
            _("{name}: this type of file is not accepted; allowed: {allowed}."),
            name=name,
            allowed=allowed,
        )
    limit = attachment_max_bytes()
    if upload.size is not None and upload.size > limit:
        raise _too_large(field, name, upload.size, limit)
    data = b"".join(upload.chunks())
    if len(data) > limit:
        raise _too_large(field, name, len(data), limit)
    if not data:
        raise ValidationFailed.for_field(field, "empty", _("{name} is empty."), name=name)
    signatures = _SIGNATURES.get(content_type)
    if signatures and not data.startswith(signatures):
        raise ValidationFailed.for_field(
            field,
            "file_content",
            _("{name} does not contain what its name says ({extension})."),
            name=name,
            extension=extension,
        )
    return CheckedUpload(name, extension, content_type, data, hashlib.sha256(data).hexdigest())


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


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def attachment_absolute_path(stored: InquiryAttachment) -> Path:
    """Where a stored file is on disk (for the access-checked download)."""
    root = media_root().resolve()
    path = (root / stored.path).resolve()
    if root not in path.parents:
        raise ValueError("stored path escapes MEDIA_ROOT")
    return path


@contextmanager
def written_files_guard() -> Iterator[list[Path]]:
    """Collects the files a service writes and deletes them if the service fails, so a
    rolled-back transaction leaves no file behind."""
    written: list[Path] = []
    try:
        yield written
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


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
    directory = media_root() / STORE_DIR / str(message.inquiry_id)
    directory.mkdir(parents=True, exist_ok=True)
    rows: list[InquiryAttachment] = []
    for upload in uploads:
        relative = f"{STORE_DIR}/{message.inquiry_id}/{uuid.uuid4().hex}{upload.extension}"
        target = media_root() / relative
        with open(target, "xb") as handle:
            written.append(target)
            handle.write(upload.data)
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
