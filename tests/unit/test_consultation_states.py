"""The consultation life cycle: every transition checked, closing stamps the retention clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import (
    CLOSED_STATUSES,
    ERASED_OWNER,
    OPEN_STATUSES,
    TRANSITIONS,
    Consultation,
    IllegalTransitionError,
    Language,
    Reader,
    Status,
    check_transition,
    erased,
    reader_of,
    transitioned,
)
from chalicelib.domain.identity import Principal, Provider, Role
from tests.fakes import admin, attorney, resident

T0 = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
RETENTION = timedelta(days=3 * 365)

HAPPY_PATHS = [
    [Status.SUBMITTED, Status.OFFERED, Status.MATCHED, Status.IN_PROGRESS, Status.COMPLETED],  # real time
    [Status.SUBMITTED, Status.BOOKED, Status.IN_PROGRESS, Status.COMPLETED],  # reservation
    [Status.SUBMITTED, Status.OFFERED, Status.MATCHED, Status.BOOKED, Status.IN_PROGRESS, Status.COMPLETED],
]


def consultation(status: Status = Status.SUBMITTED, **changes) -> Consultation:
    base = Consultation(id="3f0f8a52-8d64-4c1e-9a53-0d1f2b7c9e11", owner="kakao:resident-1", status=status,
                        category="wage_arrears", region="suwon", mode=Mode.REALTIME, method=Method.CHAT,
                        language=Language.KO, created_at=T0, updated_at=T0, month="2026-12",
                        consent_version="2026-11", sealed=b"sealed")
    return base.evolve(**changes)


def test_the_table_covers_every_status_and_closed_ones_are_terminal() -> None:
    assert set(TRANSITIONS) == set(Status)
    assert OPEN_STATUSES | CLOSED_STATUSES == set(Status)
    for status in CLOSED_STATUSES:
        assert TRANSITIONS[status] == frozenset()
    for status in OPEN_STATUSES:
        assert Status.CANCELLED in TRANSITIONS[status]
        assert status not in TRANSITIONS[status]  # no self-transitions


@pytest.mark.parametrize("path", HAPPY_PATHS)
def test_the_happy_paths_are_allowed(path: list[Status]) -> None:
    c = consultation(path[0])
    for step, target in enumerate(path[1:], start=1):
        c = transitioned(c, target, T0 + timedelta(minutes=step), retention=RETENTION)
        assert c.status is target
    assert c.closed_at == T0 + timedelta(minutes=len(path) - 1)


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("target", list(Status))
def test_every_pair_is_checked_against_the_table(current: Status, target: Status) -> None:
    if target in TRANSITIONS[current]:
        check_transition(current, target)
        assert transitioned(consultation(current), target, T0, retention=RETENTION).status is target
    else:
        with pytest.raises(IllegalTransitionError) as raised:
            check_transition(current, target)
        assert raised.value.current is current
        assert f"'{current.value}'" in str(raised.value)  # the message names the current state


def test_some_illegal_moves_by_name() -> None:
    for current, target in [(Status.SUBMITTED, Status.COMPLETED), (Status.SUBMITTED, Status.IN_PROGRESS),
                            (Status.COMPLETED, Status.CANCELLED), (Status.CANCELLED, Status.SUBMITTED),
                            (Status.EXPIRED, Status.BOOKED), (Status.IN_PROGRESS, Status.EXPIRED)]:
        with pytest.raises(IllegalTransitionError):
            transitioned(consultation(current), target, T0, retention=RETENTION)


def test_an_unexpected_current_status_is_refused_with_the_status_found() -> None:
    with pytest.raises(IllegalTransitionError) as raised:
        transitioned(consultation(Status.MATCHED), Status.MATCHED, T0, retention=RETENTION,
                     expected=Status.OFFERED)
    assert raised.value.current is Status.MATCHED and raised.value.target is Status.MATCHED


@pytest.mark.parametrize("target", [Status.CANCELLED, Status.EXPIRED])
def test_closing_stamps_closed_at_and_the_ttl(target: Status) -> None:
    closed_at = T0 + timedelta(days=2)
    c = transitioned(consultation(Status.SUBMITTED), target, closed_at, retention=RETENTION)
    assert c.closed_at == closed_at and c.expires_at == closed_at + RETENTION
    assert not c.is_open


def test_open_moves_leave_the_ttl_unset_and_can_assign_the_attorney() -> None:
    c = transitioned(consultation(Status.OFFERED), Status.MATCHED, T0, retention=RETENTION, attorney_id="att-007")
    assert c.attorney_id == "att-007" and c.expires_at is None and c.closed_at is None and c.is_open


def test_erasure_drops_the_sealed_details_and_the_owner_and_cancels_an_open_consultation() -> None:
    later = T0 + timedelta(days=1)
    gone = erased(consultation(Status.BOOKED), later, retention=RETENTION)
    assert gone.sealed is None and gone.owner == ERASED_OWNER and gone.erased_at == later
    assert gone.status is Status.CANCELLED and gone.expires_at == later + RETENTION
    done = consultation(Status.COMPLETED, closed_at=T0, expires_at=T0 + RETENTION)
    kept = erased(done, later, retention=RETENTION)
    assert kept.status is Status.COMPLETED and kept.expires_at == T0 + RETENTION  # retention clock unchanged


def test_who_may_read() -> None:
    c = consultation(attorney_id="att-007")
    assert reader_of(resident("resident-1"), c) is Reader.OWNER
    assert reader_of(resident("resident-2"), c) is None
    assert reader_of(attorney("att-007"), c) is Reader.ATTORNEY
    assert reader_of(attorney("att-008"), c) is None
    assert reader_of(attorney("att-008"), consultation()) is None  # nobody assigned yet
    assert reader_of(admin(), c) is Reader.ADMIN
    nobody = Principal(subject=ERASED_OWNER, role=Role.RESIDENT, provider=Provider.KAKAO, session_id="s")
    assert reader_of(nobody, consultation(owner=ERASED_OWNER)) is None  # an erased record has no owner
