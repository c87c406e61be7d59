"""``scripts/jwt-keys <show|rotate> <stage>``: the signing keys of our session tokens.

The key set lives in the stage's secret ``maeul/<stage>/jwt-keys`` (created
empty by ``infra/``). ``rotate`` adds a fresh ES256 key and makes it the
active (signing) one; the previous keys stay in the set (the newest
``KEEP`` in all), so tokens they signed keep verifying until they expire
(15 minutes at most). The app re-reads the set every 5 minutes, and at once
when it meets a token with a ``kid`` it does not know.

The local stage gets its first key from ``scripts/deploy local``
(``ensure_key``); other stages need ``scripts/jwt-keys rotate <stage>`` once
after the first deploy, and then on the rotation schedule.
``show`` prints the key ids and dates, never key material.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from chalicelib.adapters.jwt_tokens import KeySet, new_key_entry

KEEP = 3


def _load(sm: Any, secret_id: str) -> dict[str, Any]:
    raw = sm.get_secret_value(SecretId=secret_id).get("SecretString") or "{}"
    doc = json.loads(raw)
    return doc if isinstance(doc, dict) else {}


def rotate(sm: Any, secret_id: str, keep: int = KEEP) -> str:
    """Add a new active key, keep the newest ``keep`` keys; returns the new kid."""
    doc = _load(sm, secret_id)
    entry = new_key_entry()
    keys = [entry] + [k for k in doc.get("keys") or [] if isinstance(k, dict)]
    new_doc = {"active": entry["kid"], "keys": keys[:max(2, keep)]}
    KeySet.from_document(new_doc)  # refuse to store a set the app could not read
    sm.put_secret_value(SecretId=secret_id, SecretString=json.dumps(new_doc))
    return entry["kid"]


def ensure_key(sm: Any, secret_id: str) -> bool:
    """Give the set its first key if it has no usable active key; True when it did."""
    try:
        KeySet.from_document(_load(sm, secret_id))
        return False
    except Exception:  # noqa: BLE001 - empty, missing or unreadable: start afresh
        rotate(sm, secret_id)
        return True


def describe(sm: Any, secret_id: str) -> list[str]:
    doc = _load(sm, secret_id)
    active = doc.get("active")
    return [f"{'*' if k.get('kid') == active else ' '} {k.get('kid')}  {k.get('alg')}  created {k.get('created_at')}"
            for k in doc.get("keys") or []]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/jwt-keys", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["show", "rotate"])
    parser.add_argument("stage", choices=["local", "dev", "staging", "prod"])
    args = parser.parse_args(argv)
    import boto3

    if args.stage == "local":
        from ops.localstage import aws_environment

        os.environ.update(aws_environment())
    session = boto3.session.Session(region_name=os.environ.get("AWS_DEFAULT_REGION")
                                    or os.environ.get("AWS_REGION") or "ap-northeast-2")
    sm = session.client("secretsmanager")
    secret_id = f"maeul/{args.stage}/jwt-keys"
    if args.action == "rotate":
        kid = rotate(sm, secret_id)
        print(f"{secret_id}: new active key {kid}")
    for line in describe(sm, secret_id):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
