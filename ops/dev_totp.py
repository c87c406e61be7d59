"""The local stage's staff second factor: seeded staff are enrolled, and their codes on demand.

``scripts/dev-totp <account>`` (e.g. ``admin``, ``attorney-007``) prints the
code that account's authenticator app would show now, on the local stage's
clock (a shifted ``make run AT=…`` clock included), read from the account's
stored factor -- so it also works for a factor enrolled by hand on the
second-factor page. ``--provider naver`` for the account's Naver identity.
Only the ``local`` stage: any other stage is refused.

Seeding (``ops/seed.py``, ``tests/support.py: local_site``) enrols the
``admin`` account and every seeded attorney's accounts with a secret derived
from the account name, so a fresh stack needs no enrolment step.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import sys
from collections.abc import Iterable
from typing import Any

from devtools.idp import accounts

ADMIN_ACCOUNT = "admin"
_SEED_KEY = b"maeul-local-seeded-staff-totp"  # local stage only: the dev identity provider signs anyone in


def seeded_secret(subject: str) -> str:
    """The seeded factor's secret for ``subject`` (base32, 160 bits)."""
    digest = hmac.new(_SEED_KEY, subject.encode("utf-8"), hashlib.sha1).digest()
    return base64.b32encode(digest).decode("ascii")


def subjects_of(account: str, naver_client_id: str) -> dict[str, str]:
    """The account's subjects by provider, as the dev identity provider names them."""
    return {"kakao": f"kakao:{accounts.kakao_id(account)}",
            "naver": f"naver:{accounts.naver_id(account, naver_client_id)}"}


def _refuse_unless_local(container: Any) -> None:
    if not container.settings.is_local:
        raise SystemExit(f"dev-totp: only the local stage has seeded staff factors "
                         f"(this is {container.settings.stage!r})")


def enrol(container: Any, subjects: Iterable[str]) -> int:
    """Enrol each subject (already enrolled ones are left as they are); returns how many were new."""
    _refuse_unless_local(container)
    service = container.second_factor
    return sum(1 for subject in subjects if service.enrol_seeded(subject, seeded_secret(subject)))


def seeded_staff_subjects(container: Any, attorneys: Iterable[Any]) -> list[str]:
    """The admin account's subjects that are admins on this stage, and the attorneys' linked ones."""
    admin = [s for s in subjects_of(ADMIN_ACCOUNT, container.settings.naver_client_id).values()
             if s in container.settings.admin_subjects]
    return admin + sorted(s for attorney in attorneys for s in attorney.subjects)


def current_code(container: Any, account: str, provider: str = "kakao") -> str:
    """The code ``account``'s authenticator app shows now on the container's clock."""
    from chalicelib.domain.second_factor import code_at

    _refuse_unless_local(container)
    subject = subjects_of(accounts.canonical(account), container.settings.naver_client_id)[provider]
    factor = container.second_factors.get(subject)
    if factor is None:
        raise SystemExit(f"dev-totp: {account} ({provider}) has no second factor yet: sign in once and set "
                         "it up on the second-factor page, or run scripts/seed")
    return code_at(factor.secret, container.clock())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/dev-totp", description=__doc__.split("\n\n")[0])
    parser.add_argument("account", help="the dev identity provider's account, e.g. admin or attorney-007")
    parser.add_argument("--provider", choices=("kakao", "naver"), default="kakao")
    args = parser.parse_args(argv)
    if not accounts.is_valid_account(args.account):
        raise SystemExit(f"dev-totp: {args.account!r} is not an account name of the dev identity provider")
    from ops.localstage import local_environment

    os.environ.update(local_environment())
    from chalicelib.composition import get_container

    print(current_code(get_container(), args.account, args.provider))
    return 0


if __name__ == "__main__":
    sys.exit(main())
