"""E-mail to attorneys: one alert rendered in the attorney's language as a plain-text and an
HTML part (``templates/email/attorney_alert.*``, strings in ``i18n/<lang>/attorney_email.json``).

The parts hold what the alert holds (its kind, a time or a deadline, a link) and nothing about
the resident. The HTML part is escaped by the template engine and kept simple: one language
attribute, one heading-free column, a real link text, no images.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.notifications import AttorneyAlert, format_time
from chalicelib.web import LANGUAGES, Translator, environment


@dataclass(frozen=True)
class EmailContent:
    lang: str
    subject: str
    text: str
    html: str


def render_attorney_email(alert: AttorneyAlert, lang: str) -> EmailContent:
    lang = lang if lang in LANGUAGES else "ko"
    t = Translator(lang)
    kind = alert.kind.value
    deadline = format_time(alert.deadline, lang).split(" ")[-1] if alert.deadline else ""
    context = {
        "lang": lang, "link": alert.link,
        "subject": t(f"attorney_email.subject.{kind}"),
        "greeting": t("attorney_email.greeting"),
        "body": t(f"attorney_email.body.{kind}", when=format_time(alert.when, lang), deadline=deadline),
        "action": t("attorney_email.action"),
        "footer": t("attorney_email.footer"),
    }
    env = environment()
    return EmailContent(lang=lang, subject=context["subject"],
                        text=env.get_template("email/attorney_alert.txt").render(**context).strip() + "\n",
                        html=env.get_template("email/attorney_alert.html").render(**context))


def text_patterns() -> list[str]:
    """Regular expressions every attorney e-mail's plain-text part matches in full: the template
    with only a time, a deadline and a link filled in (for the outbound-message audit)."""
    import re

    from chalicelib.domain.notifications import MessageKind

    patterns = []
    for lang in LANGUAGES:
        for kind in (MessageKind.OFFER, MessageKind.BOOKING, MessageKind.BOOKING_CANCELLED,
                     MessageKind.REMINDER, MessageKind.MESSAGE_WAITING, MessageKind.OUTCOME_DUE):
            marker = AttorneyAlert(kind, "LINK")
            sample = render_attorney_email(marker, lang)
            body = Translator(lang)(f"attorney_email.body.{kind.value}", when="WHEN", deadline="DEADLINE")
            escaped = re.escape(sample.text.replace(Translator(lang)(
                f"attorney_email.body.{kind.value}", when="", deadline=""), body))
            for name, fill in (("WHEN", r"[\w() :월일]*"), ("DEADLINE", r"[\d:]*"), ("LINK", r"https?://\S+")):
                escaped = escaped.replace(name, fill)
            patterns.append(escaped)
    return patterns
