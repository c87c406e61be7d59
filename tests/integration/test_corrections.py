"""Correcting a submitted request on the emulator's DynamoDB with the stage's field cipher: the
corrected details are stored sealed (never in plain text), bound to the consultation; parallel
corrections from two tabs end with exactly one applied and the other told to reload; once an
attorney is offered the request, it can no longer be corrected, and nothing changes."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.adapters.dynamo.consultations import ConsultationItem, _key
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import ENTITY, ConsultationNotFoundError, Intake, Language, PersonalDetails, Status
from chalicelib.domain.corrections import Correction, CorrectionConflictError, NotCorrectableError
from chalicelib.domain.identity import Principal, Provider, Role
from chalicelib.services import intake
from chalicelib.services.corrections import Corrections

pytestmark = pytest.mark.emulator

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=KST)


def submitted(container) -> tuple[str, Principal]:  # type: ignore[no-untyped-def]
    owner = f"kakao:fix-{uuid.uuid4().hex[:10]}"
    personal = PersonalDetails(name="홍길동", phone="+821023456789", email="old@example.invalid",
                               description="사장님이 두 달 치 월급을 주지 않고 다음 달에 준다고만 합니다.")
    made = intake.submit(consultations=container.consultations, cipher=container.cipher,
                         calendar=container.calendar, policy=container.settings.policy, owner=owner,
                         intake=Intake("wage_arrears", "suwon", Mode.RESERVATION, Method.PHONE, Language.KO,
                                       personal),
                         idempotency_key=str(uuid.uuid4()), now=NOW)
    return made.consultation.id, Principal(subject=owner, role=Role.RESIDENT, provider=Provider.KAKAO,
                                           session_id="s")


class WritesTogether:
    """The repository, with every correction's write held until all the tabs have read and sealed:
    the writes really race (no tab reads after another one wrote)."""

    def __init__(self, repository, barrier: threading.Barrier) -> None:  # type: ignore[no-untyped-def]
        self._repository, self._barrier = repository, barrier

    def correct_details(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self._barrier.wait(timeout=30)
        self._repository.correct_details(*args, **kwargs)


def fix(container, principal, cid, correction, now=NOW + timedelta(minutes=5), store=None):  # type: ignore[no-untyped-def]
    service = Corrections(consultations=container.consultations, store=store or container.consultations,
                          cipher=container.cipher, calendar=container.calendar, clock=lambda: now)
    view = service.correct(principal, cid, correction)
    return view.consultation, view.personal


def stored_details(container, cid) -> PersonalDetails:  # type: ignore[no-untyped-def]
    c = container.consultations.get(cid)
    return PersonalDetails.from_sealed(container.cipher.open(ENTITY, cid, c.sealed))


def test_a_correction_is_sealed_and_keeps_what_was_not_corrected(container) -> None:
    cid, owner = submitted(container)
    before = container.consultations.get(cid).sealed
    _, after = fix(container, owner, cid, Correction(phone="+821087654321", email="",
                                                     description="사장님이 석 달 치 월급과 퇴직금을 주지 않았습니다."))
    assert after.phone == "+821087654321" and after.email is None and after.name == "홍길동"
    read_back = stored_details(container, cid)
    assert read_back == after
    raw = ConsultationItem.get(*_key(cid), consistent_read=True)
    sealed = bytes(raw.personal)
    assert sealed != before
    assert b"821087654321" not in sealed and "퇴직금".encode() not in sealed  # encrypted, not stored in clear
    assert container.consultations.get(cid).status is Status.SUBMITTED
    # someone else (another resident) gets what an unknown id gets, and nothing changes
    stranger = Principal(subject="kakao:stranger", role=Role.RESIDENT, provider=Provider.KAKAO, session_id="s")
    with pytest.raises(ConsultationNotFoundError):
        fix(container, stranger, cid, Correction(name="누군가"))
    assert stored_details(container, cid).name == "홍길동"


def test_two_parallel_corrections_one_wins_the_other_is_told_to_reload(container) -> None:
    cid, owner = submitted(container)
    together = WritesTogether(container.consultations, threading.Barrier(4))
    results: dict[int, object] = {}

    def attempt(i: int) -> None:
        try:
            fix(container, owner, cid, Correction(name=f"이름{i}"), store=together)
            results[i] = "ok"
        except CorrectionConflictError as exc:
            results[i] = exc

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [i for i, r in results.items() if r == "ok"]
    assert len(winners) == 1, results
    assert all(isinstance(r, CorrectionConflictError) for i, r in results.items() if i not in winners)
    assert stored_details(container, cid).name == f"이름{winners[0]}"


def test_once_an_attorney_is_offered_it_the_request_is_not_corrected(container) -> None:
    cid, owner = submitted(container)
    container.consultations.transition(cid, Status.OFFERED, NOW + timedelta(minutes=1), expected=Status.SUBMITTED)
    with pytest.raises(NotCorrectableError):
        fix(container, owner, cid, Correction(phone="+821011112222"))
    assert stored_details(container, cid).phone == "+821023456789"
