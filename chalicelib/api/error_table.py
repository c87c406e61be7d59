"""The one table from the exceptions of the domain and the services to the API's answer.

Each exception a route may let through is listed here once, with its HTTP status, its error code and
the catalogue key of the message a person reads (``errors_domain.json``; another language than Korean
and English shows its own ``api.error.<code>``, see ``errors.domain_message``). Exceptions carry data,
never prose: the key and the message name their attributes in ``{braces}`` (``{reason}`` picks the
variant) and ``{phone}`` is the programme's ``Policy.fallback_phone``. ``errors.to_response`` looks an
exception up by its class and then its bases; anything not listed is a 500 (or a 503 when a dependency
is down).
"""

from __future__ import annotations

from typing import NamedTuple

from chalicelib.domain import (
                               announcements,
                               attachments,
                               attorneys,
                               bookings,
                               consultations,
                               corrections,
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
from chalicelib.services import access_log, accounts, email_health, roster, staff_access, stats_export
from chalicelib.services import attachments as attachment_service


class ErrorRow(NamedTuple):
    status: int
    code: str
    message: str  # catalogue key, e.g. "err.offer.unavailable.{reason}"
    details: tuple[str, ...] = ()  # the exception's attributes the answer carries in ``details``


ERRORS: dict[type[Exception], ErrorRow] = {
    # chalicelib.domain.announcements
    announcements.AnnouncementError: ErrorRow(422, "invalid_period", "err.announcement.{reason}"),
    announcements.AnnouncementNotFoundError: ErrorRow(404, "not_found", "err.announcement.not_found"),
    # chalicelib.domain.attachments
    attachments.AttachmentBusyError: ErrorRow(409, "attachment_busy", "err.attachment.busy"),
    attachments.AttachmentNotFoundError: ErrorRow(404, "not_found", "err.attachment.not_found"),
    attachments.AttachmentTooLargeError: ErrorRow(400, "attachment_too_large", "err.attachment.too_large"),
    attachments.AttachmentTypeError: ErrorRow(400, "attachment_type_not_allowed", "err.attachment.type"),
    attachments.AttachmentsClosedError: ErrorRow(409, "consultation_closed", "err.attachment.closed"),
    attachments.TooManyAttachmentsError: ErrorRow(409, "too_many_attachments", "err.attachment.too_many"),
    # chalicelib.domain.attorneys
    attorneys.InvalidAttorneyError: ErrorRow(422, "invalid_attorney", "err.attorney.invalid.{reason}"),
    # chalicelib.domain.bookings
    bookings.AttorneyNotFoundError: ErrorRow(404, "not_found", "err.booking.attorney_not_found"),
    bookings.BookingChangedError: ErrorRow(409, "booking_changed", "err.booking.changed"),
    bookings.NoBookingError: ErrorRow(404, "no_booking", "err.booking.none"),
    bookings.NotBookableError: ErrorRow(409, "not_bookable", "err.booking.not_bookable"),
    bookings.NotHoldableError: ErrorRow(409, "not_holdable", "err.booking.not_holdable.{reason}"),
    bookings.SlotTakenError: ErrorRow(409, "slot_taken", "err.booking.slot_taken"),
    bookings.TooLateToCancelError: ErrorRow(409, "too_late_to_cancel", "err.booking.too_late_to_cancel"),
    bookings.TooLateToRescheduleError: ErrorRow(409, "too_late_to_reschedule", "err.booking.too_late_to_reschedule"),
    # chalicelib.domain.consultations
    consultations.ConsultationNotFoundError: ErrorRow(404, "not_found", "err.consultation.not_found"),
    consultations.EncryptionUnavailableError: ErrorRow(
        503, "encryption_unavailable", "err.consultation.encryption.{reason}"),
    consultations.IdempotencyKeyReusedError: ErrorRow(
        422, "idempotency_key_reused", "err.consultation.idempotency_key_reused"),
    consultations.IllegalTransitionError: ErrorRow(409, "illegal_transition", "err.consultation.illegal_transition"),
    consultations.NotWithdrawableError: ErrorRow(409, "not_withdrawable", "err.consultation.not_withdrawable.{reason}"),
    consultations.RecordIntegrityError: ErrorRow(409, "record_integrity", "err.consultation.record_integrity"),
    consultations.TooManyOpenConsultationsError: ErrorRow(
        409, "too_many_open_consultations", "err.consultation.too_many_open"),
    # chalicelib.domain.corrections
    corrections.CorrectionConflictError: ErrorRow(409, "changed_meanwhile", "err.correction.changed_meanwhile"),
    corrections.NotCorrectableError: ErrorRow(409, "not_correctable", "err.correction.not_correctable"),
    # chalicelib.domain.limits
    limits.TooManyBookingChangesError: ErrorRow(429, "too_many_booking_changes", "err.limit.booking_changes.{scope}"),
    limits.TooManyNewRequestsError: ErrorRow(429, "too_many_new_requests", "err.limit.new_requests"),
    # chalicelib.domain.matching
    matching.NoCandidateError: ErrorRow(409, "slot_taken", "err.booking.slot_taken"),
    matching.NotAssignableError: ErrorRow(409, "not_assignable", "err.matching.not_assignable.{why}"),
    # chalicelib.domain.offers
    offers.NotOnRosterError: ErrorRow(403, "not_on_roster", "err.offer.not_on_roster"),
    offers.OfferNotFoundError: ErrorRow(404, "not_found", "err.offer.not_found"),
    offers.OfferUnavailableError: ErrorRow(409, "offer_unavailable", "err.offer.unavailable.{reason}"),
    offers.UnknownAttorneyError: ErrorRow(404, "not_found", "err.offer.unknown_attorney"),
    # chalicelib.domain.phone_verification
    phone_verification.NotAMobileNumberError: ErrorRow(400, "not_a_mobile", "err.phone.not_a_mobile"),
    phone_verification.PhoneCodeUnusableError: ErrorRow(400, "phone_code_expired", "err.phone.code_unusable"),
    phone_verification.TooManyPhoneCodesError: ErrorRow(429, "too_many_phone_codes", "err.phone.too_many_codes"),
    phone_verification.WrongPhoneCodeError: ErrorRow(
        400, "invalid_phone_code", "err.phone.wrong_code.{reason}", details=("attempts_left",)),
    # chalicelib.domain.rooms
    rooms.MessageRateLimitedError: ErrorRow(429, "too_many_messages", "err.room.too_many_messages"),
    rooms.NotParticipantError: ErrorRow(403, "not_participant", "err.room.not_participant"),
    rooms.NotStartedYetError: ErrorRow(409, "not_started", "err.room.not_started"),
    rooms.NotYetConnectedError: ErrorRow(409, "not_connected", "err.room.not_connected"),
    rooms.OutcomeAlreadyRecordedError: ErrorRow(409, "outcome_recorded", "err.room.outcome_recorded"),
    rooms.RoomClosedError: ErrorRow(409, "room_closed", "err.room.closed.{reason}", details=("opens_at", "closes_at")),
    rooms.ThreadClosedError: ErrorRow(409, "thread_closed", "err.room.thread_closed"),
    # chalicelib.domain.second_factor
    second_factor.NotEnrolledError: ErrorRow(409, "not_enrolled", "err.second_factor.not_enrolled"),
    second_factor.WrongCodeError: ErrorRow(400, "invalid_code", "err.second_factor.{reason}"),
    # chalicelib.domain.slots
    slots.InvalidSlotError: ErrorRow(422, "invalid_slot", "err.slot.{reason}"),
    slots.SlotRangeError: ErrorRow(400, "invalid_range", "err.slot_range.{reason}"),
    # chalicelib.domain.surveys
    surveys.SurveyAlreadyAnsweredError: ErrorRow(409, "survey_answered", "err.survey.answered"),
    surveys.SurveyNotOpenError: ErrorRow(409, "survey_not_open", "err.survey.not_open"),
    # chalicelib.domain.users
    users.InvalidInviteError: ErrorRow(400, "invalid_invite", "err.invite.{reason}"),
    # chalicelib.services.access_log
    access_log.AccessLogRangeError: ErrorRow(400, "invalid_range", "err.range.{reason}"),
    # chalicelib.services.accounts
    accounts.BadUnlinkRequestError: ErrorRow(400, "invalid_input", "err.account.bad_unlink"),
    accounts.UnknownAccountError: ErrorRow(404, "not_found", "err.account.unknown"),
    accounts.UnknownAttorneyError: ErrorRow(404, "not_found", "err.attorney.unknown"),
    accounts.UnlinkUnauthorizedError: ErrorRow(401, "invalid_admin_key", "err.account.unlink_unauthorized"),
    # chalicelib.services.attachments
    attachment_service.AttachmentNotUploadedError: ErrorRow(
        409, "attachment_not_uploaded", "err.attachment.not_uploaded"),
    # chalicelib.services.email_health
    email_health.UnknownAttorneyForEmailError: ErrorRow(404, "not_found", "err.attorney.unknown"),
    # chalicelib.services.roster
    roster.AttorneyExistsError: ErrorRow(409, "attorney_exists", "err.roster.attorney_exists"),
    roster.UnknownAttorneyProfileError: ErrorRow(404, "not_found", "err.attorney.unknown"),
    # chalicelib.services.staff_access
    staff_access.UnknownLinkedAccountError: ErrorRow(404, "not_found", "err.staff_access.unknown_account"),
    # chalicelib.services.stats_export
    stats_export.ExportRangeError: ErrorRow(400, "invalid_range", "err.range.{reason}"),
}
