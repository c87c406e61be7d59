"""Deterministic identities of the dev identity provider's test accounts.

Everything here is a pure function of the account name (and, for Naver, the
client id), so other development code -- e.g. the app's seed script that links
``admin`` and ``attorney-NNN`` to roles -- can import these functions and get
exactly the ids the running IdP hands out, without talking to it::

    from devtools.idp import accounts
    accounts.kakao_id("admin")                      # int, up to 19 digits
    accounts.naver_id("admin", "maeul-local-naver")  # 43-char opaque string

Account names are 1-64 characters of ``[A-Za-z0-9._-]``.  They are
case-insensitive: every function canonicalises the name to lower case first,
so ``Admin`` and ``admin`` are the same person with the same ids.
"""

from __future__ import annotations

import base64
import hashlib
import re

__all__ = [
    "LISTED_ACCOUNTS",
    "InvalidAccount",
    "canonical",
    "display_name",
    "email",
    "is_valid_account",
    "kakao_id",
    "naver_id",
    "phone_e164",
    "phone_kakao",
    "phone_naver",
]

#: Accounts offered as one-click choices on the login page.
LISTED_ACCOUNTS: tuple[str, ...] = (
    "admin",
    "attorney-001",
    "attorney-002",
    "resident-kim",
    "resident-lee",
)

_ACCOUNT_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")

#: Mask for the largest positive signed 64-bit integer (19 decimal digits).
_INT63_MASK = (1 << 63) - 1


class InvalidAccount(ValueError):
    """The account name is not 1-64 characters of ``[A-Za-z0-9._-]``."""


def is_valid_account(account: object) -> bool:
    return isinstance(account, str) and _ACCOUNT_RE.fullmatch(account) is not None


def canonical(account: str) -> str:
    """Validate ``account`` and return its canonical (lower-case) form."""
    if not is_valid_account(account):
        raise InvalidAccount(
            "account name must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'"
        )
    return account.lower()


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).digest()


def kakao_id(account: str) -> int:
    """Kakao user id ("회원번호") for ``account``.

    The first 8 bytes of ``sha256(canonical account name)`` as a big-endian
    integer, truncated to 63 bits: positive, fits a signed 64-bit column, at
    most 19 decimal digits (most accounts, ``admin`` included, get exactly 19,
    so callers must handle big integers -- e.g. JavaScript numbers lose
    precision).
    """
    value = int.from_bytes(_digest(canonical(account))[:8], "big") & _INT63_MASK
    return value or 1


def naver_id(account: str, client_id: str) -> str:
    """Naver "unique id" for ``account`` as seen by ``client_id``.

    Like the real Naver Login it is opaque and differs per client (app) for
    the same person: urlsafe base64 (no padding, 43 characters) of
    ``sha256("naver", client_id, account)``.
    """
    raw = _digest("naver", client_id, canonical(account))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def email(account: str) -> str:
    """``<account>@example.invalid`` (the reserved, never-deliverable TLD)."""
    return f"{canonical(account)}@example.invalid"


def display_name(account: str) -> str:
    """Nickname and name reported by both providers: the canonical account name."""
    return canonical(account)


def _phone_suffix(account: str) -> str:
    return f"{int.from_bytes(_digest('phone', canonical(account))[:8], 'big') % 10000:04d}"


def phone_e164(account: str) -> str:
    """E.164 mobile number ``+82100000NNNN`` (NNNN derived from the account).

    The ``010-0000-`` block is not assigned to real subscribers.  Only 10,000
    suffixes exist, so two arbitrary accounts may share a number; the listed
    accounts do not.
    """
    return f"+82100000{_phone_suffix(account)}"


def phone_kakao(account: str) -> str:
    """The same number as Kakao formats it: ``+82 10-0000-NNNN``."""
    return f"+82 10-0000-{_phone_suffix(account)}"


def phone_naver(account: str) -> str:
    """The same number as Naver's ``mobile`` field formats it: ``010-0000-NNNN``."""
    return f"010-0000-{_phone_suffix(account)}"
