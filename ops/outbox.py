"""``scripts/outbox``: every message the local stack has sent, on every channel.

Kakao 알림톡 and SENS SMS/LMS are read from the dev SENS emulator (``/__dev/sent``;
channel ``alimtalk``, ``sms`` or ``lms``, with the template code and whether it was
a failover). SNS SMS (channel ``sms``, ``"via": "sns"``) are read from the AWS
emulator's record of SNS SMS publishes (``/__maeul/sms``). E-mails
published to the attorney-alerts topic or the operator-alarms topic are not
delivered anywhere by the emulator, so ``scripts/deploy local`` subscribes a
local-only SQS queue (``maeul-local-outbox``, raw delivery) to both topics; this script drains that
queue into ``.run/outbox.jsonl`` and prints everything sent so far.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import requests

OUTBOX_QUEUE = "maeul-local-outbox"


def ensure_outbox(session: Any, *topic_arns: str) -> str:
    """Create the local outbox queue and subscribe it to these topics (idempotent): the attorney
    alerts and the operator alarms."""
    sqs = session.client("sqs")
    sns = session.client("sns")
    url = sqs.create_queue(QueueName=OUTBOX_QUEUE)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for topic_arn in topic_arns:
        pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
        subs = [sub for page in pages for sub in page["Subscriptions"]]  # 120 attorneys: more than a page
        if not any(s["Endpoint"] == arn for s in subs):
            sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn,
                          Attributes={"RawMessageDelivery": "true"})
    return url


def sent_sms(endpoint: str) -> list[dict[str, str]]:
    """SMS published so far, in order (``ops/emulator_server.py`` serves them)."""
    data = requests.get(f"{endpoint}/__maeul/sms", timeout=30).json()
    return [{"channel": "sms", "to": m["phone_number"], "text": m["message"]} for m in data]


def sent_sens(base_url: str) -> list[dict[str, Any]]:
    """What the dev SENS emulator delivered, in order (``devtools/sens``); nothing when it is not running."""
    try:
        data = requests.get(f"{base_url.rstrip('/')}/__dev/sent", timeout=30).json()
    except requests.ConnectionError:
        return []
    return [{"channel": m["channel"], "to": m["to"], "text": m["text"], "via": "sens",
             "template": m.get("template"), "failover": m.get("failover", False),
             "message_id": m.get("message_id")} for m in data]


def drain_emails(session: Any, archive: Path) -> list[dict[str, str]]:
    sqs = session.client("sqs")
    url = sqs.get_queue_url(QueueName=OUTBOX_QUEUE)["QueueUrl"]
    archive.parent.mkdir(parents=True, exist_ok=True)
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                    WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            break
        with archive.open("a", encoding="utf-8") as out:
            for message in batch:
                attorney = message.get("MessageAttributes", {}).get("attorney_id", {}).get("StringValue", "")
                to = f"attorney {attorney}" if attorney else "operators (alarms topic)"
                out.write(json.dumps({"channel": "email", "to": to,
                                      "text": message["Body"]}, ensure_ascii=False) + "\n")
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    if not archive.exists():
        return []
    return [json.loads(line) for line in archive.read_text(encoding="utf-8").splitlines() if line]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/outbox", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import boto3

    from ops.localstage import RUN_DIR, Ports, aws_environment, port_overrides

    os.environ.update(aws_environment())
    session = boto3.session.Session()
    messages = (sent_sens(port_overrides(Ports.from_env())["MAEUL_SENS_BASE_URL"])
                + [{**m, "via": "sns"} for m in sent_sms(os.environ["AWS_ENDPOINT_URL"])]
                + drain_emails(session, RUN_DIR / "outbox.jsonl"))
    if args.json:
        print(json.dumps(messages, ensure_ascii=False))
    else:
        for m in messages:
            text = m["text"].replace("\n", " / ")
            print(f"{m['channel']:8} {m['to']:24} {text}")
        print(f"{len(messages)} message(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
