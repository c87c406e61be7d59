"""Leaving (``DELETE /api/me`` → ``AccountService.leave``) on the emulator, complete and resumable:
sessions end first, then every free text about the person goes (messages, the attorney's outcome
note, the survey comment, decline reasons), then the profile and the consultations' own details.
A failure half-way (an injected DynamoDB fault on the survey-comment step) leaves everything still
to do findable, and leaving again finishes the job; afterwards nothing about the person can be
decrypted, because the ciphertexts are gone."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pynamodb.exceptions import UpdateError

from chalicelib.composition import Container
from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.availability import Availability
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import ERASED_OWNER, Intake, Language, PersonalDetails, Status
from chalicelib.domain.identity import InvalidTokenError, Principal, Provider, Role
from chalicelib.domain.login import Client
from chalicelib.domain.rooms import Outcome
from chalicelib.domain.users import UserProfile
from chalicelib.services import intake
from chalicelib.services.surveys import SatisfactionSurvey
from chalicelib.settings import Settings
from tests.integration.reservations_harness import erase as clean_up
from tests.integration.test_fault_injection import aws_fault, error

pytestmark = pytest.mark.emulator

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 12, 1, 10, 30, tzinfo=KST)
CATEGORY, REGION = "other", "dongducheon"


def raw_item(c: Container, pk: str, sk: str) -> dict:
    ddb = c.boto_session.client("dynamodb")
    return ddb.get_item(TableName=c.settings.main_table, Key={"pk": {"S": pk}, "sk": {"S": sk}},
                        ConsistentRead=True).get("Item") or {}


def test_leaving_erases_every_free_text_and_a_retry_after_a_failure_half_way_finishes(stack_env) -> None:
    clock = [NOW]
    settings = Settings.from_env(stack_env)
    policy = settings.policy.model_copy(update={"availability_default": "none"})
    settings = settings.model_copy(update={"policy": policy})
    c = Container(settings, clock=lambda: clock[0])
    c.tables  # noqa: B018
    subject = f"kakao:leaver-{uuid.uuid4().hex[:10]}"
    me = Principal(subject=subject, role=Role.RESIDENT, provider=Provider.KAKAO, session_id="s")
    attorney_id = f"att-e{uuid.uuid4().hex[:8]}"
    lawyer = Principal(subject=f"kakao:{attorney_id}", role=Role.ATTORNEY, provider=Provider.KAKAO, session_id="s",
                       attorney_id=attorney_id)
    c.attorneys.save(Attorney(id=attorney_id, display_name="Erasure 노무사", categories=frozenset({CATEGORY}),
                              regions=frozenset({REGION})), None, NOW)
    c.bookings.save_availability(attorney_id, Availability.full(c.calendar), NOW)
    c.users.signed_in(subject, Provider.KAKAO, UserProfile(name="떠나는 사람", phone="+821077778888"), NOW)
    tokens = c.sessions.start(subject, Provider.KAKAO)

    def submit(mode: Mode) -> str:
        personal = PersonalDetails(name="떠나는 사람", phone="+821077778888",
                                   description="My employer changed my contract without asking me.")
        return intake.submit(consultations=c.consultations, cipher=c.cipher, calendar=c.calendar,
                             policy=c.settings.policy, owner=subject,
                             intake=Intake(CATEGORY, REGION, mode, Method.CHAT, Language.KO, personal),
                             idempotency_key=str(uuid.uuid4()), now=clock[0]).consultation.id

    # a consultation held and closed: a message, the attorney's outcome note, the person's survey comment
    held = submit(Mode.REALTIME)
    c.consultations.transition(held, Status.MATCHED, NOW, attorney_id=attorney_id)
    c.rooms.post(me, held, "제 계약서 사진을 보내드릴게요")
    c.rooms.record_outcome(lawyer, held, Outcome.ADVICE_GIVEN, "계약서 변경 경위를 상세히 들음")
    SatisfactionSurvey(consultations=c.consultations, store=c.surveys, cipher=c.cipher, clock=lambda: NOW) \
        .answer(me, held, 4, "노무사님 덕분에 많이 알게 되었습니다")
    # a reservation the attorney declined with a reason
    declined = submit(Mode.RESERVATION)
    c.reservations.book(me, declined, datetime(2026, 12, 2, 14, 0, tzinfo=KST))
    c.reservations.decline(lawyer, declined, "피신청 사업장과 이해관계가 있음")
    try:
        assert c.sessions.authenticate(tokens.access_token).subject == subject
        assert c.thread_store.messages(held, None, 50)
        assert "note" in raw_item(c, f"CONSULTATION#{held}", "OUTCOME")
        assert "comment" in raw_item(c, f"CONSULTATION#{held}", "SURVEY")
        history = c.bookings.state_of(declined).history
        assert [b.sealed_note is not None for b in history] == [True]

        # the first attempt fails half-way: on the survey-comment step
        survey_step = lambda params: params.get("Key", {}).get("sk", {}).get("S") == "SURVEY"  # noqa: E731
        with aws_fault("dynamodb", "UpdateItem", answer=error("ProvisionedThroughputExceededException"),
                       when=survey_step) as fault, pytest.raises(UpdateError):
            c.accounts.leave(subject, Client(ip="198.51.100.7", user_agent="test"), "kakao")
        assert fault.hits
        # sessions went first; messages and the outcome note are gone already ...
        with pytest.raises(InvalidTokenError):
            c.sessions.authenticate(tokens.access_token)
        assert c.thread_store.messages(held, None, 50) == []
        assert "note" not in raw_item(c, f"CONSULTATION#{held}", "OUTCOME")
        # ... and what is left is still findable through the person, to be finished by a retry
        assert "comment" in raw_item(c, f"CONSULTATION#{held}", "SURVEY")
        assert c.consultations.get(declined).owner == subject and c.users.profile(subject) is not None

        departure = c.accounts.leave(subject, Client(ip="198.51.100.7", user_agent="test"), "kakao")

        assert departure.sessions_ended == 0  # ended by the first attempt
        survey = raw_item(c, f"CONSULTATION#{held}", "SURVEY")
        assert "comment" not in survey and survey["rating"]["N"] == "4"  # the rating stays for statistics
        outcome = raw_item(c, f"CONSULTATION#{held}", "OUTCOME")
        assert "note" not in outcome and outcome["outcome"]["S"] == "advice_given"
        assert [b.sealed_note for b in c.bookings.state_of(declined).history] == [None]
        for cid in (held, declined):
            stored = c.consultations.get(cid)
            assert stored.sealed is None and stored.owner == ERASED_OWNER
            assert "personal" not in raw_item(c, f"CONSULTATION#{cid}", "CONSULTATION")
        assert c.users.profile(subject) is None
        # leaving a third time changes nothing and fails nothing
        c.accounts.leave(subject, Client(ip="198.51.100.7", user_agent="test"), "kakao")
    finally:
        clock[0] = NOW + timedelta(seconds=1)
        clean_up(attorneys={attorney_id: c.attorneys.get(attorney_id)},
                 consultations={held: subject, declined: subject})
