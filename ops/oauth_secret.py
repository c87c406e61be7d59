"""``scripts/set-oauth-secret <stage>``: store the Kakao/Naver credentials of a stage.

Reads the values from the environment (``KAKAO_CLIENT_SECRET``,
``NAVER_CLIENT_SECRET``, ``KAKAO_ADMIN_KEY``) or asks for them without echo,
and writes them to the stage's secret ``maeul/<stage>/oauth`` (created by
``infra/``). Prints only which fields were set.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys

FIELDS = {"kakao_client_secret": "KAKAO_CLIENT_SECRET", "naver_client_secret": "NAVER_CLIENT_SECRET",
          "kakao_admin_key": "KAKAO_ADMIN_KEY"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/set-oauth-secret", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=["dev", "staging", "prod"])
    args = parser.parse_args(argv)
    import boto3

    from ops import stages

    values = {}
    for field, var in FIELDS.items():
        value = os.environ.get(var) or getpass.getpass(f"{field} for {args.stage}: ")
        if not value.strip():
            print(f"{field} is empty; nothing written", file=sys.stderr)
            return 2
        values[field] = value.strip()
    client = boto3.session.Session(region_name=stages.region(args.stage)).client("secretsmanager")
    client.put_secret_value(SecretId=f"maeul/{args.stage}/oauth", SecretString=json.dumps(values))
    print(f"maeul/{args.stage}/oauth: set {', '.join(values)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
