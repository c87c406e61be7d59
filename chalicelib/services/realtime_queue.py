"""Real-time consultation (실시간): the queue, the offer loop and its scheduled keepers.

``RealtimeQueue`` owns every change to a request's place in the queue and to its offers: enqueue,
offer, accept, decline, expire, withdraw, move on, and an admin's manual reassignment. Reassignment
lives here, not with duty (``services/duty.py``), because it is an offer operation: it withdraws the
request's pending offer and takes the request out of the queue, through the same store transactions
as the offer loop. Duty, the attorney's side (on and off duty, deactivation, the end of a real-time
consultation), calls ``withdraw_offers_of`` when an attorney leaves.

Flow
    A real-time consultation enters its category's queue right after intake
    (``enqueue``; the window keeper also sweeps the last day's intake for any
    the hook missed). Inside a service window the oldest waiting request of
    each category is offered to the top-ranked eligible attorney
    (``matching.choose``: covers category and ring, active, under cap, on duty
    and not busy), never twice to the same attorney. The attorney is alerted
    by SMS and e-mail (a deadline and a link, nothing personal) and has
    ``Policy.offer_timeout_seconds`` — never past the window's end — to accept.
    Decline or timeout → the next attorney. After ``Policy.max_offer_attempts``
    offers, when every on-duty attorney was tried, or when the window serving
    it closes, the request is *moved on*: it stays ``submitted`` (so it can be
    booked as a reservation), is marked ``realtime_failed`` and the resident
    gets an SMS with the booking link and the phone line. We do not set it
    ``expired``: an expired consultation is closed, and the resident would have
    to start again. A request with nobody on duty yet (and nobody tried) keeps
    waiting until the window closes: attorneys may come on duty meanwhile.

Outside the windows nothing is offered (``calendar.is_open`` gates every
offer); requests made then wait and are offered when the next window opens.

AWS calls to match one consultation: through the ranking index (docs/DATA.md),
per ring one Query per region of the ring on this year's index partitions and
one BatchGetItem per 25 attorneys read in ranking order (profile, load counter
and busy state), until the fair choice is settled; then one TransactWriteItems.
When the index cannot settle it (not opened for the year, an attorney with a
time-dependent credit reached), the on-duty pool: per ring step one Query per
region of the ring on the duty partitions, then one BatchGetItem each for
their profiles, busy states and load counters.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.categories import CATEGORIES, Mode
from chalicelib.domain.consultations import (
    Consultation,
    ConsultationNotFoundError,
    ConsultationRepository,
    IllegalTransitionError,
    Status,
    reader_of,
    sort_key,
)
from chalicelib.domain.identity import Principal
from chalicelib.domain.matching import (
    Assignment,
    AssignmentMode,
    AttorneyLoad,
    ConsultationFacts,
    NoCandidateError,
    choose,
    manual_assignment,
    realtime_available,
)
from chalicelib.domain.message_templates import ResidentEvent
from chalicelib.domain.notifications import AttorneyAlert, MessageKind, Notifier, render
from chalicelib.domain.offers import (
    AttorneyProfiles,
    ChangedMeanwhileError,
    LoadCounts,
    MoveOnReason,
    Offer,
    OfferNotFoundError,
    OfferStatus,
    OfferUnavailableError,
    RealtimeRequest,
    RealtimeStore,
    ResidentContacts,
    ResidentMessages,
    UnknownAttorneyError,
    attorney_id_of,
    deadline_of,
    estimate_minutes,
    must_move_on,
    rolled,
)
from chalicelib.domain.ranking_index import IndexNotDecisive, RealtimeIndex, choose_indexed
from chalicelib.domain.regions import rings
from chalicelib.logs import best_effort, logger
from chalicelib.services.attorney_alerts import alert_phone
from chalicelib.settings import Policy

SWEEP_HOURS = 24  # the window keeper re-queues real-time requests of the last day the intake hook missed
BUSY_HOURS = 2  # an accepted real-time consultation keeps its attorney busy at most this long


@dataclass(frozen=True)
class QueueStatus:
    status: Status
    queued: bool
    position: int | None
    estimate_minutes: int | None
    next_opening: datetime | None
    realtime_failed: bool
    move_on_reason: str | None


@dataclass(frozen=True)
class OfferView:
    offer: Offer
    urgent_dismissal_deadline: date | None
    urgent_wage_due: date | None
    free_representation_eligible: bool | None


@dataclass(kw_only=True, eq=False, repr=False)
class RealtimeQueue:
    """The queue and the offer loop (see the module doc); ``messenger`` tells residents through the
    delivery ledger, without it the moved-on SMS goes straight through ``notifier``; ``ranking``: the
    ranking index, through which the fair choice is read when it can settle it."""

    store: RealtimeStore
    consultations: ConsultationRepository
    loads: LoadCounts
    attorneys: AttorneyProfiles
    notifier: Notifier
    recipients: ResidentContacts
    calendar: ServiceCalendar
    policy: Policy
    clock: Callable[[], datetime]
    public_base_url: str
    messenger: ResidentMessages | None = None  # ResidentMessenger: tells the resident (templated, exactly once)
    ranking: RealtimeIndex | None = None
    base: str = field(init=False)

    def __post_init__(self) -> None:
        self.base = self.public_base_url.rstrip("/")

    # --- the queue ---------------------------------------------------------------------------------

    def enqueue(self, consultation: Consultation, now: datetime | None = None) -> bool:
        """Queue a new real-time consultation (idempotent); offers it at once when a window is open."""
        if consultation.mode is not Mode.REALTIME or consultation.status is not Status.SUBMITTED:
            return False
        now = now or self.clock()
        request = RealtimeRequest(consultation.id, consultation.category, consultation.region,
                                  queued_at=consultation.created_at)
        queued = self.store.enqueue(request, consultation.sort_key)
        if queued and self.calendar.is_open(now):
            self._advance(consultation.id, now)
        return queued

    def queue_status(self, principal: Principal, consultation_id: str) -> QueueStatus:
        consultation = self.consultations.get(consultation_id)
        if consultation is None or reader_of(principal, consultation) is None:
            raise ConsultationNotFoundError()
        now = self.clock()
        request = self.store.request(consultation_id)
        if request is None or not request.waiting:
            # "real time found nobody" matters only while the request still waits for a time: not once
            # it was booked, or switched to a reservation (which takes it out of the queue)
            failed = (bool(request and request.failed) and consultation.mode is Mode.REALTIME
                      and consultation.status is Status.SUBMITTED)
            return QueueStatus(consultation.status, False, None, None, None, failed,
                               request.move_on_reason.value if request and request.move_on_reason else None)
        position = self.store.position(request)
        opening = None if self.calendar.is_open(now) else self.calendar.next_opening(now)
        estimate = estimate_minutes(position, self.store.accept_seconds(request.category))
        if opening is not None:
            estimate += int((opening - now).total_seconds() // 60)
        return QueueStatus(consultation.status, True, position, estimate, opening, False, None)

    # --- the loop (jobs) --------------------------------------------------------------------------

    def run_offers(self, now: datetime) -> dict[str, int]:
        """Every minute: expire offers past their deadline, then offer waiting requests."""
        expired = self._expire_due(now)
        offered, moved = self._pump(now)
        return {"expired": expired, "offered": offered, "moved_on": moved}

    def keep_windows(self, now: datetime) -> dict[str, int]:
        """Every 5 minutes and at each boundary: sweep missed requests, expire / withdraw offers,
        move on what the closed window was serving, and (when open) offer what waits."""
        swept = self._sweep(now)
        summary = self.run_offers(now)
        return {"swept": swept, **summary, "open": int(self.calendar.is_open(now))}

    def _expire_due(self, now: datetime) -> int:
        count = 0
        for offer in self.store.due(now):
            window_end = self.calendar.current_window_end(offer.offered_at)
            target = (OfferStatus.WITHDRAWN if window_end is not None and now >= window_end
                      else OfferStatus.EXPIRED)
            if self._close(offer, target, now):
                count += 1
        return count

    def _pump(self, now: datetime) -> tuple[int, int]:
        offered = moved = 0
        for category in CATEGORIES:
            for consultation_id, is_offered in self.store.queue(category.code):
                if is_offered:
                    continue
                result = self._advance(consultation_id, now)
                offered += result == "offered"
                moved += result == "moved_on"
        return offered, moved

    def _sweep(self, now: datetime) -> int:
        """Queue real-time requests of the last ``SWEEP_HOURS`` that never entered the queue."""
        cutoff = now - timedelta(hours=SWEEP_HOURS)
        months = sorted({self.calendar.to_local(m).strftime("%Y-%m") for m in (cutoff, now)}, reverse=True)
        found: list[Consultation] = []
        for month in months:
            after = None
            while True:
                page = self.consultations.list_by_month(month, 50, after)
                fresh = [c for c in page.items if c.created_at >= cutoff]
                found += [c for c in fresh if c.mode is Mode.REALTIME and c.status is Status.SUBMITTED]
                if page.after is None or len(fresh) < len(page.items):
                    break
                after = page.after
        if not found:
            return 0
        known = self.store.requests(c.id for c in found)
        return sum(1 for c in found if c.id not in known and self.enqueue(c, now))

    def _advance(self, consultation_id: str, now: datetime) -> str:
        """Offer a waiting request to the next attorney, or move it on; returns what happened."""
        request = self.store.request(consultation_id)
        if request is None or not request.waiting or request.current_offer is not None:
            return "nothing"
        reason = must_move_on(request, now, self.calendar, self.policy.max_offer_attempts)
        if reason is not None:
            return self._move_on(request, reason, now)
        if not self.calendar.is_open(now):
            return "waiting"
        consultation = self.consultations.get(consultation_id)
        if consultation is None or consultation.status is not Status.SUBMITTED:
            return "nothing"
        skip: set[str] = set()
        for _ in range(3):  # an attorney taken meanwhile by another offer: the next one
            try:
                assignment = self.choose(consultation, request, now, skip=skip)
            except NoCandidateError:
                if request.tried:
                    return self._move_on(request, MoveOnReason.NO_CANDIDATE, now)
                return "waiting"  # nobody on duty yet: wait for the window to go on
            offer = Offer(id=str(uuid.uuid4()), consultation_id=consultation.id,
                          attorney_id=assignment.attorney_id, category=consultation.category,
                          region=consultation.region, method=consultation.method.value, offered_at=now,
                          deadline=deadline_of(now, self.policy.offer_timeout_seconds, self.calendar),
                          attempt=request.attempts + 1, reason=assignment.reason.as_dict())
            try:
                self.store.create_offer(offer, request, now)
            except ChangedMeanwhileError:
                latest = self.store.request(consultation_id)
                if latest is None or latest.tried != request.tried or latest.current_offer or not latest.waiting:
                    return "nothing"  # another run got there first
                skip.add(assignment.attorney_id)
                continue
            self._alert_attorney(offer)
            logger().info("real-time offer made", extra={"offer_id": offer.id, "attempt": offer.attempt,
                                                         "ring": assignment.reason.ring})
            return "offered"
        return "waiting"

    def choose(self, consultation: Consultation, request: RealtimeRequest, now: datetime, *,
               skip: set[str] | frozenset[str] = frozenset()) -> Assignment:
        """The fair choice among on-duty, non-busy attorneys, ring by ring: through the ranking index
        when it settles it, else over the on-duty pool (see module doc for calls)."""
        facts = ConsultationFacts(consultation.id, consultation.category, consultation.region,
                                  AssignmentMode.REALTIME, consultation.language.value)
        year = self.calendar.to_local(now).year
        ids: set[str] = set()
        profiles: dict[str, Attorney] = {}
        busy: set[str] = set()
        loads: dict[str, AttorneyLoad] = {}
        excluded = set(request.tried) | set(skip)
        if self.ranking is not None:
            read = self.ranking.realtime(now)
            try:
                return choose_indexed(facts, read, now, programme_cap=self.policy.annual_cap,
                                      available=realtime_available(read.busy), exclude=excluded,
                                      tz=self.policy.timezone)
            except IndexNotDecisive as exc:
                logger().info("real-time offer ranks the pool", extra={"why": type(exc).__name__})
        last_error: NoCandidateError | None = None
        for ring in rings(consultation.region):
            new: set[str] = set()
            for region in sorted(ring):
                new |= set(self.store.on_duty(consultation.category, region))
            new -= ids | excluded
            if not new:
                continue
            ids |= new
            profiles.update({a.id: a for a in self.store.profiles(new)})
            busy |= self.store.busy(new, now)
            loads.update(self.loads.get_many(new, year))
            try:
                return choose(facts, profiles.values(), loads, now, programme_cap=self.policy.annual_cap,
                              available=realtime_available(busy), exclude=excluded, tz=self.policy.timezone)
            except NoCandidateError as exc:
                last_error = exc
        raise last_error or NoCandidateError(facts, {})

    def _close(self, offer: Offer, target: OfferStatus, now: datetime) -> bool:
        request = self.store.request(offer.consultation_id)
        if request is None:
            return False
        try:
            self.store.close_offer(offer, target, now, request)
        except ChangedMeanwhileError:
            consultation = self.consultations.get(offer.consultation_id)
            if consultation is not None and not consultation.is_open:  # withdrawn or erased meanwhile
                self._quietly(lambda: self.store.forget(offer.consultation_id, now))
            return False
        self._advance(offer.consultation_id, now)
        return True

    def _move_on(self, request: RealtimeRequest, reason: MoveOnReason, now: datetime) -> str:
        if not self.store.move_on(request, reason, now):
            return "nothing"
        logger().info("real-time request moved on", extra={"reason": reason.value})
        if self.messenger is not None:
            self.messenger.tell(f"no_attorney:{request.consultation_id}:{now:%Y%m%d%H%M}",
                                request.consultation_id, ResidentEvent.NO_ATTORNEY_NOW,
                                {"callback": self.policy.fallback_phone})
            return "moved_on"
        resident = self._quietly(lambda: self.recipients.resident(request.consultation_id))
        if resident is not None:
            phone, lang = resident
            message = render(MessageKind.NO_ATTORNEY_NOW, f"{self.base}/consultations/{request.consultation_id}",
                             lang=lang, phone=self.policy.fallback_phone)
            self._quietly(lambda: self.notifier.send_sms(phone, message.text))
        return "moved_on"

    # --- attorneys -------------------------------------------------------------------------------

    def pending_offers(self, principal: Principal) -> list[OfferView]:
        attorney_id = attorney_id_of(principal)
        now = self.clock()
        views = []
        for offer in sorted(self.store.pending_of(attorney_id), key=lambda o: o.deadline):
            if offer.deadline <= now:
                continue
            consultation = self.consultations.get(offer.consultation_id)
            triage = consultation.triage if consultation else None
            views.append(OfferView(offer, triage.dismissal_remedy_deadline if triage else None,
                                   triage.wage_settlement_due if triage else None,
                                   triage.free_representation_eligible if triage else None))
        return views

    def accept(self, principal: Principal, offer_id: str) -> Offer:
        attorney_id = attorney_id_of(principal)
        now = self.clock()
        offer = self.store.offer(offer_id)
        if offer is None or offer.attorney_id != attorney_id:
            raise OfferNotFoundError()
        if not offer.answerable(attorney_id, now):
            raise OfferUnavailableError(OfferStatus.EXPIRED if offer.status is OfferStatus.PENDING else offer.status)
        request = self.store.request(offer.consultation_id)
        if request is None:
            raise OfferUnavailableError()
        year = self.calendar.to_local(now).year
        attorney = self.attorneys.get(attorney_id)
        cap = (attorney.annual_cap if attorney and attorney.annual_cap else self.policy.annual_cap)
        try:
            self.store.accept(offer, request, now, year=year, cap=cap,
                              busy_until=now + timedelta(hours=BUSY_HOURS))
        except ChangedMeanwhileError:
            latest = self.store.offer(offer_id)
            raise OfferUnavailableError(latest.status if latest else None) from None
        started = request.queued_at if self.calendar.is_open(request.queued_at) else \
            self.calendar.next_opening(request.queued_at)
        self._quietly(lambda: self.store.save_accept_seconds(
            offer.category, rolled(self.store.accept_seconds(offer.category), (now - started).total_seconds())))
        logger().info("real-time offer accepted", extra={"offer_id": offer.id})
        if self.messenger is not None:
            consultation = self._quietly(lambda: self.consultations.get(offer.consultation_id))
            if consultation is not None:
                self.messenger.realtime_accepted(consultation.id, attorney.display_name if attorney else "",
                                                 consultation.method.value)
        return offer

    def decline(self, principal: Principal, offer_id: str) -> Offer:
        attorney_id = attorney_id_of(principal)
        now = self.clock()
        offer = self.store.offer(offer_id)
        if offer is None or offer.attorney_id != attorney_id:
            raise OfferNotFoundError()
        if not offer.answerable(attorney_id, now) or not self._close(offer, OfferStatus.DECLINED, now):
            latest = self.store.offer(offer_id)
            raise OfferUnavailableError(latest.status if latest and latest.status is not OfferStatus.PENDING
                                        else OfferStatus.EXPIRED)
        return offer

    # --- admins -------------------------------------------------------------------------------

    def withdraw_offers_of(self, attorney_id: str, now: datetime | None = None) -> int:
        """The attorney left the roster (or duty): their open offers move on to the next attorney."""
        now = now or self.clock()
        return sum(1 for offer in self.store.pending_of(attorney_id)
                   if self._close(offer, OfferStatus.WITHDRAWN, now))

    def reassign(self, consultation_id: str, attorney_id: str, note: str) -> Assignment:
        now = self.clock()
        consultation = self.consultations.get(consultation_id)
        if consultation is None:
            raise ConsultationNotFoundError()
        if consultation.status not in (Status.SUBMITTED, Status.OFFERED, Status.MATCHED):
            raise IllegalTransitionError(consultation.status, Status.MATCHED)
        attorney = self.attorneys.get(attorney_id)
        if attorney is None:
            raise UnknownAttorneyError()
        year = self.calendar.to_local(now).year
        load = self.loads.get_many([attorney_id], year).get(attorney_id)
        facts = ConsultationFacts(consultation.id, consultation.category, consultation.region,
                                  AssignmentMode.MANUAL, consultation.language.value)
        assignment = manual_assignment(facts, attorney, load, now, programme_cap=self.policy.annual_cap,
                                       note=note, tz=self.policy.timezone)
        request = self.store.request(consultation_id)
        if consultation.status is Status.OFFERED and request and request.current_offer:
            offer = self.store.offer(request.current_offer)
            if offer is not None:
                self.store.close_offer(offer, OfferStatus.WITHDRAWN, now, request)
            consultation = self.consultations.get(consultation_id) or consultation
        previous = consultation.attorney_id if consultation.status is Status.MATCHED else None
        cap = attorney.annual_cap or self.policy.annual_cap
        try:
            self.store.reassign(consultation.id, sort_key(consultation.created_at, consultation.id), previous,
                                attorney_id, consultation.status, now, year=year, cap=cap,
                                previous_year=self.calendar.to_local(consultation.updated_at).year
                                if previous else None, reason=assignment.reason.as_dict())
        except ChangedMeanwhileError:
            latest = self.consultations.get(consultation_id)
            raise IllegalTransitionError(latest.status if latest else consultation.status, Status.MATCHED) from None
        if request is not None and request.waiting:
            self._quietly(lambda: self.store.mark_matched(request))
        return assignment

    # --- helpers -------------------------------------------------------------------------------

    def _alert_attorney(self, offer: Offer) -> None:
        alert = AttorneyAlert(MessageKind.OFFER, f"{self.base}/attorney", deadline=offer.deadline)
        contact = self._quietly(lambda: self.attorneys.contact(offer.attorney_id))  # read once for both halves
        self._quietly(lambda: self.notifier.email_attorney(offer.attorney_id, alert, contact))
        self._quietly(lambda: alert_phone(self.notifier, contact, MessageKind.OFFER,
                                          f"{self.base}/attorney", deadline=offer.deadline))

    @staticmethod
    def _quietly[T](call: Callable[[], T]) -> T | None:
        """Alerts are best effort: a delivery failure is logged, never undoes a state change."""
        return best_effort(call, "real-time side effect")


__all__ = ["OfferView", "QueueStatus", "RealtimeQueue"]
