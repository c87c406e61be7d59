"""``scripts/outbox``: the SMS and e-mails the local stack has sent.

SMS are read from the emulator's record of SNS SMS publishes (``/__maeul/sms``), e-mails from
its record of what SES sent (``/__maeul/email``: the raw MIME message, of which the plain-text
part is shown, the HTML part is in ``--json``). ``scripts/deploy local`` verifies the stage's
mail domain and creates its configuration set in the emulator (``ensure_outbox``): the
template makes them on AWS only, as the emulator's CloudFormation has no SES resources.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import sys
from typing import Any

import requests


def ensure_outbox(session: Any, deployment: Any) -> str:
    """Verify the stage's mail domain and create its configuration set in the emulator
    (idempotent); returns the domain."""
    from botocore.exceptions import ClientError

    outputs = deployment.outputs
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


def sent_sms(endpoint: str) -> list[dict[str, str]]:
    """SMS published so far, in order (``ops/emulator_server.py`` serves them)."""
    data = requests.get(f"{endpoint}/__maeul/sms", timeout=30).json()
    return [{"channel": "sms", "to": m["phone_number"], "text": m["message"]} for m in data]


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
    from ops.localstage import aws_environment

    os.environ.update(aws_environment())
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    messages = sent_sms(endpoint) + sent_email(endpoint)
    if args.json:
        print(json.dumps(messages, ensure_ascii=False))
    else:
        for m in messages:
            text = m["text"] if m["channel"] != "email" else f"{m['subject']} | " + " ".join(m["text"].split())
            print(f"{m['channel']:5} {m['to']:24} {text}")
        print(f"{len(messages)} message(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
