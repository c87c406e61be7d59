"""SNS behind the notifier port.

- SMS: ``Publish(PhoneNumber=...)`` with transactional type and the stage's
  sender id.
- E-mail to attorneys: one topic (attorney alerts) with one e-mail
  subscription per attorney, filtered on the ``attorney_id`` message
  attribute, so a publish reaches exactly one attorney. Subscriptions are
  kept in sync when an admin adds or changes an attorney.
- Operator alarms: the operator alarm topic.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.notifications import NotificationFailedError

SMS_MAX_CHARS = 140  # keep a Korean SMS to one LMS-free segment where possible


class SnsNotifier:
    def __init__(self, sns: Any, alerts_topic_arn: str, alarms_topic_arn: str, sender_id: str = "MAEUL") -> None:
        self._sns = sns
        self._alerts = alerts_topic_arn
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

    def send_message(self, phone_e164: str, message: Any) -> Any:
        """A templated resident message as plain SMS (the fallback channel: no delivery report)."""
        from chalicelib.adapters.sens_notifier import Sent

        return Sent(self.send_sms(phone_e164, message.text), "sns-sms")

    def email_attorney(self, attorney_id: str, subject: str, text: str) -> str:
        try:
            response = self._sns.publish(
                TopicArn=self._alerts, Subject=subject[:100], Message=text,
                MessageAttributes={"attorney_id": {"DataType": "String", "StringValue": attorney_id}})
        except (BotoCoreError, ClientError) as exc:
            raise NotificationFailedError(f"e-mail not accepted by SNS: {type(exc).__name__}") from exc
        return str(response["MessageId"])

    def sync_attorney_email(self, attorney_id: str, email: str | None,
                            subscription_arn: str | None) -> str | None:
        """(Re)subscribe ``email`` for ``attorney_id``; returns the subscription to remember."""
        try:
            if subscription_arn:
                self._sns.unsubscribe(SubscriptionArn=subscription_arn)
            if not email:
                return None
            response = self._sns.subscribe(
                TopicArn=self._alerts, Protocol="email", Endpoint=email, ReturnSubscriptionArn=True,
                Attributes={"FilterPolicy": json.dumps({"attorney_id": [attorney_id]})})
        except (BotoCoreError, ClientError) as exc:
            raise NotificationFailedError(f"subscription not accepted by SNS: {type(exc).__name__}") from exc
        return str(response["SubscriptionArn"])

    def alarm(self, subject: str, text: str) -> None:
        try:
            self._sns.publish(TopicArn=self._alarms, Subject=subject[:100], Message=text)
        except (BotoCoreError, ClientError) as exc:
            raise NotificationFailedError(f"alarm not accepted by SNS: {type(exc).__name__}") from exc
