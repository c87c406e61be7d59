"""Message templates: a time and a link, nothing personal; Korean by default."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.notifications import MessageKind, render

WHEN = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # Wednesday 10:00 KST
LINK = "https://maeul.example/c/abc"


def test_reminder_in_korean_names_the_local_time_and_the_link() -> None:
    text = render(MessageKind.REMINDER, LINK, when=WHEN).text
    assert "12월 2일(수) 10:00" in text
    assert LINK in text


def test_residents_who_chose_english_get_english() -> None:
    assert "Wed 02 Dec 10:00" in render(MessageKind.REMINDER, LINK, when=WHEN, lang="en").text


def test_attorney_only_kinds_stay_korean_even_if_asked_in_english() -> None:
    assert render(MessageKind.OFFER, LINK, deadline=WHEN, lang="en").text.startswith("[마을노무사]")


@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_template_is_short_and_carries_the_link(kind: MessageKind) -> None:
    rendered = render(kind, LINK, when=WHEN, deadline=WHEN, phone="031-8030-4541")
    assert LINK in rendered.text
    assert len(rendered.text) <= 140
    assert "{" not in rendered.text


def test_the_fallback_line_is_offered_when_no_attorney_is_free() -> None:
    # the number is the policy's, whatever it is; a message that gives it cannot go out without it
    assert "02-1234-5678" in render(MessageKind.NO_ATTORNEY_NOW, LINK, phone="02-1234-5678").text
    assert "02-1234-5678" in render(MessageKind.REQUEST_EXPIRED, LINK, lang="vi", phone="02-1234-5678").text
    with pytest.raises(ValueError, match="fallback_phone"):
        render(MessageKind.NO_ATTORNEY_NOW, LINK)
