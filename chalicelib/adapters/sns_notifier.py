"""SNS behind the notifier port: SMS and operator alarms.

- SMS: ``Publish(PhoneNumber=...)`` with transactional type and the stage's
  sender id.
- Operator alarms: the operator alarm topic.

E-mail to attorneys goes through SES (``ses_mailer.py``), not SNS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.notifications import NotificationFailedError, Sent

if TYPE_CHECKING:
    from chalicelib.domain.message_templates import OutboundMessage

# One Publish carries at most 1,600 characters; SNS splits a longer SMS into segments itself (70 UCS-2
# characters each for Korean or any non-GSM script), so a long template (an LMS on SENS) keeps its link.
SMS_MAX_CHARS = 1600


class SnsNotifier:
    def __init__(self, sns: Any, alarms_topic_arn: str, sender_id: str = "MAEUL") -> None:
        self._sns = sns
        self._alarms = alarms_topic_arn
        self._sender_id = sender_id

    def send_sms(self, phone_e164: str, text: str) -> str:
        try:
            response = self._sns.publish(
                PhoneNumber=phone_e164, Message=text[:SMS_MAX_CHARS],
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                    "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": self._sender_id},
                })
        except (BotoCoreError, ClientError) as exc:
            raise NotificationFailedError(f"SMS not accepted by SNS: {type(exc).__name__}") from exc
        return str(response["MessageId"])

    def send_message(self, phone_e164: str, message: OutboundMessage) -> Sent:
        """A templated resident message as plain SMS (the fallback channel: no delivery report)."""
        return Sent(self.send_sms(phone_e164, message.text), "sns-sms")

    def alarm(self, subject: str, text: str) -> None:
        try:
            self._sns.publish(TopicArn=self._alarms, Subject=subject[:100], Message=text)
        except (BotoCoreError, ClientError) as exc:
            raise NotificationFailedError(f"alarm not accepted by SNS: {type(exc).__name__}") from exc
