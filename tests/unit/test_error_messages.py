"""Error messages: one table from exception to status, code and catalogue key; the messages in the
catalogue (Korean and English in full, other languages their own ``api.error.<code>``); the numbers
from the exception; the phone from the policy and from nowhere else in the code."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.api.error_table import ERRORS, ErrorRow
from chalicelib.api.errors import domain_details, domain_message, exception_values
from chalicelib.domain import (
    announcements,
    attachments,
    attorneys,
    bookings,
    consultations,
    corrections,
    languages,
    limits,
    matching,
    offers,
    phone_verification,
    rooms,
    second_factor,
    slots,
    surveys,
    users,
)
from chalicelib.domain.consultations import Status
from chalicelib.domain.languages import CODES, catalogue, own_messages
from chalicelib.domain.matching import ConsultationFacts, Ineligibility
from chalicelib.domain.offers import OfferStatus
from chalicelib.services import access_log, accounts, email_health, roster, staff_access, stats_export
from chalicelib.services import attachments as attachment_service
from chalicelib.settings import Policy

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PHONE = Policy().fallback_phone
POLICY = Policy(fallback_phone="02-555-0199")  # another stage's number
AT = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # 14:00 in Korea
QUOTA = limits.Quota("k", "2026-12-02", 6, AT, "consultation")
FACTS = ConsultationFacts(consultation_id="c-1", category="wage_arrears", region="suwon", mode="realtime")  # type: ignore[arg-type]


def _slot(reason: str) -> slots.InvalidSlotError:
    data = {"day": "2026-12-05", "time": "10:00", "holiday": "", "reason": reason, "starts": "10:00, 10:30",
            "earliest": "2026-12-02 15:00", "minutes": "60", "horizon_days": "14", "last_day": "2026-12-16"}
    problem = slots.SlotProblem.CLOSED_DAY if reason in ("holiday", "weekend", "closed_day") \
        else slots.SlotProblem(reason)
    return slots.InvalidSlotError(problem, {**data, "holiday": "성탄절" if reason == "holiday" else ""})


# One example of every exception the table lists, in every variant its message key has.
SAMPLES: list[Exception] = [
    *(announcements.AnnouncementError(r) for r in ("reversed", "past", "too_long")),
    announcements.AnnouncementNotFoundError(),
    attachments.AttachmentBusyError(), attachments.AttachmentNotFoundError(),
    attachments.AttachmentTooLargeError(10 * 1024 * 1024), attachments.AttachmentTypeError(["image/png", "pdf"]),
    attachments.AttachmentsClosedError(), attachments.TooManyAttachmentsError(10),
    attorneys.InvalidAttorneyError("no_coverage"), attorneys.InvalidAttorneyError("unknown_coverage", codes="x"),
    attorneys.InvalidAttorneyError("too_many_pairs", max_pairs=200, pairs=300),
    attorneys.InvalidAttorneyError("weight"),
    attorneys.InvalidAttorneyError("unknown_languages", codes="fr", expected="ko, en"),
    bookings.AttorneyNotFoundError(), bookings.BookingChangedError(), bookings.NoBookingError(),
    bookings.NotBookableError(Status.COMPLETED), bookings.NotHoldableError("realtime"),
    bookings.NotHoldableError("booked"), bookings.SlotTakenError("a-1"),
    bookings.TooLateToCancelError(AT, 120), bookings.TooLateToRescheduleError(AT, 120),
    consultations.ConsultationNotFoundError(), consultations.EncryptionUnavailableError(saving=True),
    consultations.EncryptionUnavailableError(saving=False), consultations.IdempotencyKeyReusedError(),
    consultations.IllegalTransitionError(Status.COMPLETED, Status.MATCHED),
    consultations.NotWithdrawableError(Status.COMPLETED), consultations.NotWithdrawableError(Status.MATCHED, True),
    consultations.RecordIntegrityError(), consultations.TooManyOpenConsultationsError(3),
    corrections.CorrectionConflictError(), corrections.NotCorrectableError(Status.MATCHED),
    limits.TooManyBookingChangesError(QUOTA),
    limits.TooManyBookingChangesError(limits.Quota("k", "w", 10, AT, "account")),
    limits.TooManyNewRequestsError(limits.Quota("k", "w", 10, AT, "identity")),
    matching.NoCandidateError(FACTS, {}),
    *(matching.NotAssignableError(why, "att-1", "wage_arrears", 40) for why in Ineligibility),
    offers.NotOnRosterError(), offers.OfferNotFoundError(), offers.UnknownAttorneyError(),
    *(offers.OfferUnavailableError(status) for status in (*OfferStatus, None)),
    phone_verification.NotAMobileNumberError(), phone_verification.PhoneCodeUnusableError(10),
    phone_verification.TooManyPhoneCodesError(5), phone_verification.WrongPhoneCodeError(3),
    phone_verification.WrongPhoneCodeError(0),
    rooms.MessageRateLimitedError(20), rooms.NotParticipantError(), rooms.NotStartedYetError(AT),
    rooms.NotYetConnectedError(), rooms.OutcomeAlreadyRecordedError(), rooms.ThreadClosedError(Status.COMPLETED),
    *(rooms.RoomClosedError(AT, AT, reason) for reason in ("unassigned", "not_yet", "passed")),
    second_factor.NotEnrolledError(), second_factor.WrongCodeError(),
    second_factor.WrongCodeError(reason="second_factor_replayed"),
    *(_slot(reason) for reason in ("holiday", "weekend", "closed_day", "not_a_slot_start", "past",
                                   "inside_min_notice", "beyond_horizon")),
    slots.SlotRangeError("not_a_date", field="from"), slots.SlotRangeError("reversed", first="a", last="b"),
    slots.SlotRangeError("beyond_horizon", horizon_days=14, last_day="2026-12-16"),
    slots.SlotRangeError("too_long", max_days=15, first="a", last="b", days=16),
    surveys.SurveyAlreadyAnsweredError(), surveys.SurveyNotOpenError(),
    *(users.InvalidInviteError(r) for r in ("invite_invalid", "invite_unknown", "already_linked", "invite_orphaned",
                                            "invite_conflict", "invite_used", "invite_expired", "invite_malformed")),
    access_log.AccessLogRangeError("reversed"), access_log.AccessLogRangeError("too_many_days"),
    accounts.BadUnlinkRequestError(), accounts.UnknownAccountError(), accounts.UnknownAttorneyError(),
    accounts.UnlinkUnauthorizedError(), attachment_service.AttachmentNotUploadedError(),
    email_health.UnknownAttorneyForEmailError(), roster.AttorneyExistsError(), roster.UnknownAttorneyProfileError(),
    staff_access.UnknownLinkedAccountError(),
    stats_export.ExportRangeError("reversed"), stats_export.ExportRangeError("too_many_months"),
]


def row_of(exc: Exception) -> ErrorRow:
    return next(ERRORS[t] for t in type(exc).__mro__ if t in ERRORS)


def key_of(exc: Exception) -> str:
    return row_of(exc).message.format(**exception_values(exc, POLICY))


def test_every_exception_in_the_table_has_an_example_here() -> None:
    assert set(ERRORS) - {type(e) for e in SAMPLES} == set()


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_korean_and_english_have_every_message_key_of_the_table(lang: str) -> None:
    own = own_messages(lang)
    assert sorted({key_of(e) for e in SAMPLES} - set(own)) == []
    # and no message is left over that no error uses
    assert sorted(k for k in own if k.startswith("err.") and k not in {key_of(e) for e in SAMPLES}) == []


@pytest.mark.parametrize("lang", CODES)
def test_every_message_key_resolves_in_every_language(lang: str) -> None:
    """Korean and English have every key; another language finds it through the catalogue's fallback
    chain and says its own ``api.error.<code>`` where it has one."""
    messages = catalogue(lang)
    assert sorted({key_of(e) for e in SAMPLES} - set(messages)) == []


@pytest.mark.parametrize("lang", CODES)
@pytest.mark.parametrize("exc", SAMPLES, ids=lambda e: f"{type(e).__name__}-{key_of(e)}")
def test_each_message_is_complete_with_the_numbers_and_the_policys_phone(exc: Exception, lang: str) -> None:
    row = row_of(exc)
    text = domain_message(row, exception_values(exc, POLICY), lang)
    assert text.strip() and not re.search(r"\{[a-z_0-9]+\}", text), text
    assert DEFAULT_PHONE not in text
    if lang in ("ko", "en"):
        template = own_messages(lang)[key_of(exc)]
        if "{phone}" in template:
            assert POLICY.fallback_phone in text
        if lang == "en":  # English words only: the Korean message is not shown instead
            assert not re.search("[가-힣]", text.replace(getattr(exc, "holiday", ""), ""))


def test_moments_are_said_in_the_policys_time_zone_and_details_carry_them() -> None:
    closed = rooms.RoomClosedError(AT, AT, "not_yet")
    assert "2026-12-02 14:00" in domain_message(row_of(closed), exception_values(closed, POLICY), "en")
    assert domain_details(row_of(closed), closed, POLICY) == {"opens_at": "2026-12-02T14:00:00+09:00",
                                                              "closes_at": "2026-12-02T14:00:00+09:00"}
    late = bookings.TooLateToCancelError(AT, 120)
    text = domain_message(row_of(late), exception_values(late, POLICY), "ko")
    assert "120분" in text and "2026-12-02 14:00" in text and POLICY.fallback_phone in text


def test_a_language_without_a_fitting_sentence_gets_the_general_one_and_its_fallbacks_detail() -> None:
    # "invalid_input": each language's api.error sentence needs {fields}, which this error has not
    unknown = accounts.BadUnlinkRequestError()
    row, values = row_of(unknown), exception_values(unknown, POLICY)
    assert domain_message(row, values, "vi") == \
        f"{catalogue('vi')['api.error.status.400']} ({own_messages('en')[row.message]})"
    assert domain_message(row, values, "ko-x-easy") == \
        f"{catalogue('ko-x-easy')['api.error.status.400']} ({own_messages('ko')[row.message]})"
    # a language with a sentence of its own for the code says it, with the policy's phone
    closed = consultations.NotWithdrawableError(Status.COMPLETED)
    assert domain_message(row_of(closed), exception_values(closed, POLICY), "th") == \
        own_messages("th")["api.error.not_withdrawable"].format(phone=POLICY.fallback_phone)


def test_a_request_naming_no_language_is_answered_in_english() -> None:
    exc = consultations.TooManyOpenConsultationsError(3)
    text = domain_message(row_of(exc), exception_values(exc, POLICY), None)
    assert text == own_messages("en")["err.consultation.too_many_open"].format(limit=3, phone=POLICY.fallback_phone)


PROSE = re.compile(r"[A-Za-z]+ [a-z]+ [a-z]+ [a-z]+")  # four words in a row: a sentence, not data


def test_exceptions_carry_data_not_sentences() -> None:
    """What an exception says of itself (``str``) is its data: ids, numbers, reasons; no sentence and
    no phone."""
    for exc in SAMPLES:
        said = str(exc)
        assert DEFAULT_PHONE not in said and not PROSE.search(said), (type(exc).__name__, said)


PHONE_DIGITS = re.compile(re.escape(DEFAULT_PHONE) + "|" + re.escape(DEFAULT_PHONE.replace("-", "")))


def test_no_module_but_the_policy_writes_the_phone_number() -> None:
    """The number lives once, as ``Policy.fallback_phone``'s default: code, templates, scripts and
    catalogues take it from the policy (``{phone}``)."""
    settings = ROOT / "chalicelib" / "settings.py"
    found = []
    for path in sorted((ROOT / "chalicelib").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".html", ".js", ".json", ".txt") and path != settings:
            if PHONE_DIGITS.search(path.read_text(encoding="utf-8")):
                found.append(str(path.relative_to(ROOT)))
    assert found == []
    assert len(PHONE_DIGITS.findall(settings.read_text(encoding="utf-8"))) == 1


def test_the_check_above_would_see_the_number(tmp_path: Path) -> None:
    module = tmp_path / "x.py"
    module.write_text('FALLBACK = "031-8030-4541"\n', encoding="utf-8")
    assert PHONE_DIGITS.search(module.read_text(encoding="utf-8"))
    assert PHONE_DIGITS.search('href="tel:03180304541"')


def test_languages_other_than_korean_and_english_may_leave_the_detailed_messages_out() -> None:
    assert languages.may_be_left_out("err.booking.slot_taken")
    assert not languages.may_be_left_out("api.error.slot_taken")
