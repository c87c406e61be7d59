"""The stage's identity key (chalicelib/adapters/identity_key.py): created once, never rotated by
accident (rotating it resets every abuse counter)."""

from __future__ import annotations

import json
import secrets
from typing import Any


def ensure_key(sm: Any, secret_id: str) -> bool:
    """Give the secret a random 256-bit key if it has none; True when it did."""
    try:
        doc = json.loads(sm.get_secret_value(SecretId=secret_id).get("SecretString") or "{}")
    except Exception:  # noqa: BLE001 - no value yet
        doc = {}
    if isinstance(doc, dict) and isinstance(doc.get("key"), str) and len(doc["key"]) >= 64:
        return False
    sm.put_secret_value(SecretId=secret_id, SecretString=json.dumps({"key": secrets.token_hex(32)}))
    return True
