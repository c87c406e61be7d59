"""``scripts/set-oauth-secret <stage>``: store the provider credentials of a stage.

Kakao/Naver (``KAKAO_CLIENT_SECRET``, ``NAVER_CLIENT_SECRET``, ``KAKAO_ADMIN_KEY``) and the
messaging channel, Naver Cloud SENS (``SENS_ACCESS_KEY``, ``SENS_SECRET_KEY``: a sub-account
API key with SENS rights only). Each value is read from the environment or asked for without
echo; an empty answer keeps the value already stored. The key under which recipients' phone
numbers are hashed in delivery records (``recipient_hash_key``) is generated once and kept.
The shared secret of the stage's TURN server (``TURN_SHARED_SECRET``: coturn's
``static-auth-secret``, or the managed service's) is optional and read from the environment only;
the app makes short-lived TURN credentials from it. Writes the stage's secret ``maeul/<stage>/oauth``
(created by ``infra/``); prints only which fields were set.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys

FIELDS = {"kakao_client_secret": "KAKAO_CLIENT_SECRET", "naver_client_secret": "NAVER_CLIENT_SECRET",
          "kakao_admin_key": "KAKAO_ADMIN_KEY", "sens_access_key": "SENS_ACCESS_KEY",
          "sens_secret_key": "SENS_SECRET_KEY"}


def merged(current: dict[str, str], given: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The secret to store: the given values over the current ones, with a hash key kept or made."""
    values = {**current, **{k: v for k, v in given.items() if v}}
    changed = [k for k, v in given.items() if v]
    if not values.get("recipient_hash_key"):
        values["recipient_hash_key"] = secrets.token_urlsafe(32)
        changed.append("recipient_hash_key")
    return values, changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/set-oauth-secret", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=["dev", "staging", "prod"])
    args = parser.parse_args(argv)
    import boto3

    from ops import stages

    client = boto3.session.Session(region_name=stages.region(args.stage)).client("secretsmanager")
    secret_id = f"maeul/{args.stage}/oauth"
    current = json.loads(client.get_secret_value(SecretId=secret_id).get("SecretString") or "{}")
    given = {}
    for field, var in FIELDS.items():
        value = os.environ.get(var) or getpass.getpass(
            f"{field} for {args.stage}{' (empty keeps the stored one)' if current.get(field) else ''}: ")
        if not value.strip() and not current.get(field):
            print(f"{field} is empty; nothing written", file=sys.stderr)
            return 2
        given[field] = value.strip()
    if os.environ.get("TURN_SHARED_SECRET", "").strip():
        given["turn_shared_secret"] = os.environ["TURN_SHARED_SECRET"].strip()
    values, changed = merged(current, given)
    client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(values))
    print(f"{secret_id}: set {', '.join(changed) or 'nothing new'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
