"""Uploaded files, checked and stored the same way everywhere: the type by extension and by
content, not empty, not above a size limit, before anything is written; then stored under
MEDIA_ROOT/<directory>/<owner id>/ with a random name (outside the web root, served only
through an access-checked view) and removed again when the transaction that recorded them
fails.

What differs per use (allowed types, size limit, field name, content signatures, directory) is
passed in; each app keeps its own settings readers and its own models."""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import ValidationFailed

NAME_LIMIT = 200

Signature = Callable[[bytes], bool]
"""Whether the content (the whole file) is of the expected type."""


def starts_with(*prefixes: bytes) -> Signature:
    """The content begins with one of `prefixes`."""

    def check(data: bytes) -> bool:
        return data.startswith(prefixes)

    return check


def marker_at(offset: int, marker: bytes) -> Signature:
    """The content has `marker` at `offset` (e.g. b"ftyp" at 4 for MP4)."""

    def check(data: bytes) -> bool:
        return data[offset : offset + len(marker)] == marker

    return check


class Upload(Protocol):
    """What Django's UploadedFile offers and the services use."""

    @property
    def name(self) -> str | None: ...

    @property
    def size(self) -> int | None: ...

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]: ...


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


def name_clean(raw: str | None) -> str:
    """The uploaded name without any directory part or control characters, at most
    NAME_LIMIT characters (keeping the extension)."""
    name = PurePath((raw or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > NAME_LIMIT:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: NAME_LIMIT - len(ext) - 1] + dot + ext) if dot else name[:NAME_LIMIT]
    return name


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def _too_large(field: str, name: str, size: int, limit: int) -> ValidationFailed:
    return ValidationFailed.for_field(
        field,
        "max_size",
        _("{name} is {size} MB; a file may have at most {limit} MB."),
        name=name,
        size=megabytes(size),
        limit=megabytes(limit),
    )


def upload_check(
    upload: Upload,
    *,
    field: str,
    types: Mapping[str, Collection[str]],
    max_bytes: int,
    signatures: Mapping[str, Signature],
) -> CheckedUpload:
    """The upload read and checked: an allowed type (by extension among `types`, content type →
    extensions; and the content must match its entry in `signatures`, types without one
    pass), not empty, not above `max_bytes`. Raises ValidationFailed naming `field`, the rule
    and the file."""
    name = name_clean(upload.name)
    if not name:
        raise ValidationFailed.for_field(field, "file_name", _("The file has no name."))
    extension = Path(name).suffix.lower()
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
    if upload.size is not None and upload.size > max_bytes:
        raise _too_large(field, name, upload.size, max_bytes)
    data = b"".join(upload.chunks())
    if len(data) > max_bytes:
        raise _too_large(field, name, len(data), max_bytes)
    if not data:
        raise ValidationFailed.for_field(field, "empty", _("{name} is empty."), name=name)
    signature = signatures.get(content_type)
    if signature is not None and not signature(data):
        raise ValidationFailed.for_field(
            field,
            "file_content",
            _("{name} does not contain what its name says ({extension})."),
            name=name,
            extension=extension,
        )
    return CheckedUpload(name, extension, content_type, data, hashlib.sha256(data).hexdigest())


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def stored_absolute_path(relative: str) -> Path:
    """Where a stored file (its path relative to MEDIA_ROOT) is on disk; ValueError if the path
    leads outside MEDIA_ROOT."""
    root = media_root().resolve()
    path = (root / relative).resolve()
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


def upload_write(
    upload: CheckedUpload, *, directory: str, owner_id: object, written: list[Path]
) -> str:
    """Write the checked bytes to MEDIA_ROOT/<directory>/<owner_id>/<random><extension> (never
    over an existing file), note the file in `written` and return its path relative to
    MEDIA_ROOT."""
    (media_root() / directory / str(owner_id)).mkdir(parents=True, exist_ok=True)
    relative = f"{directory}/{owner_id}/{uuid.uuid4().hex}{upload.extension}"
    target = media_root() / relative
    with open(target, "xb") as handle:
        written.append(target)
        handle.write(upload.data)
    return relative
