"""Canonical content and the chain hash of an audit entry (pure)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64
# The entry's fields that its hash covers, in the order they are stored.
CANONICAL_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "subject_type",
    "subject_id",
    "result",
    "before",
    "after",
    "request_id",
    "client_address",
)


def canonical_content(
    *,
    sequence: int,
    occurred_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    subject_type: str,
    subject_id: str,
    result: str,
    before: Any,
    after: Any,
    request_id: str,
    client_address: str,
) -> str:
    payload = {
        "sequence": sequence,
        "occurred_at": occurred_at.isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "result": result,
        "before": before,
        "after": after,
        "request_id": request_id,
        "client_address": client_address,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(previous_hash: str, content: str) -> str:
    return hashlib.sha256((previous_hash + content).encode("utf-8")).hexdigest()
