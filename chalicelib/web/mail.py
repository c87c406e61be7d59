"""E-mail to attorneys: one alert rendered in the attorney's language as a plain-text and an
HTML part (``templates/email/attorney_alert.*``, strings in ``i18n/<lang>/attorney_email.json``).

The parts hold what the alert holds (its kind, a time or a deadline, a link) and nothing about
the resident. The HTML part is escaped by the template engine and kept simple: one language
attribute, one heading-free column, a real link text, no images.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.notifications import AttorneyAlert, MessageKind, format_time
from chalicelib.web import Translator, environment

# The languages an attorney's e-mail is written in (``AttorneyContact.language``, chosen by an admin).
EMAIL_LANGUAGES = ("ko", "en")


@dataclass(frozen=True)
class EmailContent:
    lang: str
    subject: str
    text: str
    html: str


def _context(kind: str, lang: str, link: str, when: str, deadline: str) -> dict[str, str]:
    t = Translator(lang)
    return {"lang": lang, "link": link, "subject": t(f"attorney_email.subject.{kind}"),
            "greeting": t("attorney_email.greeting"),
            "body": t(f"attorney_email.body.{kind}", when=when, deadline=deadline),
            "action": t("attorney_email.action"), "footer": t("attorney_email.footer")}


def _text(context: dict[str, str]) -> str:
    return environment().get_template("email/attorney_alert.txt").render(**context).strip() + "\n"


def render_attorney_email(alert: AttorneyAlert, lang: str) -> EmailContent:
    lang = lang if lang in EMAIL_LANGUAGES else "ko"
    deadline = format_time(alert.deadline, lang).split(" ")[-1] if alert.deadline else ""
    context = _context(alert.kind.value, lang, alert.link, format_time(alert.when, lang), deadline)
    return EmailContent(lang=lang, subject=context["subject"], text=_text(context),
                        html=environment().get_template("email/attorney_alert.html").render(**context))


ATTORNEY_KINDS = (MessageKind.OFFER, MessageKind.BOOKING, MessageKind.BOOKING_CANCELLED, MessageKind.REMINDER,
                  MessageKind.MESSAGE_WAITING, MessageKind.OUTCOME_DUE, MessageKind.REQUEST_WITHDRAWN,
                  MessageKind.SCHEDULE_CHANGED)


def text_patterns() -> list[str]:
    """Regular expressions every attorney e-mail's plain-text part matches in full: the template
    with only a time, a deadline and a link filled in (for the outbound-message audit)."""
    import re

    when = r"(\d{1,2}월 \d{1,2}일\([월화수목금토일]\) \d{2}:\d{2}|[A-Z][a-z]{2} \d{2} [A-Z][a-z]{2} \d{2}:\d{2})?"
    fills = {"\x00when\x00": when, "\x00deadline\x00": r"(\d{2}:\d{2})?", "\x00link\x00": r"https?://\S+"}
    patterns = []
    for lang in EMAIL_LANGUAGES:
        for kind in ATTORNEY_KINDS:
            text = re.escape(_text(_context(kind.value, lang, "\x00link\x00", "\x00when\x00", "\x00deadline\x00")))
            for marker, fill in fills.items():
                text = text.replace(re.escape(marker), fill)
            patterns.append(text)
    return patterns
