"""Consultation rooms: messages, video signalling, the phone view, closing, and the nudge.

Who may do what (everyone else gets ``ConsultationNotFoundError``, 404, as for an
unknown id):
- the owner (resident) and the assigned attorney read and post messages, and
  signal in the video room;
- admins may read a thread (each read is written to the access log) but not post
  or signal (``NotParticipantError``, 403);
- only the assigned attorney records the outcome.

Between a resident and an attorney who share no language (``domain.translation``), each message
is machine-translated as it is posted (resident's language ↔ Korean, through the ``Translator``
port) and the translation is sealed with the original in the message's one envelope; the
original is always kept, a translator failure never loses a message, and no text is logged.

Every message text and every signalling payload is sealed with the field cipher
(one envelope per item, bound to ``<consultation id>/<cursor>``); the cipher
caches data keys, so a page of messages costs no KMS call per message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.domain.attorneys import AlertChannel
from chalicelib.domain.audit import AccessEvent, AuditLog
from chalicelib.domain.categories import Method
from chalicelib.domain.consultations import (
    ENTITY,
    Consultation,
    ConsultationNotFoundError,
    ConsultationRepository,
    Reader,
    Status,
    reader_of,
)
from chalicelib.domain.ice import IceServers
from chalicelib.domain.identity import Principal
from chalicelib.domain.message_templates import ResidentEvent
from chalicelib.domain.notifications import (
    AttorneyAlert,
    MessageKind,
    NotificationFailedError,
    Notifier,
    Recipients,
    render,
)
from chalicelib.domain.rooms import (
    MESSAGE_ENTITY,
    OUTCOME_ENTITY,
    SIGNAL_ENTITY,
    BookedSlots,
    Message,
    NotParticipantError,
    NotStartedYetError,
    Outcome,
    OutcomeAlreadyRecordedError,
    OutcomeRecord,
    RoomWindow,
    SealedMessage,
    Side,
    SignalType,
    ThreadStore,
    check_can_post,
    check_room_open,
    counts_towards_annual_cap,
    new_cursor,
    room_window,
    side_of,
)
from chalicelib.domain.rooms import Signal as SignalRecord
from chalicelib.domain.sealing import FieldCipher
from chalicelib.domain.translation import (
    Translation,
    TranslationUnavailableError,
    Translator,
    direction,
    needs_translation,
)
from chalicelib.logs import best_effort, logger
from chalicelib.services.attorney_alerts import alert_phone
from chalicelib.services.resident_messages import ResidentMessenger
from chalicelib.services.sealed_fields import open_fields, seal_fields
from chalicelib.settings import Policy

Clock = Callable[[], datetime]


def message_retention(policy: Policy) -> timedelta:
    """How long a message is kept after it was sent (also the published privacy policy's number):
    messages outlive the consultation's own retention only by the longest a consultation stays open."""
    return timedelta(days=policy.retention_days_after_close + 365)


@dataclass(frozen=True)
class ThreadPage:
    messages: list[Message]
    next: str | None  # pass back as ``since``
    unread: int | None  # messages of the other side the reader has not read (None: admin)
    read_by_other: str | None  # the other side has read everything up to this cursor
    closed: bool
    side: Side | None


@dataclass(frozen=True)
class SignalView:
    cursor: str
    side: Side
    type: SignalType
    data: object


@dataclass(frozen=True)
class RoomView:
    consultation: Consultation
    side: Side
    window: RoomWindow | None
    open_now: bool
    ice_servers: Sequence[Mapping[str, object]]  # RTCIceServer objects
    booked: tuple[datetime, datetime] | None
    phone: str | None = None  # the resident's number, for the assigned attorney of a phone consultation
    outcome: Outcome | None = None
    fallback_phone: str = ""
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class NudgeSummary:
    waiting: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"waiting": self.waiting, "sent": self.sent, "skipped": self.skipped, "failed": self.failed}


@dataclass(kw_only=True, eq=False, repr=False)
class RoomService:
    consultations: ConsultationRepository
    store: ThreadStore
    booked: BookedSlots
    cipher: FieldCipher
    audit: AuditLog
    notifier: Notifier
    recipients: Recipients
    release: Callable[[str, str], None] | None
    policy: Policy
    # the stage's STUN/TURN servers; TURN credentials are made per room view (domain/ice.py)
    ice_servers: IceServers
    clock: Clock
    public_base_url: str
    messenger: ResidentMessenger | None = None  # ResidentMessenger: tells the resident (templated, exactly once)
    cancel_reminders: Callable[[str], object] | None = None
    counted_load: Callable[[Consultation], tuple[str, int] | None] | None = None
    translator: Translator | None = None  # None: this stage translates nothing
    # (attorney id, language) -> bool; None: nobody's languages are known
    speaks: Callable[[str, str], bool] | None = None
    base: str = field(init=False)

    def __post_init__(self) -> None:
        self.base = self.public_base_url.rstrip("/")

    # --- who ----------------------------------------------------------------------------------

    def _reader(self, principal: Principal, consultation_id: str) -> tuple[Consultation, Reader]:
        consultation = self.consultations.get(consultation_id)
        reader = reader_of(principal, consultation) if consultation is not None else None
        if consultation is None or reader is None:
            raise ConsultationNotFoundError()
        return consultation, reader

    def _participant(self, principal: Principal, consultation_id: str) -> tuple[Consultation, Side]:
        consultation, reader = self._reader(principal, consultation_id)
        side = side_of(reader)
        if side is None:
            raise NotParticipantError()
        return consultation, side

    # --- messages -----------------------------------------------------------------------------

    def thread(self, principal: Principal, consultation_id: str, since: str | None, *, limit: int | None = None,
               ip: str = "") -> ThreadPage:
        # The two parties only (CONTRACT.md): staff see a consultation's details, access-logged,
        # but not the conversation itself.
        consultation, side = self._participant(principal, consultation_id)
        limit = limit or self.policy.message_page_size
        sealed = self.store.messages(consultation_id, since, limit)
        messages = [self._open_message(m) for m in sealed]
        if side is Side.ATTORNEY and any(m.side is Side.RESIDENT for m in messages):
            # staff reading the resident's words: access-logged (a poll that brings nothing new is not)
            self.audit.record_access(AccessEvent(
                at=self.clock(), actor=principal.subject, actor_role=principal.role.value,
                owner=consultation.owner, record=f"{ENTITY}:{consultation.id}", action="read_thread", ip=ip))
        state = self.store.state(consultation_id)
        if messages:
            last = messages[-1].cursor
            theirs = any(m.side is side.other for m in messages)
            if theirs and (state.read_by(side) or "") < last:
                state = self.store.mark_read(consultation_id, side, last)
        return ThreadPage(messages=messages, next=messages[-1].cursor if messages else since,
                          unread=state.unread_by(side), read_by_other=state.read_by(side.other),
                          closed=state.closed or consultation.status not in
                          {Status.MATCHED, Status.BOOKED, Status.IN_PROGRESS},
                          side=side)

    def post(self, principal: Principal, consultation_id: str, text: str) -> Message:
        consultation, side = self._participant(principal, consultation_id)
        check_can_post(consultation)
        now = self.clock()
        message_id = str(uuid.uuid4())
        translation, untranslated = self._translate(consultation, side, text)
        fields: dict[str, object] = {"text": text}
        if translation is not None:
            fields["translation"] = translation.to_sealable()
        if untranslated is not None:
            fields["untranslated"] = untranslated
        sealed = self._seal(MESSAGE_ENTITY, f"{consultation_id}/{message_id}", fields)
        stored = self.store.post(SealedMessage(new_cursor(now), message_id, consultation_id, side, sealed, now),
                                 rate_key=principal.subject, rate_limit=self.policy.messages_per_minute,
                                 now=now, retention=self._retention)
        if side is Side.ATTORNEY and self.messenger is not None:
            self._tell_resident_of_reply(consultation_id)
        return Message(stored, message_id, consultation_id, side, text, now, translation, untranslated)

    def _translate(self, consultation: Consultation, side: Side, text: str) -> tuple[Translation | None, str | None]:
        """The message's machine translation for the other side, or why there is none when the thread
        needs one ("unsupported": no translator for the language; "unavailable": it failed now)."""
        if self.translator is None:
            return None, None
        language = consultation.language.value
        if not needs_translation(language, attorney_speaks_it=False):
            return None, None  # a Korean thread: no roster read per message
        if consultation.attorney_id and self.speaks is not None and self.speaks(consultation.attorney_id, language):
            return None, None
        way = direction(language, from_resident=side is Side.RESIDENT)
        if way is None:
            return None, "unsupported"
        try:
            return Translation(self.translator.translate(text, way.source, way.target), way.source, way.target), None
        except TranslationUnavailableError:
            logger().warning("message sent untranslated: the translator failed",
                             extra={"consultation_id": consultation.id, "source": way.source, "target": way.target})
            return None, "unavailable"

    def _tell_resident_of_reply(self, consultation_id: str) -> None:
        """Coalesced while unread: one message per ``reply_alert_minutes`` until the resident reads."""
        state = best_effort(lambda: self.store.state(consultation_id), "reply alert: reading the thread state",
                            consultation_id=consultation_id)  # the message is posted; the alert is best effort
        if state is not None and self.messenger is not None:
            self.messenger.attorney_replied(consultation_id, state.read_by(Side.RESIDENT) or "")

    def mark_read(self, principal: Principal, consultation_id: str, until: str) -> ThreadPage:
        _, side = self._participant(principal, consultation_id)
        state = self.store.mark_read(consultation_id, side, until)
        return ThreadPage([], until, state.unread_by(side), state.read_by(side.other), state.closed, side)

    @property
    def _retention(self) -> timedelta:
        return message_retention(self.policy)

    def _open_message(self, m: SealedMessage) -> Message:
        data = self._open(MESSAGE_ENTITY, f"{m.consultation_id}/{m.id}", m.sealed)
        untranslated = data.get("untranslated")
        return Message(m.cursor, m.id, m.consultation_id, m.side, str(data["text"]), m.sent_at,
                       Translation.from_sealed(data.get("translation")),
                       untranslated if isinstance(untranslated, str) else None)

    def _seal(self, entity: str, record_id: str, fields: Mapping[str, object]) -> bytes:
        return seal_fields(self.cipher, entity, record_id, fields)

    def _open(self, entity: str, record_id: str, blob: bytes) -> dict[str, object]:
        return open_fields(self.cipher, entity, record_id, blob)

    # --- the room -----------------------------------------------------------------------------

    def _window(self, consultation: Consultation) -> tuple[RoomWindow | None, tuple[datetime, datetime] | None]:
        booked = self.booked(consultation.id) if consultation.status is not Status.MATCHED else None
        p = self.policy
        return room_window(consultation, booked, opens_before=timedelta(minutes=p.room_opens_minutes_before),
                           closes_after=timedelta(minutes=p.room_closes_minutes_after)), booked

    def room(self, principal: Principal, consultation_id: str, *, ip: str = "") -> RoomView:
        consultation, side = self._participant(principal, consultation_id)
        window, booked = self._window(consultation)
        now = self.clock()
        phone = None
        if side is Side.ATTORNEY and consultation.method is Method.PHONE and consultation.sealed is not None \
                and consultation.status in {Status.MATCHED, Status.BOOKED, Status.IN_PROGRESS}:
            personal = self._open(ENTITY, consultation.id, consultation.sealed)
            self.audit.record_access(AccessEvent(
                at=now, actor=principal.subject, actor_role=principal.role.value, owner=consultation.owner,
                record=f"{ENTITY}:{consultation.id}", action="read_phone", ip=ip))
            found = personal.get("phone")
            phone = found if isinstance(found, str) else None
        recorded = self.store.outcome(consultation_id)
        return RoomView(consultation=consultation, side=side, window=window,
                        open_now=window is not None and window.is_open(now), ice_servers=self.ice_servers.at(now),
                        booked=booked, phone=phone, outcome=recorded.outcome if recorded else None,
                        fallback_phone=self.policy.fallback_phone)

    def signal(self, principal: Principal, consultation_id: str, kind: SignalType, data: object) -> str:
        consultation, side = self._participant(principal, consultation_id)
        window, _ = self._window(consultation)
        now = self.clock()
        check_room_open(window, now)
        cursor = new_cursor(now)
        sealed = self._seal(SIGNAL_ENTITY, f"{consultation_id}/{cursor}", {"data": data})
        self.store.add_signal(SignalRecord(cursor, consultation_id, side, kind, sealed, now),
                              timedelta(seconds=self.policy.signal_ttl_seconds))
        return cursor

    def signals(self, principal: Principal, consultation_id: str,
                since: str | None) -> tuple[list[SignalView], str | None]:
        consultation, side = self._participant(principal, consultation_id)
        window, _ = self._window(consultation)
        now = self.clock()
        check_room_open(window, now)
        found = self.store.signals(consultation_id, since, now)
        views = [SignalView(s.cursor, s.side, s.type,
                            self._open(SIGNAL_ENTITY, f"{consultation_id}/{s.cursor}", s.sealed)["data"])
                 for s in found if s.side is not side]
        last = found[-1].cursor if found else since
        return views, last

    # --- closing ------------------------------------------------------------------------------

    def record_outcome(self, principal: Principal, consultation_id: str, outcome: Outcome,
                       note: str | None) -> OutcomeRecord:
        consultation, side = self._participant(principal, consultation_id)
        if side is not Side.ATTORNEY:
            raise ConsultationNotFoundError()
        now = self.clock()
        if consultation.status is Status.BOOKED:
            booked = self.booked(consultation_id)
            if booked is not None and now < booked[0]:
                raise NotStartedYetError(booked[0])  # closing only once the consultation is under way
        if consultation.status is Status.COMPLETED:
            if self.store.outcome(consultation_id) is not None:
                raise OutcomeAlreadyRecordedError()
        else:
            if consultation.status in {Status.MATCHED, Status.BOOKED}:
                self.consultations.transition(consultation_id, Status.IN_PROGRESS, now,
                                              expected=consultation.status)
            self.consultations.transition(consultation_id, Status.COMPLETED, now, expected=Status.IN_PROGRESS)
        sealed_note = self._seal(OUTCOME_ENTITY, consultation_id, {"note": note}) if note else None
        record = OutcomeRecord(consultation_id, consultation.attorney_id or "", outcome, now, sealed_note)
        unload = None
        if not counts_towards_annual_cap(outcome) and self.counted_load is not None:
            unload = self.counted_load(consultation)  # a no-show is not work: off the annual count
        self.store.save_outcome(record, unload)
        self.consultations.note_result(consultation_id, outcome=outcome.value)  # its code, for the statistics
        self.store.close(consultation_id)
        cancel_reminders = self.cancel_reminders
        if cancel_reminders is not None:  # the follow-up asking for this outcome, and any other
            best_effort(lambda: cancel_reminders(consultation_id),  # the reminder job skips closed ones
                        "cancelling the reminders after the outcome", consultation_id=consultation_id)
        self._send_survey(consultation_id)
        release = self.release
        if release is not None and consultation.attorney_id:
            attorney_id = consultation.attorney_id  # the outcome stands; the busy mark also expires
            best_effort(lambda: release(attorney_id, consultation_id),
                        "releasing the attorney after the outcome", consultation_id=consultation_id)
        return record

    def _send_survey(self, consultation_id: str) -> None:
        if self.messenger is not None:
            outcome = self.store.outcome(consultation_id)
            if outcome is not None:
                self.messenger.consultation_closed(consultation_id, outcome.outcome.value)
            self.messenger.tell(f"survey:{consultation_id}", consultation_id, ResidentEvent.SURVEY, {},
                                path="/survey")
            return
        resident = self.recipients.resident(consultation_id)
        if resident is None:
            return
        phone, lang = resident
        text = render(MessageKind.SURVEY, f"{self.base}/consultations/{consultation_id}/survey", lang=lang).text
        try:
            self.notifier.send_sms(phone, text)
        except NotificationFailedError:
            logger().warning("survey SMS not sent", extra={"consultation_id": consultation_id})

    # --- the nudge (scheduled) ----------------------------------------------------------------

    def nudge_waiting(self, now: datetime) -> NudgeSummary:
        """SMS the attorney of each thread whose resident message waited longer than the policy."""
        due = self.store.waiting(now - timedelta(minutes=self.policy.message_nudge_minutes))
        sent = skipped = failed = 0
        for consultation_id, since in due:
            consultation = self.consultations.get(consultation_id)
            if consultation is None or not consultation.attorney_id or not consultation.is_open:
                self.store.mark_nudged(consultation_id, since, now)
                skipped += 1
                continue
            contact = self.recipients.attorney(consultation.attorney_id)
            if contact is None or not contact.phone:
                self.store.mark_nudged(consultation_id, since, now)
                skipped += 1
                continue
            if not self.store.mark_nudged(consultation_id, since, now):
                skipped += 1  # another run claimed it, or the attorney answered meanwhile
                continue
            link = f"{self.base}/consultations/{consultation_id}/room"
            try:
                if contact.alert_channel == AlertChannel.EMAIL:  # their choice: e-mail only
                    self.notifier.email_attorney(consultation.attorney_id,
                                                 AttorneyAlert(MessageKind.MESSAGE_WAITING, link))
                else:
                    alert_phone(self.notifier, contact, MessageKind.MESSAGE_WAITING, link)
                sent += 1
            except NotificationFailedError:
                failed += 1
                logger().warning("message nudge not sent", extra={"consultation_id": consultation_id})
        return NudgeSummary(len(due), sent, skipped, failed)

