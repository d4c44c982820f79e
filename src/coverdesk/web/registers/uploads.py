"""An uploaded import file kept between the check and the import.

The file (which may hold ID numbers) is stored encrypted (AES-GCM, the personal-data key ring)
under MEDIA_ROOT/imports — outside the web root, never served — with a random name. The page
carries a signed, timestamped token naming the file, the user, the kind of import and the
customer; only that user can use it, within an hour. The file is removed once imported, and
files older than an hour are swept on every new upload."""

from __future__ import annotations

import base64
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import signing

from coverdesk.core.crypto import DecryptionError, decrypt, encrypt

MAX_AGE_SECONDS = 60 * 60
SALT = "coverdesk.web.registers.import"
NAME_PATTERN = re.compile(r"[0-9a-f]{32}")


class StashGone(Exception):
    """The token is forged, expired, someone else's, or its file is gone."""


@dataclass(frozen=True)
class Stashed:
    name: str
    kind: str
    customer_id: int
    filename: str
    content: bytes


def _directory() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _path(name: str) -> Path:
    return _directory() / f"{name}.enc"


def _context(name: str, user_id: int, kind: str, customer_id: int) -> str:
    return f"web.registers.import:{name}:{user_id}:{kind}:{customer_id}"


def _sweep(directory: Path, *, now: float) -> None:
    for path in directory.glob("*.enc"):
        try:
            if now - path.stat().st_mtime > MAX_AGE_SECONDS:
                path.unlink()
        except FileNotFoundError:  # another process swept it first
            continue


def stash_put(*, user_id: int, kind: str, customer_id: int, filename: str, content: bytes) -> str:
    """Store `content` encrypted; the token that gives it back to the same user."""
    directory = _directory()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    _sweep(directory, now=time.time())
    name = secrets.token_hex(16)
    sealed = encrypt(
        base64.b64encode(content).decode("ascii"),
        context=_context(name, user_id, kind, customer_id),
    )
    descriptor = os.open(_path(name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(sealed)
    payload = {"n": name, "u": user_id, "k": kind, "c": customer_id, "f": filename}
    return signing.dumps(payload, salt=SALT, compress=True)


def _payload(token: str, *, user_id: int, kind: str) -> dict[str, object]:
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:  # also SignatureExpired
        raise StashGone from None
    if (
        not isinstance(payload, dict)
        or payload.get("u") != user_id
        or payload.get("k") != kind
        or not isinstance(payload.get("n"), str)
        or not NAME_PATTERN.fullmatch(str(payload["n"]))
        or not isinstance(payload.get("c"), int)
    ):
        raise StashGone
    return payload


def stash_get(token: str, *, user_id: int, kind: str) -> Stashed:
    payload = _payload(token, user_id=user_id, kind=kind)
    name, customer_id = str(payload["n"]), int(payload["c"])  # type: ignore[call-overload]
    try:
        sealed = _path(name).read_text(encoding="ascii")
        plain = decrypt(sealed, context=_context(name, user_id, kind, customer_id))
    except (FileNotFoundError, UnicodeDecodeError, DecryptionError):
        raise StashGone from None
    return Stashed(
        name=name,
        kind=kind,
        customer_id=customer_id,
        filename=str(payload.get("f", "")),
        content=base64.b64decode(plain),
    )


def stash_drop(stashed: Stashed) -> None:
    _path(stashed.name).unlink(missing_ok=True)
