"""The one table from the exceptions of the domain and the services to the API's answer.

Each exception a route may let through is listed here once, with its HTTP status and its error code;
the message a person reads is the catalogue's ``api.error.<code>`` in their language
(``errors.localised``), else the exception's own sentence. ``errors.to_response`` looks an exception up
by its class and then its bases; anything not listed is a 500 (or a 503 when a dependency is down).
"""

from __future__ import annotations

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
                               rooms,
                               second_factor,
                               slots,
                               surveys,
                               users,
)
from chalicelib.services import access_log, accounts, email_health, roster, staff_access, stats_export
from chalicelib.services import attachments as attachment_service

ERRORS: dict[type[Exception], tuple[int, str]] = {
    # chalicelib.domain.announcements
    announcements.AnnouncementError: (422, "invalid_period"),
    announcements.AnnouncementNotFoundError: (404, "not_found"),
    # chalicelib.domain.attachments
    attachments.AttachmentBusyError: (409, "attachment_busy"),
    attachments.AttachmentNotFoundError: (404, "not_found"),
    attachments.AttachmentTooLargeError: (400, "attachment_too_large"),
    attachments.AttachmentTypeError: (400, "attachment_type_not_allowed"),
    attachments.AttachmentsClosedError: (409, "consultation_closed"),
    attachments.TooManyAttachmentsError: (409, "too_many_attachments"),
    # chalicelib.domain.attorneys
    attorneys.InvalidAttorneyError: (422, "invalid_attorney"),
    # chalicelib.domain.bookings
    bookings.AttorneyNotFoundError: (404, "not_found"),
    bookings.BookingChangedError: (409, "booking_changed"),
    bookings.NoBookingError: (404, "no_booking"),
    bookings.NotBookableError: (409, "not_bookable"),
    bookings.NotHoldableError: (409, "not_holdable"),
    bookings.SlotTakenError: (409, "slot_taken"),
    bookings.TooLateToCancelError: (409, "too_late_to_cancel"),
    bookings.TooLateToRescheduleError: (409, "too_late_to_reschedule"),
    # chalicelib.domain.consultations
    consultations.ConsultationNotFoundError: (404, "not_found"),
    consultations.EncryptionUnavailableError: (503, "encryption_unavailable"),
    consultations.IdempotencyKeyReusedError: (422, "idempotency_key_reused"),
    consultations.IllegalTransitionError: (409, "illegal_transition"),
    consultations.NotWithdrawableError: (409, "not_withdrawable"),
    consultations.RecordIntegrityError: (409, "record_integrity"),
    consultations.TooManyOpenConsultationsError: (409, "too_many_open_consultations"),
    # chalicelib.domain.corrections
    corrections.CorrectionConflictError: (409, "changed_meanwhile"),
    corrections.NotCorrectableError: (409, "not_correctable"),
    # chalicelib.domain.limits
    limits.TooManyBookingChangesError: (429, "too_many_booking_changes"),
    limits.TooManyNewRequestsError: (429, "too_many_new_requests"),
    # chalicelib.domain.matching
    matching.NoCandidateError: (409, "slot_taken"),
    matching.NotAssignableError: (409, "not_assignable"),
    # chalicelib.domain.offers
    offers.NotOnRosterError: (403, "not_on_roster"),
    offers.OfferNotFoundError: (404, "not_found"),
    offers.OfferUnavailableError: (409, "offer_unavailable"),
    offers.UnknownAttorneyError: (404, "not_found"),
    # chalicelib.domain.rooms
    rooms.MessageRateLimitedError: (429, "too_many_messages"),
    rooms.NotParticipantError: (403, "not_participant"),
    rooms.NotStartedYetError: (409, "not_started"),
    rooms.NotYetConnectedError: (409, "not_connected"),
    rooms.OutcomeAlreadyRecordedError: (409, "outcome_recorded"),
    rooms.ThreadClosedError: (409, "thread_closed"),
    # chalicelib.domain.second_factor
    second_factor.NotEnrolledError: (409, "not_enrolled"),
    second_factor.WrongCodeError: (400, "invalid_code"),
    # chalicelib.domain.slots
    slots.InvalidSlotError: (422, "invalid_slot"),
    slots.SlotRangeError: (400, "invalid_range"),
    # chalicelib.domain.surveys
    surveys.SurveyAlreadyAnsweredError: (409, "survey_answered"),
    surveys.SurveyNotOpenError: (409, "survey_not_open"),
    # chalicelib.domain.users
    users.InvalidInviteError: (400, "invalid_invite"),
    # chalicelib.services.access_log
    access_log.AccessLogRangeError: (400, "invalid_range"),
    # chalicelib.services.accounts
    accounts.BadUnlinkRequestError: (400, "invalid_input"),
    accounts.UnknownAccountError: (404, "not_found"),
    accounts.UnknownAttorneyError: (404, "not_found"),
    accounts.UnlinkUnauthorizedError: (401, "invalid_admin_key"),
    # chalicelib.services.attachments
    attachment_service.AttachmentNotUploadedError: (409, "attachment_not_uploaded"),
    # chalicelib.services.email_health
    email_health.UnknownAttorneyForEmailError: (404, "not_found"),
    # chalicelib.services.roster
    roster.AttorneyExistsError: (409, "attorney_exists"),
    roster.UnknownAttorneyProfileError: (404, "not_found"),
    # chalicelib.services.staff_access
    staff_access.UnknownLinkedAccountError: (404, "not_found"),
    # chalicelib.services.stats_export
    stats_export.ExportRangeError: (400, "invalid_range"),
}
