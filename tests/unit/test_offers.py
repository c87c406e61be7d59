"""The offer state machine, the move-on rules and the queue estimate (pure domain)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.calendar import DEFAULT_WINDOWS, ServiceCalendar
from chalicelib.domain.offers import (
    MoveOnReason,
    Offer,
    OfferStatus,
    OfferUnavailableError,
    RealtimeRequest,
    deadline_of,
    estimate_minutes,
    must_move_on,
    resolved,
    rolled,
    serving_window_end,
)

KST = ZoneInfo("Asia/Seoul")
CAL = ServiceCalendar(DEFAULT_WINDOWS)
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=KST)  # Tuesday, a window opens


def offer(**changes) -> Offer:
    base = dict(id="o1", consultation_id="c1", attorney_id="a1", category="dismissal", region="suwon",
                method="phone", offered_at=T0, deadline=T0 + timedelta(minutes=3), attempt=1)
    return Offer(**{**base, **changes})


@pytest.mark.parametrize("target", [OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.EXPIRED,
                                    OfferStatus.WITHDRAWN])
def test_a_pending_offer_can_be_resolved_once(target) -> None:
    done = resolved(offer(), target, T0 + timedelta(minutes=1))
    assert done.status is target and done.answered_at == T0 + timedelta(minutes=1)
    for again in OfferStatus:
        with pytest.raises(OfferUnavailableError):
            resolved(done, again, T0 + timedelta(minutes=2))


def test_accepting_at_or_after_the_deadline_is_refused() -> None:
    with pytest.raises(OfferUnavailableError) as caught:
        resolved(offer(), OfferStatus.ACCEPTED, T0 + timedelta(minutes=3))
    assert caught.value.status is OfferStatus.EXPIRED
    assert resolved(offer(), OfferStatus.EXPIRED, T0 + timedelta(minutes=3)).status is OfferStatus.EXPIRED


def test_only_the_offered_attorney_before_the_deadline_may_answer() -> None:
    o = offer()
    assert o.answerable("a1", T0 + timedelta(seconds=179))
    assert not o.answerable("a2", T0)
    assert not o.answerable("a1", T0 + timedelta(minutes=3))
    assert o.is_due(T0 + timedelta(minutes=3)) and not o.is_due(T0 + timedelta(minutes=2))


def test_the_deadline_never_passes_the_end_of_the_window() -> None:
    assert deadline_of(T0, 180, CAL) == T0 + timedelta(minutes=3)
    late = datetime(2026, 12, 1, 11, 29, tzinfo=KST)
    assert deadline_of(late, 180, CAL) == datetime(2026, 12, 1, 11, 30, tzinfo=KST)


def test_the_window_serving_a_request_is_the_current_or_the_next_one_skipping_holidays() -> None:
    assert serving_window_end(CAL, datetime(2026, 12, 1, 10, 40, tzinfo=KST)) == datetime(2026, 12, 1, 11, 30,
                                                                                          tzinfo=KST)
    # Thursday evening before Christmas (Friday, holiday) and a weekend: Monday's first window
    assert serving_window_end(CAL, datetime(2026, 12, 24, 18, 0, tzinfo=KST)) == datetime(2026, 12, 28, 11, 30,
                                                                                          tzinfo=KST)
    # asked at lunch: the afternoon window
    assert serving_window_end(CAL, datetime(2026, 12, 1, 12, 0, tzinfo=KST)) == datetime(2026, 12, 1, 17, 0,
                                                                                         tzinfo=KST)


def test_move_on_after_the_attempts_or_when_the_serving_window_closed() -> None:
    waiting = RealtimeRequest("c1", "dismissal", "suwon", queued_at=T0 + timedelta(minutes=5))
    assert must_move_on(waiting, T0 + timedelta(minutes=10), CAL, 5) is None
    tried = RealtimeRequest("c1", "dismissal", "suwon", queued_at=T0, tried=("a", "b", "c", "d", "e"))
    assert must_move_on(tried, T0 + timedelta(minutes=20), CAL, 5) is MoveOnReason.ATTEMPTS_EXHAUSTED
    with_offer = RealtimeRequest("c1", "dismissal", "suwon", queued_at=T0, tried=("a",) * 5, current_offer="o")
    assert must_move_on(with_offer, T0 + timedelta(minutes=20), CAL, 5) is None  # wait for its answer
    assert must_move_on(waiting, datetime(2026, 12, 1, 11, 30, tzinfo=KST), CAL, 5) is MoveOnReason.WINDOW_CLOSED
    saturday = RealtimeRequest("c2", "dismissal", "suwon", queued_at=datetime(2026, 12, 5, 9, 0, tzinfo=KST))
    assert must_move_on(saturday, datetime(2026, 12, 7, 9, 59, tzinfo=KST), CAL, 5) is None
    done = RealtimeRequest("c1", "dismissal", "suwon", queued_at=T0, failed=True)
    assert must_move_on(done, datetime(2026, 12, 9, tzinfo=KST), CAL, 5) is None


def test_estimate_uses_the_median_of_recent_acceptance_times() -> None:
    assert estimate_minutes(3, []) == 15  # 5 minutes per position without history
    assert estimate_minutes(2, [60, 120, 6000]) == 4  # median 2 minutes: an outlier does not dominate
    assert estimate_minutes(0, [60]) == 0
    samples: list[float] = []
    for n in range(30):
        samples = rolled(samples, n)
    assert len(samples) == 20 and samples[-1] == 29.0 and samples[0] == 10.0
