"""``scripts/outbox``: every message the local stack has sent, on every channel.

Kakao 알림톡 and SENS SMS/LMS are read from the dev SENS emulator (``/__dev/sent``;
channel ``alimtalk``, ``sms`` or ``lms``, with the template code and whether it was
a failover). SNS SMS (channel ``sms``, ``"via": "sns"``) are read from the AWS
emulator's record of SNS SMS publishes (``/__maeul/sms``). Attorney e-mails are read from its
record of what SES sent (``/__maeul/email``: the raw MIME message, of which the plain-text part
is shown, the HTML part is in ``--json``). Operator alarms published to the operator-alarms
topic are not delivered anywhere by the emulator, so ``scripts/deploy local`` subscribes a
local-only SQS queue (``maeul-local-outbox``, raw delivery) to that topic; this script drains
that queue into ``.run/outbox.jsonl`` and lists them as e-mail to "operators".

``scripts/deploy local`` also verifies the stage's mail domain and creates its configuration set
in the emulator (``ensure_outbox``): the template makes them on AWS only, as the emulator's
CloudFormation has no SES resources.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import sys
from pathlib import Path
from typing import Any

import requests

OUTBOX_QUEUE = "maeul-local-outbox"


def ensure_outbox(session: Any, deployment: Any) -> str:
    """The local stage's outbox (idempotent): the mail domain verified and the configuration set
    made in the emulator's SES, and the alarms queue subscribed to the operator alarms topic;
    returns the domain."""
    ensure_alarm_outbox(session, deployment.outputs["OperatorAlarmsTopicArn"])
    return ensure_mail(session, deployment.outputs)


def ensure_mail(session: Any, outputs: Any) -> str:
    """Verify the stage's mail domain and create its configuration set in the emulator's SES."""
    from botocore.exceptions import ClientError

    domain = outputs["MailFromAddress"].rsplit("@", 1)[-1].strip(">")
    ses = session.client("sesv2")
    try:
        ses.get_email_identity(EmailIdentity=domain)
    except ClientError:
        ses.create_email_identity(EmailIdentity=domain)
    name = outputs["MailConfigurationSetName"]
    try:
        ses.get_configuration_set(ConfigurationSetName=name)
    except ClientError:
        ses.create_configuration_set(ConfigurationSetName=name, SuppressionOptions={
            "SuppressedReasons": ["BOUNCE", "COMPLAINT"]})
    return domain


def ensure_alarm_outbox(session: Any, alarms_topic_arn: str) -> str:
    """Create the local outbox queue and subscribe it to the operator alarms topic (idempotent)."""
    sqs = session.client("sqs")
    sns = session.client("sns")
    url = sqs.create_queue(QueueName=OUTBOX_QUEUE)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=alarms_topic_arn)
    if not any(sub["Endpoint"] == arn for page in pages for sub in page["Subscriptions"]):
        sns.subscribe(TopicArn=alarms_topic_arn, Protocol="sqs", Endpoint=arn,
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


def drain_alarms(session: Any, archive: Path) -> list[dict[str, str]]:
    """Operator alarms so far: what the alarms queue held, kept in ``archive``."""
    from botocore.exceptions import ClientError

    sqs = session.client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=OUTBOX_QUEUE)["QueueUrl"]
    except ClientError:  # no local deploy yet: no alarms queue
        url = None
    archive.parent.mkdir(parents=True, exist_ok=True)
    while url:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                    WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            break
        with archive.open("a", encoding="utf-8") as out:
            for message in batch:
                out.write(json.dumps({"channel": "email", "to": "operators (alarms topic)",
                                      "text": message["Body"]}, ensure_ascii=False) + "\n")
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    if not archive.exists():
        return []
    return [json.loads(line) for line in archive.read_text(encoding="utf-8").splitlines() if line]


def sent_email(endpoint: str) -> list[dict[str, str]]:
    """E-mails SES sent so far, in order: ``to`` the address, ``text`` the plain-text part."""
    data = requests.get(f"{endpoint}/__maeul/email", timeout=30).json()
    found = []
    for m in data:
        message = email.message_from_string(m["raw"], policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        found.append({"channel": "email", "to": ", ".join(dict.fromkeys(m["destinations"])),
                      "text": text.get_content() if text is not None else "",
                      "subject": str(message["Subject"] or ""), "from": str(message["From"] or ""),
                      "reply_to": str(message["Reply-To"] or ""),
                      "html": html.get_content() if html is not None else ""})
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/outbox", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import boto3

    from ops.localstage import RUN_DIR, Ports, aws_environment, port_overrides

    os.environ.update(aws_environment())
    session = boto3.session.Session()
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    messages = (sent_sens(port_overrides(Ports.from_env())["MAEUL_SENS_BASE_URL"])
                + [{**m, "via": "sns"} for m in sent_sms(endpoint)]
                + sent_email(endpoint) + drain_alarms(session, RUN_DIR / "outbox.jsonl"))
    if args.json:
        print(json.dumps(messages, ensure_ascii=False))
    else:
        for m in messages:
            text = m["text"] if "subject" not in m else f"{m['subject']} | " + " ".join(m["text"].split())
            print(f"{m['channel']:8} {m['to']:24} " + text.replace("\n", " / "))
        print(f"{len(messages)} message(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
