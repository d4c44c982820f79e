"""Masked display of personal data: enough to recognise a value, never enough to use it.

Every function hides at least a third of the characters, also on short or odd input.
"""

from __future__ import annotations

MASK = "*"


def mask_middle(value: str, *, keep_start: int, keep_end: int) -> str:
    """Keep `keep_start` and `keep_end` characters, masking the rest; when that would hide less
    than a third of a (short) value, show at most a quarter of it at each end instead."""
    length = len(value)
    if length == 0:
        return ""
    if (length - keep_start - keep_end) * 3 < length:
        keep_start = min(keep_start, length // 4)
        keep_end = min(keep_end, length // 4)
    hidden = length - keep_start - keep_end
    return value[:keep_start] + MASK * hidden + value[length - keep_end :]


def _compact(value: str | None) -> str:
    return "".join((value or "").split())


def mask_id_number(value: str | None) -> str:
    """ "440102199001011234" -> "4401**********1234"."""
    return mask_middle(_compact(value), keep_start=4, keep_end=4)


def mask_phone(value: str | None) -> str:
    """ "13812345678" -> "138****5678"."""
    compact = _compact(value)
    if len(compact) < 11:
        return mask_middle(compact, keep_start=0, keep_end=4)
    return mask_middle(compact, keep_start=3, keep_end=4)


def mask_email(value: str | None) -> str:
    """ "zhang.san@example.com" -> "z********@example.com": the domain stays readable."""
    compact = _compact(value)
    local, at, domain = compact.rpartition("@")
    if not at:
        local, domain = compact, ""
    shown = local[:1] if len(local) > 1 else ""  # a one-letter name stays hidden
    return f"{shown}{MASK * (len(local) - len(shown))}{at}{domain}"
