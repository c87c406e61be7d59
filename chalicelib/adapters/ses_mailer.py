"""Amazon SES (v2) behind the notifier port: e-mail alerts to attorneys.

One ``SendEmail`` per alert, to the attorney's sealed address (opened at the moment of
sending), from the stage's verified domain, with the centre as Reply-To, through the stage's
configuration set (whose events report bounces and complaints back to Maeul, tagged with the
attorney's id). The message is a MIME ``multipart/alternative`` of a plain-text and an HTML
part, in the attorney's language. An attorney whose e-mail is failing gets none until an admin
clears the mark; a send SES refuses because the address is suppressed marks them as well.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.email_health import ATTORNEY_TAG, EmailFailure, FailureReason
from chalicelib.domain.notifications import AttorneyAlert, NotificationFailedError, Sent
from chalicelib.logs import logger

if TYPE_CHECKING:
    from chalicelib.adapters.sns_notifier import SnsNotifier
    from chalicelib.domain.attorneys import AttorneyContact
    from chalicelib.domain.message_templates import OutboundMessage


class AddressHasher:
    """Keyed hash (HMAC-SHA256) of an e-mail address, so that a record can say which address
    failed without holding it. The key is the stage's secret, read once per container."""

    def __init__(self, read_key: Callable[[], bytes]) -> None:
        self._read_key = read_key
        self._key: bytes | None = None

    def __call__(self, address: str) -> str:
        if self._key is None:
            self._key = self._read_key()
        return hmac.new(self._key, address.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()


def secret_key_reader(secretsmanager: Any, secret_arn: str) -> Callable[[], bytes]:
    def read() -> bytes:
        value = secretsmanager.get_secret_value(SecretId=secret_arn)["SecretString"]
        try:
            value = json.loads(value).get("key", value)
        except (ValueError, AttributeError):
            pass
        if not isinstance(value, str) or len(value) < 32:
            raise RuntimeError("the e-mail hash key secret holds no key")
        return value.encode("utf-8")
    return read


class SesAttorneyMailer:
    def __init__(self, sesv2: Any, contacts: Any, health: Any, hasher: Callable[[str], str], *,
                 from_address: str, reply_to: str, configuration_set: str, clock: Callable[[], Any]) -> None:
        self._ses = sesv2
        self._contacts = contacts
        self._health = health
        self._hash = hasher
        self._from = from_address
        self._reply_to = reply_to
        self._configuration_set = configuration_set
        self._clock = clock

    def email_attorney(self, attorney_id: str, alert: AttorneyAlert,
                       contact: AttorneyContact | None = None) -> str | None:
        from chalicelib.web.mail import render_attorney_email

        if self._health.failure(attorney_id) is not None:
            logger().info("attorney e-mail suppressed", extra={"attorney_id": attorney_id, "kind": alert.kind.value})
            return None
        if contact is None:
            contact = self._contacts.contact(attorney_id)
        if contact is None or not contact.email:
            return None
        content = render_attorney_email(alert, contact.language)
        message = EmailMessage()
        message["Subject"] = content.subject
        message["From"] = self._from
        message["To"] = contact.email
        if self._reply_to:
            message["Reply-To"] = self._reply_to
        message["Message-ID"] = make_msgid(domain=self._from.rsplit("@", 1)[-1].strip(">"))
        message.set_content(content.text, cte="quoted-printable")
        message.add_alternative(content.html, subtype="html", cte="quoted-printable")
        for part in message.iter_parts():
            part["Content-Language"] = content.lang
        request: dict[str, Any] = {
            "FromEmailAddress": self._from,
            "Destination": {"ToAddresses": [contact.email]},
            "Content": {"Raw": {"Data": message.as_bytes()}},
            "EmailTags": [{"Name": ATTORNEY_TAG, "Value": attorney_id},
                          {"Name": "kind", "Value": alert.kind.value}],
        }
        if self._reply_to:
            request["ReplyToAddresses"] = [self._reply_to]
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            response = self._ses.send_email(**request)
        except ClientError as exc:
            if _refused_as_suppressed(exc):
                self._health.mark(EmailFailure(attorney_id, FailureReason.SUPPRESSED, self._hash(contact.email),
                                               self._clock()))
                logger().warning("attorney e-mail address is suppressed", extra={"attorney_id": attorney_id})
                return None
            raise NotificationFailedError(f"e-mail not accepted by SES: {exc.response['Error'].get('Code')}") from exc
        except BotoCoreError as exc:
            raise NotificationFailedError(f"e-mail not accepted by SES: {type(exc).__name__}") from exc
        return str(response["MessageId"])


def _refused_as_suppressed(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    return error.get("Code") == "MessageRejected" and "suppress" in str(error.get("Message", "")).lower()


class ChannelNotifier:
    """The notifier port over its channels: SMS and operator alarms (SNS), attorney e-mail (SES)."""

    def __init__(self, sms_and_alarms: SnsNotifier, mailer: SesAttorneyMailer) -> None:
        self._sns = sms_and_alarms
        self._mailer = mailer

    def send_sms(self, phone_e164: str, text: str) -> str:
        return self._sns.send_sms(phone_e164, text)

    def send_message(self, phone_e164: str, message: OutboundMessage) -> Sent:
        return self._sns.send_message(phone_e164, message)

    def email_attorney(self, attorney_id: str, alert: AttorneyAlert,
                       contact: AttorneyContact | None = None) -> str | None:
        return self._mailer.email_attorney(attorney_id, alert, contact)

    def alarm(self, subject: str, text: str) -> None:
        self._sns.alarm(subject, text)
