"""Files received on a claim: checked (type by extension and content, size) before anything is
written, stored under MEDIA_ROOT/claims/<claim id>/ with a random name (outside the web root;
served only through `coverdesk.claims.access`), and removed again when the transaction that
recorded them fails.

Settings: COVERDESK_CLAIM_UPLOAD_TYPES (content type → extensions) and
COVERDESK_CLAIM_UPLOAD_MAX_BYTES; the defaults are below."""

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

from coverdesk.accounts.models import User
from coverdesk.claims.models import Claim, ClaimFile, ClaimMaterial, Survey
from coverdesk.core.exceptions import ValidationFailed

UPLOAD_TYPES_DEFAULT: Mapping[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "video/mp4": (".mp4",),
}
UPLOAD_MAX_BYTES_DEFAULT = 20 * 1024 * 1024
NAME_LIMIT = 200
STORE_DIR = "claims"


class Upload(Protocol):
    """What Django's UploadedFile offers and the services use."""

    name: str | None
    size: int | None

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]: ...


def _signature_ok(content_type: str, head: bytes) -> bool:
    """Whether the first bytes are those of `content_type` (types without a known signature
    pass)."""
    if content_type == "application/pdf":
        return head.startswith(b"%PDF-")
    if content_type == "image/jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if content_type == "image/png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if content_type == "video/mp4":
        return head[4:8] == b"ftyp"
    return True


def upload_types() -> Mapping[str, tuple[str, ...]]:
    configured = getattr(settings, "COVERDESK_CLAIM_UPLOAD_TYPES", None)
    return dict(configured) if configured else UPLOAD_TYPES_DEFAULT


def upload_max_bytes() -> int:
    return int(getattr(settings, "COVERDESK_CLAIM_UPLOAD_MAX_BYTES", UPLOAD_MAX_BYTES_DEFAULT))


def _clean_name(raw: str | None) -> str:
    """The uploaded name without any directory part or control characters."""
    name = PurePath((raw or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > NAME_LIMIT:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: NAME_LIMIT - len(ext) - 1] + dot + ext) if dot else name[:NAME_LIMIT]
    return name


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


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def upload_check(upload: Upload, *, field: str = "files") -> CheckedUpload:
    """The upload read and checked: an allowed type (by extension, and the content must be of
    that type), not empty, not above the size limit. Raises ValidationFailed naming `field`,
    the rule and the file."""
    name = _clean_name(upload.name)
    if not name:
        raise ValidationFailed.for_field(field, "file_name", _("The file has no name."))
    extension = Path(name).suffix.lower()
    types = upload_types()
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
    limit = upload_max_bytes()
    if upload.size is not None and upload.size > limit:
        raise ValidationFailed.for_field(
            field,
            "max_size",
            _("{name} is {size} MB; a file may have at most {limit} MB."),
            name=name,
            size=_megabytes(upload.size),
            limit=_megabytes(limit),
        )
    data = b"".join(upload.chunks())
    if len(data) > limit:
        raise ValidationFailed.for_field(
            field,
            "max_size",
            _("{name} is {size} MB; a file may have at most {limit} MB."),
            name=name,
            size=_megabytes(len(data)),
            limit=_megabytes(limit),
        )
    if not data:
        raise ValidationFailed.for_field(field, "empty", _("{name} is empty."), name=name)
    if not _signature_ok(content_type, data[:16]):
        raise ValidationFailed.for_field(
            field,
            "file_content",
            _("{name} does not contain what its name says ({extension})."),
            name=name,
            extension=extension,
        )
    return CheckedUpload(name, extension, content_type, data, hashlib.sha256(data).hexdigest())


def uploads_check(uploads: Iterable[Upload], *, field: str = "files") -> list[CheckedUpload]:
    return [upload_check(upload, field=field) for upload in uploads]


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def file_absolute_path(stored: ClaimFile) -> Path:
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
    directory = media_root() / STORE_DIR / str(claim.pk)
    directory.mkdir(parents=True, exist_ok=True)
    rows: list[ClaimFile] = []
    for upload in uploads:
        relative = f"{STORE_DIR}/{claim.pk}/{uuid.uuid4().hex}{upload.extension}"
        target = media_root() / relative
        with open(target, "xb") as handle:
            written.append(target)
            handle.write(upload.data)
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
