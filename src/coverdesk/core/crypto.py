"""Encryption of personal data at rest (AES-256-GCM) and keyed blind indexes for exact search.

Keys come from the environment (COVERDESK_DATA_KEYS, COVERDESK_INDEX_KEY) or, when both are
empty (development, demo, tests), from a key file generated in var/ on first use.

A ciphertext is stored as ``v1:<kid>:<base64url(nonce + ciphertext)>``: the key id lets keys
rotate (the first configured key encrypts, every configured key decrypts). The associated data is
the column's identity (e.g. ``parties.party.id_number``), so a ciphertext copied into another
column does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

FORMAT_VERSION = "v1"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits, the GCM standard nonce
INDEX_KEY_MIN_BYTES = 32
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
DATA_KEYS_SETTING = "COVERDESK_DATA_KEYS"
INDEX_KEY_SETTING = "COVERDESK_INDEX_KEY"
KEY_FILE_SETTING = "COVERDESK_KEY_FILE"


class DecryptionError(ValueError):
    """A stored value is not a ciphertext of ours, names an unknown key, or was tampered with."""


@dataclass(frozen=True)
class KeyRing:
    """The data keys by id (``active`` encrypts, all decrypt) and the blind-index key."""

    active: str
    keys: Mapping[str, bytes]
    index_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise ValueError(f"active key {self.active!r} is not in the key ring")
        for kid, key in self.keys.items():
            if not KEY_ID_PATTERN.fullmatch(kid):
                raise ValueError(f"key id {kid!r} must be 1-32 letters, digits, - or _")
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {kid!r} must be {KEY_BYTES} bytes")
        if len(self.index_key) < INDEX_KEY_MIN_BYTES:
            raise ValueError(f"the index key must be at least {INDEX_KEY_MIN_BYTES} bytes")

    def __repr__(self) -> str:  # never print key material
        return f"KeyRing(active={self.active!r}, keys={sorted(self.keys)!r})"


def generate_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def _decode_b64(raw: str) -> bytes:
    text = raw.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    return base64.b64decode(text, validate=True)


def parse_data_keys(raw: str, *, variable: str = DATA_KEYS_SETTING) -> tuple[str, dict[str, bytes]]:
    """``"kid:base64key,kid2:base64key"`` -> (active kid, {kid: key}). The first key is active."""
    keys: dict[str, bytes] = {}
    active = ""
    for position, item in enumerate(part.strip() for part in raw.split(",")):
        if not item:
            continue
        kid, sep, encoded = item.partition(":")
        kid = kid.strip()
        if not sep or not KEY_ID_PATTERN.fullmatch(kid):
            raise ImproperlyConfigured(
                f"{variable}: entry {position + 1} must look like keyid:base64key"
                " (key id of letters, digits, - or _)."
            )
        if kid in keys:
            raise ImproperlyConfigured(f"{variable}: key id {kid!r} appears twice.")
        try:
            key = _decode_b64(encoded)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"{variable}: key {kid!r} is not valid base64.") from None
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"{variable}: key {kid!r} must decode to {KEY_BYTES} bytes, not {len(key)}."
            )
        keys[kid] = key
        active = active or kid
    if not keys:
        raise ImproperlyConfigured(f"{variable} lists no key.")
    return active, keys


def parse_index_key(raw: str, *, variable: str = INDEX_KEY_SETTING) -> bytes:
    try:
        key = _decode_b64(raw)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{variable} is not valid base64.") from None
    if len(key) < INDEX_KEY_MIN_BYTES:
        raise ImproperlyConfigured(
            f"{variable} must decode to at least {INDEX_KEY_MIN_BYTES} bytes, not {len(key)}."
        )
    return key


def key_ring_from_strings(data_keys: str, index_key: str) -> KeyRing:
    active, keys = parse_data_keys(data_keys)
    return KeyRing(active=active, keys=keys, index_key=parse_index_key(index_key))


def _key_file_content(ring: KeyRing) -> dict[str, Any]:
    return {
        "active": ring.active,
        "keys": {kid: encode_key(key) for kid, key in ring.keys.items()},
        "index_key": encode_key(ring.index_key),
    }


def key_ring_from_file(path: Path) -> KeyRing:
    """Read the key file, creating it (mode 0600) with fresh keys if it does not exist."""
    if not path.exists():
        _key_file_create(path)
    variable = f"{KEY_FILE_SETTING} ({path})"
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        active = str(content["active"])
        entries = content["keys"]
        if not isinstance(entries, dict):
            raise TypeError("keys")
        # The active key goes first so the shared parser picks it.
        ordered = [active, *(kid for kid in entries if kid != active)]
        data_keys = ",".join(f"{kid}:{entries[kid]}" for kid in ordered)
        index_key = str(content["index_key"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ImproperlyConfigured(f"{variable} is unreadable or malformed: {exc}") from None
    active, keys = parse_data_keys(data_keys, variable=variable)
    index = parse_index_key(index_key, variable=variable)
    return KeyRing(active=active, keys=keys, index_key=index)


def _key_file_create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ring = KeyRing(active="k1", keys={"k1": generate_key()}, index_key=generate_key())
    data = json.dumps(_key_file_content(ring), indent=2).encode("utf-8")
    # Written whole under a temporary name, then linked into place: a second process starting
    # at the same moment either wins the link or reads the complete winner's file.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: use its file
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


_cache_lock = threading.Lock()
_cached_ring: KeyRing | None = None


def key_ring() -> KeyRing:
    """The configured key ring (cached; reset when the key settings change in tests)."""
    global _cached_ring
    ring = _cached_ring
    if ring is not None:
        return ring
    with _cache_lock:
        if _cached_ring is None:
            _cached_ring = _key_ring_from_settings()
        return _cached_ring


def _key_ring_from_settings() -> KeyRing:
    from django.conf import settings

    data_keys = (getattr(settings, DATA_KEYS_SETTING, "") or "").strip()
    index_key = (getattr(settings, INDEX_KEY_SETTING, "") or "").strip()
    if data_keys and index_key:
        return key_ring_from_strings(data_keys, index_key)
    if data_keys or index_key:
        missing = INDEX_KEY_SETTING if data_keys else DATA_KEYS_SETTING
        raise ImproperlyConfigured(
            f"{missing} is empty while {DATA_KEYS_SETTING if data_keys else INDEX_KEY_SETTING}"
            " is set: set both, or neither to use the key file."
        )
    key_file = getattr(settings, KEY_FILE_SETTING, None)
    if not key_file:
        raise ImproperlyConfigured(
            f"{DATA_KEYS_SETTING} and {INDEX_KEY_SETTING} are empty and {KEY_FILE_SETTING}"
            " is not set."
        )
    return key_ring_from_file(Path(key_file))


def key_ring_reset() -> None:
    global _cached_ring
    with _cache_lock:
        _cached_ring = None


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {DATA_KEYS_SETTING, INDEX_KEY_SETTING, KEY_FILE_SETTING}:
        key_ring_reset()


setting_changed.connect(_on_setting_changed, dispatch_uid="coverdesk.core.crypto.key_ring")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt(plaintext: str, *, context: str, ring: KeyRing | None = None) -> str:
    """Encrypt under the active key, bound to `context` (the column's identity)."""
    ring = ring or key_ring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.active]).encrypt(
        nonce, plaintext.encode("utf-8"), context.encode("utf-8")
    )
    return f"{FORMAT_VERSION}:{ring.active}:{_b64url(nonce + sealed)}"


def _split(token: str) -> tuple[str, str]:
    version, sep1, rest = token.partition(":")
    kid, sep2, payload = rest.partition(":")
    if version != FORMAT_VERSION or not sep1 or not sep2 or not KEY_ID_PATTERN.fullmatch(kid):
        raise DecryptionError("not a v1 ciphertext")
    return kid, payload


def is_ciphertext(value: str) -> bool:
    try:
        _split(value)
    except DecryptionError:
        return False
    return True


def key_id_of(token: str) -> str:
    """The id of the key a stored ciphertext was written with."""
    return _split(token)[0]


def decrypt(token: str, *, context: str, ring: KeyRing | None = None) -> str:
    ring = ring or key_ring()
    kid, payload = _split(token)
    key = ring.keys.get(kid)
    if key is None:
        raise DecryptionError(f"key {kid!r} is not in the key ring (value under {context})")
    try:
        raw = _unb64url(payload)
    except (binascii.Error, ValueError):
        raise DecryptionError(f"malformed ciphertext under {context}") from None
    if len(raw) < NONCE_BYTES + 16:
        raise DecryptionError(f"truncated ciphertext under {context}")
    try:
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
    except InvalidTag:
        raise DecryptionError(
            f"ciphertext under {context} fails authentication (tampered or moved)"
        ) from None
    return plain.decode("utf-8")


def normalise_for_index(value: str) -> str:
    """NFKC (full-width digits become ASCII), no whitespace or dashes, upper case."""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "-‐‑‒–—").upper()


def blind_index(value: str, purpose: str, *, ring: KeyRing | None = None) -> str:
    """A keyed HMAC-SHA256 (hex) of the normalised value, for exact search without plaintext.

    Each purpose ("phone", "id_number", ...) gets its own derived key, so equal values under
    different purposes do not produce equal indexes.
    """
    ring = ring or key_ring()
    purpose_key = hmac.new(ring.index_key, b"purpose:" + purpose.encode("utf-8"), hashlib.sha256)
    return hmac.new(
        purpose_key.digest(), normalise_for_index(value).encode("utf-8"), hashlib.sha256
    ).hexdigest()
