"""The outbound-message audit: every SMS and e-mail the app sends is a template with only a time,
a deadline and a link filled in, so no name, phone number or problem description can reach a body.

The audit itself runs over everything the suite sent through the shared stack when that stack is
torn down (``tests/conftest.py``, ``local_stack``); this module checks it on messages the app's own
templates render, and that it catches what it must.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chalicelib.domain.notifications import MessageKind, render
from tests.support import offending_messages

WHEN = datetime(2027, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=9)))


def _sms(text: str) -> dict[str, str]:
    return {"channel": "sms", "to": "+821000000001", "text": text}


def test_every_template_rendered_with_a_time_and_a_link_passes_the_audit() -> None:
    link = "http://127.0.0.1:8000/consultations/0d9c7a8e-5b7f-4c83-9d1e-6f2a7c1b2e3d"
    rendered = []
    for kind in MessageKind:
        for lang in ("ko", "en"):
            rendered.append(_sms(render(kind, link, when=WHEN, deadline=WHEN, lang=lang, phone="031-8030-4541").text))
    assert offending_messages(rendered) == []


def test_the_audit_catches_a_name_a_phone_number_or_free_text() -> None:
    link = "http://127.0.0.1:8000/attorney"
    good = render(MessageKind.REMINDER, link, when=WHEN).text
    bad = [good + " 홍길동", good.replace(link, "010-2345-6789 " + link), "임금을 두 달째 못 받았습니다"]
    assert offending_messages([_sms(t) for t in bad]) == [_sms(t) for t in bad]
