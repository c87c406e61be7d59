"""Room rules: cursors, who may post, when the video room opens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Consultation, Language, Reader, Status
from chalicelib.domain.rooms import (
    CURSOR,
    NotYetConnectedError,
    RoomClosedError,
    Side,
    ThreadClosedError,
    check_can_post,
    check_room_open,
    cursor_time,
    new_cursor,
    room_window,
    side_of,
)

T0 = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
BEFORE, AFTER = timedelta(minutes=10), timedelta(minutes=30)


def consultation(status: Status, attorney_id: str | None = "att-001") -> Consultation:
    return Consultation(id="c-1", owner="kakao:r", status=status, category="wages", region="suwon",
                        mode=Mode.RESERVATION, method=Method.VIDEO, language=Language.KO, created_at=T0,
                        updated_at=T0, month="2026-12", consent_version="v1", attorney_id=attorney_id)


def test_cursors_sort_in_time_order_and_after_a_given_one() -> None:
    a = new_cursor(T0)
    b = new_cursor(T0, after=a)
    c = new_cursor(T0 + timedelta(microseconds=5))
    assert CURSOR.match(a) and a < b < c and cursor_time(a) == T0
    assert new_cursor(T0 - timedelta(hours=1), after=c) > c  # never behind the thread's last cursor


@pytest.mark.parametrize("status", [Status.MATCHED, Status.BOOKED, Status.IN_PROGRESS])
def test_posting_is_open_while_the_consultation_is_live(status: Status) -> None:
    check_can_post(consultation(status))


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.OFFERED])
def test_posting_waits_for_a_match(status: Status) -> None:
    with pytest.raises(ThreadClosedError):
        check_can_post(consultation(status))
    with pytest.raises(NotYetConnectedError):
        check_can_post(consultation(Status.MATCHED, attorney_id=None))


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.CANCELLED, Status.EXPIRED])
def test_posting_is_closed_after_the_end(status: Status) -> None:
    with pytest.raises(ThreadClosedError) as closed:
        check_can_post(consultation(status))
    assert closed.value.status is status  # the message (with the policy's phone) is the error table's


def test_the_booked_room_opens_ten_minutes_before_and_closes_thirty_after() -> None:
    start = T0 + timedelta(hours=1)
    window = room_window(consultation(Status.BOOKED), (start, start + timedelta(minutes=30)),
                         opens_before=BEFORE, closes_after=AFTER)
    assert window is not None and window.opens_at == start - BEFORE
    assert window.closes_at == start + timedelta(minutes=60)
    with pytest.raises(RoomClosedError) as early:
        check_room_open(window, start - timedelta(minutes=11))
    assert early.value.opens_at == start - BEFORE and early.value.reason == "not_yet"
    check_room_open(window, start - BEFORE)
    check_room_open(window, start + timedelta(minutes=60))
    with pytest.raises(RoomClosedError, match="passed"):
        check_room_open(window, start + timedelta(minutes=61))


def test_a_realtime_match_opens_at_once_and_nothing_opens_before_a_match_or_after_the_end() -> None:
    window = room_window(consultation(Status.MATCHED), None, opens_before=BEFORE, closes_after=AFTER)
    assert window is not None and window.is_open(T0) and window.opens_at is None
    for status in (Status.SUBMITTED, Status.COMPLETED):
        assert room_window(consultation(status), None, opens_before=BEFORE, closes_after=AFTER) is None
    with pytest.raises(RoomClosedError):
        check_room_open(None, T0)
    assert room_window(consultation(Status.BOOKED), None, opens_before=BEFORE, closes_after=AFTER) is None


def test_only_the_owner_and_the_assigned_attorney_have_a_side() -> None:
    assert side_of(Reader.OWNER) is Side.RESIDENT and side_of(Reader.ATTORNEY) is Side.ATTORNEY
    assert side_of(Reader.ADMIN) is None and side_of(None) is None
    assert Side.RESIDENT.other is Side.ATTORNEY
