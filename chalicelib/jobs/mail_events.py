"""SES delivery events (bounce, complaint, delivery, reject) from the mail-events topic.

The stage's configuration set publishes them to ``maeul-<stage>-mail-events``; the deploy
binds this function's SNS subscription to that topic (``ops/deploy.py``). A bounce or a
complaint marks the attorney the e-mail was for (the message's ``attorney_id`` tag).
"""

from __future__ import annotations

from typing import Any

from chalice import Chalice

from chalicelib.logs import logger

# The deploy replaces the topic with the stack's MailEventsTopicArn output.
TOPIC = "maeul-mail-events"


def register(app: Chalice) -> None:
    @app.on_sns_message(topic=TOPIC, name="mail_events")
    def mail_events(event: Any) -> None:
        from chalicelib.composition import get_container  # at the first event, not at a cold start
        from chalicelib.domain.email_health import UnreadableEventError

        try:
            get_container().email_failures.record_event(event.message)
        except UnreadableEventError:
            logger().warning("mail event not understood", extra={"subject": event.subject or ""})
