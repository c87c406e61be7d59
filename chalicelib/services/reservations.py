"""Reservations: open slots, booking, rebooking, cancelling, declining and holds.

Who can be booked (the pool, shared by listing and booking)
    Active attorneys who cover the consultation's category in its region or
    a neighbouring one (rings ``0..Policy.reservation_ring``, default 1), who
    have not declined this consultation before, with their availability (or
    the policy default). When nobody in those rings could take it at all
    (inactive, at cap, no availability), the next ring is added, and so on.
    This depends only on what is stored, never on the dates asked, so listing
    and booking search the same pool. Among the attorneys free at the slot,
    ``matching.choose`` picks fairly (nearest ring first, then load).

Through the ranking index (docs/DATA.md, "Ranking index"), at a cost that does
not grow with the roster: a listing reads the consultation (GetItem), its
bookings (one Query), the first page of the index of each region of the rings
(one Query per region: the 25 attorneys first in line), their profiles,
availabilities and counters (one BatchGetItem) and every slot claim of the
date range (one index Query per month); the slots listed are theirs. Booking
and holds read the index in ranking order with each attorney's claim at the
chosen start (consistent BatchGetItem, 25 attorneys a request) until the fair
choice is settled, then write ONE transaction; a held slot or a rebooking
first reads the held or current attorney alone. When the index cannot settle
it, the pool: the coverage of each region of the rings (one Query per
region), profiles, availabilities and load counters of every candidate (one
BatchGetItem per 33 attorneys; 25 with the claim at a start).

Alerts (SMS and e-mail through the notifier port: a time and a link, never a
name or a problem) are best effort: a delivery failure is logged and never
undoes the booking; the reminders job sends the reminders later.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from chalicelib.domain import consultations as consultation_rules
from chalicelib.domain import reminders as reminder_rules
from chalicelib.domain.attorneys import Attorney, AttorneyRepository
from chalicelib.domain.bookings import (
    Booking,
    BookingPlan,
    BookingRepository,
    BookingState,
    BookingStatus,
    EndPlan,
    Hold,
    HoldPlan,
    NoBookingError,
    NotBookableError,
    NotHoldableError,
    SlotTakenError,
    Snapshot,
    candidate_regions,
    change_deadline,
    check_bookable,
    check_resident_may_change,
    reservation_pool,
    usable,
    utc,
)
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.categories import Mode
from chalicelib.domain.consultations import (
    Consultation,
    ConsultationNotFoundError,
    ConsultationRepository,
    Reader,
    Status,
    reader_of,
)
from chalicelib.domain.identity import IdentityKey, Principal
from chalicelib.domain.limits import Quota, alert_quota, booking_change_quotas
from chalicelib.domain.matching import (
    AssignmentMode,
    AttorneyLoad,
    ConsultationFacts,
    NoCandidateError,
    annual_cap_of,
    choose,
    reservation_available,
)
from chalicelib.domain.metrics import Metrics, NoMetrics
from chalicelib.domain.notifications import AttorneyAlert, MessageKind, Notifier, Recipients, render
from chalicelib.domain.ranking_index import IndexKeys, IndexNotDecisive, Partition, choose_indexed, first_in_line
from chalicelib.domain.sealing import FieldCipher
from chalicelib.domain.slots import (
    OpenSlot,
    SlotRules,
    check_range,
    check_slot,
    default_range,
    free_attorneys,
    open_slots,
)
from chalicelib.logs import best_effort, logger
from chalicelib.services.attorney_alerts import alert_phone
from chalicelib.services.availability import effective
from chalicelib.services.resident_messages import ResidentMessenger
from chalicelib.services.sealed_fields import seal_fields
from chalicelib.settings import Policy

NOTE_ENTITY = "booking_note"  # the field cipher's entity for an attorney's decline reason
ATTEMPTS = 2  # a booking whose slot was just taken tries once more with another free attorney


@dataclass(frozen=True)
class BookingView:
    booking: Booking
    attorney_name: str
    language: str
    cancel_until: datetime
    replayed: bool = False


@dataclass(frozen=True)
class _Pool:
    facts: ConsultationFacts
    ids: frozenset[str]
    snapshot: Snapshot
    year: int


class ReservationService:
    def __init__(self, *, consultations: ConsultationRepository, bookings: BookingRepository,
                 roster: AttorneyRepository, notifier: Notifier, cipher: FieldCipher, calendar: ServiceCalendar,
                 policy: Policy, clock: Callable[[], datetime], public_base_url: str,
                 messenger: ResidentMessenger | None = None, identity_key: IdentityKey, recipients: Recipients,
                 metrics: Metrics | None = None,
                 leave_realtime: Callable[[str, datetime], object] | None = None,
                 ranking: IndexKeys | None = None) -> None:
        self._consultations = consultations
        self._metrics = metrics or NoMetrics()
        # takes a real-time request booked from the queue out of real-time matching (idempotent)
        self._leave_realtime = leave_realtime
        self._ranking = ranking  # the ranking index's keys: booking chooses through it when it can
        self._messenger = messenger  # ResidentMessenger: tells the resident (templated, exactly once)
        self._bookings = bookings
        self._roster = roster
        self._calendar = calendar
        self._policy = policy
        self._clock = clock
        self._rules = SlotRules(slot_minutes=policy.slot_minutes, min_notice_minutes=policy.min_notice_minutes,
                                horizon_days=policy.booking_horizon_days)
        self._identity = identity_key
        # the resident's number comes from the recipients port: verified numbers only, by policy
        self._alerts = _Alerts(notifier, roster, recipients, public_base_url.rstrip("/"),
                               gate=self._alert_gate)
        self._cipher = cipher

    @property
    def rules(self) -> SlotRules:
        return self._rules

    # --- reads ----------------------------------------------------------------------------------

    def open_slots(self, principal: Principal, consultation_id: str, first: date | None,
                   last: date | None) -> list[OpenSlot]:
        """Open slots for the owner's consultation, from ``first`` to ``last`` (local dates)."""
        now = self._clock()
        default_first, default_last = default_range(self._calendar, self._rules, now)
        first, last = first or default_first, last or default_last
        check_range(self._calendar, self._rules, now, first, last)
        consultation = self._owned(principal, consultation_id)
        check_bookable(consultation)
        state = self._bookings.state_of(consultation.id)
        pool = self._first_in_line(consultation, state, now) or self._pool(consultation, state, now)
        zone = self._calendar.tz
        claims = self._bookings.claims_between(datetime.combine(first, time.min, tzinfo=zone),
                                               datetime.combine(last, time.max, tzinfo=zone))
        _, schedules = reservation_pool(pool.facts, pool.snapshot, claims, now, programme_cap=self._policy.annual_cap,
                                        excluded=state.declined_by, tz=zone.key)
        return open_slots(self._calendar, self._rules, schedules, now, first, last)

    def booking_of(self, principal: Principal, consultation_id: str) -> BookingView:
        consultation = self._consultations.get(consultation_id)
        if consultation is None or reader_of(principal, consultation) is None:
            raise ConsultationNotFoundError()
        active = self._bookings.state_of(consultation_id).active
        if active is None:
            raise NoBookingError()
        return self._view(active, consultation, self._name_of(active.attorney_id))

    def active_bookings(self, consultation_ids: Iterable[str]) -> dict[str, Booking]:
        """The active booking of each of these consultations that has one (the attorney's agenda)."""
        found: dict[str, Booking] = {}
        for consultation_id in consultation_ids:
            active = self._bookings.state_of(consultation_id).active
            if active is not None:
                found[consultation_id] = active
        return found

    # --- booking ----------------------------------------------------------------------------------

    def book(self, principal: Principal, consultation_id: str, start: datetime) -> BookingView:
        """Book (or move) the owner's consultation at ``start`` with a fairly chosen free attorney.

        A real-time request still waiting (queued, or moved on after real time found nobody) is
        switched to a reservation: the same transaction books it and makes its mode ``reservation``
        (conditioned on it still being ``submitted``, so an offer made meanwhile wins and the booking
        is refused), then it leaves real-time matching."""
        now = self._clock()
        consultation = self._owned(principal, consultation_id)
        check_bookable(consultation)
        state = self._bookings.state_of(consultation.id)
        previous = state.active
        if consultation.status is Status.BOOKED and previous is None:
            raise NotBookableError(consultation.status)  # booked by another path: not a reservation
        if previous is not None and previous.start == utc(start):
            return self._view(previous, consultation, self._name_of(previous.attorney_id), replayed=True)
        if previous is not None:
            check_resident_may_change(previous, now, self._policy.cancel_notice_minutes, rescheduling=True)
        end = check_slot(self._calendar, self._rules, now, start)
        quotas = self._change_quotas(principal, consultation.id, now)
        year = self._calendar.local_date(now).year
        pool: list[_Pool] = []  # read once when the index cannot settle the choice
        tried: set[str] = set()
        for attempt in range(ATTEMPTS):
            attorneys, chosen, reason, loads = self._fair_choice(consultation, state, now, start, tried, pool)
            same = previous is not None and previous.attorney_id == chosen
            booking = Booking(
                id=str(uuid.uuid4()), consultation_id=consultation.id,
                attorney_id=chosen, start=start, end=end, method=consultation.method, booked_at=now,
                load_year=previous.load_year if same and previous else year, reason=reason)
            plan = BookingPlan(booking=booking, consultation=consultation, expected=consultation.status,
                               cap=annual_cap_of(attorneys[chosen], self._policy.annual_cap), now=now,
                               previous=previous, hold=state.hold,
                               reminders=tuple(self._reminders_of(booking, now)),
                               dropped_reminders=self._reminder_keys(previous), quotas=quotas,
                               mode=Mode.RESERVATION if consultation.mode is Mode.REALTIME else None,
                               counter=(attorneys[chosen], loads[chosen]) if chosen in loads else None)
            try:
                self._bookings.book(plan)
            except SlotTakenError:
                tried.add(chosen)
                continue
            logger().info("booking made", extra={"consultation_id": consultation.id, "attorney_id": chosen,
                                                 "rescheduled": previous is not None, "attempt": attempt + 1,
                                                 "decided_by": reason.get("decided_by")})
            self._metrics.record({"BookingsRescheduled" if previous is not None else "BookingsMade": 1})
            if consultation.mode is Mode.REALTIME and self._leave_realtime is not None:
                self._quietly_leave_realtime(consultation.id, now)
            self._alerts.to_attorney(MessageKind.BOOKING, chosen, booking.start)
            if self._messenger is not None:
                if previous is None:
                    self._messenger.booking_confirmed(consultation.id, booking.id, booking.start,
                                                      consultation.method.value)
                else:
                    self._messenger.booking_moved(consultation.id, booking.id, booking.start)
            if previous is not None and not same:
                self._alerts.to_attorney(MessageKind.BOOKING_CANCELLED, previous.attorney_id, previous.start)
            return self._view(booking, consultation, attorneys[chosen].display_name)
        raise SlotTakenError()

    def _quietly_leave_realtime(self, consultation_id: str, now: datetime) -> None:
        """Best effort: the booking stands either way, and the offer loop skips a request that is no
        longer ``submitted``; only the queue's count would be one too high until the next sweep."""
        leave = self._leave_realtime
        assert leave is not None
        best_effort(lambda: leave(consultation_id, now), "taking the switched request out of the real-time queue",
                    consultation_id=consultation_id)

    def hold(self, principal: Principal, consultation_id: str, start: datetime) -> Hold:
        """Hold a fairly chosen free attorney's slot for ``Policy.hold_minutes`` while the owner confirms:
        only for a reservation request not booked yet (a real-time request or a booked one holds nothing)."""
        now = self._clock()
        consultation = self._owned(principal, consultation_id)
        check_bookable(consultation)
        if consultation.mode is not Mode.RESERVATION:
            raise NotHoldableError("realtime")
        state = self._bookings.state_of(consultation.id)
        if consultation.status is not Status.SUBMITTED or state.active is not None:
            raise NotHoldableError("booked")
        end = check_slot(self._calendar, self._rules, now, start)
        pool: list[_Pool] = []  # read once when the index cannot settle the choice
        tried: set[str] = set()
        for _attempt in range(ATTEMPTS):
            _, chosen, _, _ = self._fair_choice(consultation, state, now, start, tried, pool)
            hold = Hold(consultation.id, chosen, start, end, now + timedelta(minutes=self._policy.hold_minutes))
            try:
                self._bookings.hold(HoldPlan(hold=hold, now=now, previous=state.hold))
            except SlotTakenError:
                tried.add(chosen)
                continue
            return hold
        raise SlotTakenError()

    # --- ending a booking -----------------------------------------------------------------------

    def cancel(self, principal: Principal, consultation_id: str) -> Booking:
        """The owner (until the cancellation notice) or an admin cancels; the consultation goes back
        to ``submitted`` so that it can be booked again."""
        now = self._clock()
        consultation = self._consultations.get(consultation_id)
        reader = reader_of(principal, consultation) if consultation is not None else None
        if consultation is None or reader not in (Reader.OWNER, Reader.ADMIN):
            raise ConsultationNotFoundError()
        active = self._bookings.state_of(consultation.id).active
        if active is None:
            raise NoBookingError()
        if reader is not Reader.ADMIN:
            check_resident_may_change(active, now, self._policy.cancel_notice_minutes, rescheduling=False)
        ended = active.ended(BookingStatus.CANCELLED, now, principal.role.value)
        quotas = self._change_quotas(principal, consultation.id, now) if reader is Reader.OWNER else ()
        self._bookings.end(EndPlan(active=active, ended=ended, consultation=consultation, now=now,
                                   dropped_reminders=self._reminder_keys(active), quotas=quotas))
        logger().info("booking cancelled", extra={"consultation_id": consultation.id, "by": principal.role.value})
        self._metrics.record({"BookingsCancelled": 1})
        self._alerts.to_attorney(MessageKind.BOOKING_CANCELLED, active.attorney_id, active.start)
        if self._messenger is not None:  # the resident who cancelled gets the confirmation too
            self._messenger.booking_cancelled(consultation.id, active.id, active.start, by_attorney=False)
        elif reader is Reader.ADMIN:
            self._alerts.to_resident(MessageKind.BOOKING_CANCELLED, consultation, active.start)
        return ended

    def decline(self, principal: Principal, consultation_id: str, reason: str) -> Booking:
        """The booked attorney declines, with a reason (stored sealed); the consultation goes back to
        ``submitted`` and is never offered to this attorney again."""
        now = self._clock()
        consultation = self._consultations.get(consultation_id)
        active = self._bookings.state_of(consultation_id).active if consultation is not None else None
        if (consultation is None or active is None or not principal.is_attorney
                or active.attorney_id != principal.attorney_id):
            raise ConsultationNotFoundError()
        sealed = seal_fields(self._cipher, NOTE_ENTITY, f"{consultation.id}#{active.id}", {"reason": reason})
        ended = active.ended(BookingStatus.DECLINED, now, "attorney", sealed)
        self._bookings.end(EndPlan(active=active, ended=ended, consultation=consultation, now=now,
                                   dropped_reminders=self._reminder_keys(active)))
        logger().info("booking declined", extra={"consultation_id": consultation.id,
                                                 "attorney_id": active.attorney_id})
        if self._messenger is not None:
            self._messenger.booking_cancelled(consultation.id, active.id, active.start, by_attorney=True)
        else:
            self._alerts.to_resident(MessageKind.BOOKING_CANCELLED, consultation, active.start)
        return ended

    def release(self, consultation_id: str, by: str = "system") -> Booking | None:
        """End the active booking of a consultation that another path is about to close (the resident
        withdraws it, the account is deleted): frees the slot and the attorney's count, alerts the
        attorney, and leaves the consultation ``submitted`` for the caller to close. Call it BEFORE
        closing; None when nothing upcoming was booked (a booking whose time has come stays: it
        happened, or is happening, and counts)."""
        now = self._clock()
        consultation = self._consultations.get(consultation_id)
        active = self._bookings.state_of(consultation_id).active if consultation is not None else None
        if consultation is None or active is None or active.start <= now:
            return None
        ended = active.ended(BookingStatus.CANCELLED, now, by)
        self._bookings.end(EndPlan(active=active, ended=ended, consultation=consultation, now=now,
                                   dropped_reminders=self._reminder_keys(active)))
        self._alerts.to_attorney(MessageKind.BOOKING_CANCELLED, active.attorney_id, active.start)
        return ended

    def reminder_keys(self, booking: Booking | None) -> tuple[tuple[str, str], ...]:
        """Keys of every reminder planned for ``booking`` (for a write that drops them)."""
        return self._reminder_keys(booking)

    def alert_attorney(self, kind: MessageKind, attorney_id: str, when: datetime | None) -> None:
        """Best-effort SMS and e-mail to an attorney about one of their consultations."""
        self._alerts.to_attorney(kind, attorney_id, when)
    def hand_back(self, consultation_id: str) -> Booking | None:
        """The booked attorney left the roster: their upcoming booking ends, the consultation goes back
        to ``submitted`` and the resident is told to pick another slot. None: nothing upcoming."""
        now = self._clock()
        consultation = self._consultations.get(consultation_id)
        active = self._bookings.state_of(consultation_id).active if consultation is not None else None
        if consultation is None or active is None or active.start <= now:
            return None
        ended = active.ended(BookingStatus.CANCELLED, now, "attorney_deactivated")
        self._bookings.end(EndPlan(active=active, ended=ended, consultation=consultation, now=now,
                                   dropped_reminders=self._reminder_keys(active)))
        self._alerts.to_resident(MessageKind.BOOKING_CANCELLED, consultation, active.start)
        return ended

    # --- internals --------------------------------------------------------------------------------

    def _change_quotas(self, principal: Principal, consultation_id: str, now: datetime) -> tuple[Quota, ...]:
        """The day's booking-change limits this change counts against (per consultation, per account)."""
        return booking_change_quotas(consultation_id, self._identity.digest("account", principal.subject), now,
                                     self._calendar.tz.key,
                                     per_consultation=self._policy.booking_changes_per_consultation_per_day,
                                     per_account=self._policy.booking_changes_per_account_per_day)

    def _alert_gate(self, recipient: str, now: datetime | None = None) -> str:
        """``send``, ``coalesce`` (the one "your schedule changed" message past the hour's limit) or
        ``drop``, for one more alert to ``recipient`` (an attorney id or a phone number)."""
        quota = alert_quota(self._identity.digest("alert", recipient), now or self._clock(),
                            per_hour=self._policy.alerts_per_recipient_per_hour)
        try:
            used = self._bookings.take_quota(quota)
        except Exception as exc:  # noqa: BLE001 - an unreadable counter never stops an alert
            logger().warning("alert counter unavailable", extra={"error": type(exc).__name__})
            return "send"
        if used is None:
            return "drop"
        return "coalesce" if used == quota.limit else "send"

    def _follow_up_after(self) -> timedelta:
        """The outcome follow-up: half an hour after the slot ends."""
        return timedelta(minutes=self._policy.slot_minutes + 30)

    def _reminders_of(self, booking: Booking, now: datetime) -> list[reminder_rules.Reminder]:
        return reminder_rules.plan(booking.id, booking.consultation_id, booking.attorney_id, booking.start,
                                   self._policy.reminder_offsets_minutes, now,
                                   follow_up_after=self._follow_up_after())

    def _reminder_keys(self, booking: Booking | None) -> tuple[tuple[str, str], ...]:
        if booking is None:
            return ()
        return tuple(reminder_rules.all_keys(booking.id, self._policy.reminder_offsets_minutes,
                                             self._follow_up_after()))

    def _owned(self, principal: Principal, consultation_id: str) -> Consultation:
        consultation = self._consultations.get(consultation_id)
        if (consultation is None or consultation.owner == consultation_rules.ERASED_OWNER
                or consultation.owner != principal.subject):
            raise ConsultationNotFoundError()
        return consultation

    def _snapshot(self, ids: Iterable[str], year: int, claims_at: datetime | None) -> Snapshot:
        snap = self._bookings.snapshot(ids, year, claims_at=claims_at, consistent=claims_at is not None)
        return Snapshot(attorneys=snap.attorneys, loads=snap.loads, claims=snap.claims,
                        availabilities={a: effective(v, self._policy, self._calendar)
                                        for a, v in snap.availabilities.items()})

    def _pool(self, consultation: Consultation, state: BookingState, now: datetime,
              claims_at: datetime | None = None) -> _Pool:
        facts = self._facts(consultation)
        year = self._calendar.local_date(now).year
        ids: set[str] = set()
        merged = Snapshot(attorneys={}, availabilities={}, loads={}, claims={})
        for regions in candidate_regions(consultation.region, self._policy.reservation_ring):
            found: set[str] = set()
            for region in sorted(regions):
                found.update(self._roster.covering(consultation.category, region))
            found -= ids
            if found:
                ids |= found
                part = self._without_own_booking(self._snapshot(found, year, claims_at), state, year)
                merged = Snapshot(attorneys={**merged.attorneys, **part.attorneys},
                                  availabilities={**merged.availabilities, **part.availabilities},
                                  loads={**merged.loads, **part.loads}, claims={**merged.claims, **part.claims})
            if any(usable(a, facts, merged.availabilities.get(a.id), merged.loads.get(a.id), now,
                          programme_cap=self._policy.annual_cap, excluded=state.declined_by,
                          tz=self._calendar.tz.key)
                   for a in merged.attorneys.values()):
                break
        return _Pool(facts, frozenset(ids), merged, year)

    def _first_in_line(self, consultation: Consultation, state: BookingState, now: datetime) -> _Pool | None:
        """The pool of a first booking's slot listing, read through the ranking index: per ring step
        the attorneys first in line (``ranking_index.first_in_line``: one query per region, then one
        batch read of their profiles, availabilities and counters), the first step where one of them
        could take the consultation. The slots listed are theirs: the times of those the fair choice
        reaches first, at a cost that does not grow with the roster; a booking at one of those times
        finds one of them, or someone fairer, through the index. A rebooking lists the current
        attorney's times too (they keep the booking when free). None, and the caller reads the whole
        pool, without the index, or when the attorneys first in line of a step that has more could
        not take it."""
        if self._ranking is None:
            return None
        facts = self._facts(consultation)
        year = self._calendar.local_date(now).year
        current = [state.active.attorney_id] if state.active is not None else []
        for regions in candidate_regions(consultation.region, self._policy.reservation_ring):
            try:
                ids, everybody = first_in_line(self._ranking, year, consultation.category, regions)
            except IndexNotDecisive as exc:
                logger().info("slot listing reads the pool", extra={"why": type(exc).__name__})
                return None
            ids = list(dict.fromkeys([*ids, *current]))
            snapshot = self._without_own_booking(self._snapshot(ids, year, None), state, year)
            if any(usable(a, facts, snapshot.availabilities.get(a.id), snapshot.loads.get(a.id), now,
                          programme_cap=self._policy.annual_cap, excluded=state.declined_by,
                          tz=self._calendar.tz.key)
                   for a in snapshot.attorneys.values()):
                return _Pool(facts, frozenset(ids), snapshot, year)
            if not everybody:
                return None  # someone further down this step may be usable: the pool decides
        return None

    @staticmethod
    def _without_own_booking(snapshot: Snapshot, state: BookingState, year: int) -> Snapshot:
        """The loads as if the consultation's current booking were not counted: moving it keeps the
        attorney's count unchanged, so their cap must not stop them from keeping it."""
        active = state.active
        load = snapshot.loads.get(active.attorney_id) if active is not None else None
        if active is None or load is None or active.load_year != year or load.assignments_this_year <= 0:
            return snapshot
        loads = {**snapshot.loads,
                 active.attorney_id: replace(load, assignments_this_year=load.assignments_this_year - 1)}
        return replace(snapshot, loads=loads)

    def _fair_choice(self, consultation: Consultation, state: BookingState, now: datetime, start: datetime,
                     tried: set[str], pool: list[_Pool]
                     ) -> tuple[Mapping[str, Attorney], str, dict[str, object], Mapping[str, AttorneyLoad]]:
        """The attorney for ``start`` (the attorneys read, the one chosen, why, their loads): through the
        ranking index when it settles it (``_choose_indexed``), else over the pool, read into ``pool`` at
        the first attempt that needs it and again, with the claims at ``start``, at every later one (the
        index, which could not settle it once, is not read again)."""
        picked = None if pool else self._choose_indexed(consultation, state, now, start, tried)
        if picked is not None:
            return picked
        if pool:
            first = pool[0]
            snapshot = self._without_own_booking(self._snapshot(first.ids, first.year, start), state, first.year)
        else:
            pool.append(self._pool(consultation, state, now, claims_at=start))
            snapshot = pool[0].snapshot
        keep = state.active.attorney_id if state.active is not None else None  # a rebooking keeps its attorney
        attorneys, chosen, reason = self._choose(pool[0].facts, snapshot, state, now, start, tried, keep=keep)
        return attorneys, chosen, reason, snapshot.loads

    def _choose_indexed(self, consultation: Consultation, state: BookingState, now: datetime, start: datetime,
                        tried: set[str]
                        ) -> tuple[dict[str, Attorney], str, dict[str, object],
                                   dict[str, AttorneyLoad]] | None:
        """The fair choice at ``start`` read through the ranking index (``ranking_index.choose_indexed``:
        the rings ``0..Policy.reservation_ring``, each attorney's profile, availability, load counter and
        slot claim at ``start`` in one consistent batch read per 25); for a slot the resident holds, the
        held attorney when still free, and for a rebooking, the current attorney when free at the new
        time (``_still_free``); None when the index cannot settle it (not open, a time-dependent credit
        reached, nobody free in those rings): the caller ranks the whole pool."""
        if self._ranking is None:
            return None
        hold = state.live_hold(now)
        if hold is not None and hold.start == utc(start):  # the held attorney comes first when free
            if hold.attorney_id in tried:
                return None
            return self._still_free(consultation, state, hold.attorney_id, now, start, "held_slot")
        active = state.active
        if active is not None:  # a rebooking: the current attorney keeps it when free, else the fair choice
            if active.attorney_id not in tried:
                kept = self._still_free(consultation, state, active.attorney_id, now, start, "same_attorney")
                if kept is not None:
                    return kept
            tried = tried | {active.attorney_id}
        facts = self._facts(consultation)
        tz = self._calendar.tz.key
        read = _IndexedRead(self, facts, state, now, start)
        try:
            assignment = choose_indexed(facts, read, now, programme_cap=self._policy.annual_cap,
                                        available=reservation_available(read.free),
                                        exclude=set(state.declined_by) | tried, tz=tz,
                                        max_ring=self._policy.reservation_ring)
        except IndexNotDecisive as exc:
            logger().info("booking ranks the pool", extra={"why": type(exc).__name__})
            return None
        except NoCandidateError:
            return None
        return read.profiles, assignment.attorney_id, assignment.reason.as_dict(), read.loads

    def _still_free(self, consultation: Consultation, state: BookingState, attorney_id: str, now: datetime,
                    start: datetime, decided_by: str
                    ) -> tuple[dict[str, Attorney], str, dict[str, object], dict[str, AttorneyLoad]] | None:
        """``attorney_id`` for a booking at ``start`` when they are free at it, as ``_choose`` keeps the
        held or the current attorney (``decided_by``): one consistent batch read of their profile,
        availability, counter and slot claim instead of the pool's. None when they are not free."""
        facts = self._facts(consultation)
        year = self._calendar.local_date(now).year
        snapshot = self._without_own_booking(self._snapshot([attorney_id], year, start), state, year)
        _, schedules = reservation_pool(facts, snapshot, snapshot.claims.values(), now,
                                        programme_cap=self._policy.annual_cap, excluded=state.declined_by,
                                        tz=self._calendar.tz.key)
        if attorney_id not in free_attorneys(self._calendar, self._rules, schedules, now, start):
            return None
        return (dict(snapshot.attorneys), attorney_id,
                {"mode": AssignmentMode.RESERVATION.value, "decided_by": decided_by}, dict(snapshot.loads))

    def _facts(self, consultation: Consultation) -> ConsultationFacts:
        return ConsultationFacts(consultation.id, consultation.category, consultation.region,
                                 AssignmentMode.RESERVATION, consultation.language.value)

    def _choose(self, facts: ConsultationFacts, snapshot: Snapshot, state: BookingState, now: datetime,
                start: datetime, tried: set[str], keep: str | None
                ) -> tuple[dict[str, Attorney], str, dict[str, object]]:
        """The attorneys of the pool, the one chosen for ``start`` and why (``SlotTakenError``: nobody free)."""
        tz = self._calendar.tz.key
        attorneys, schedules = reservation_pool(facts, snapshot, snapshot.claims.values(), now,
                                                programme_cap=self._policy.annual_cap,
                                                excluded=state.declined_by, tz=tz)
        free = free_attorneys(self._calendar, self._rules, schedules, now, start) - tried
        if not free:
            raise SlotTakenError()
        by_id = {a.id: a for a in attorneys}
        hold = state.live_hold(now)
        if hold is not None and hold.start == utc(start) and hold.attorney_id in free:
            return by_id, hold.attorney_id, {"mode": AssignmentMode.RESERVATION.value, "decided_by": "held_slot"}
        if keep is not None and keep in free:
            return by_id, keep, {"mode": AssignmentMode.RESERVATION.value, "decided_by": "same_attorney"}
        assignment = choose(facts, attorneys, snapshot.loads, now, programme_cap=self._policy.annual_cap,
                            available=reservation_available(free), tz=tz)
        return by_id, assignment.attorney_id, assignment.reason.as_dict()

    def _name_of(self, attorney_id: str) -> str:
        attorney = self._roster.get(attorney_id)
        return attorney.display_name if attorney is not None else ""

    def _view(self, booking: Booking, consultation: Consultation, name: str, replayed: bool = False) -> BookingView:
        return BookingView(booking=booking, attorney_name=name, language=consultation.language.value,
                           cancel_until=change_deadline(booking, self._policy.cancel_notice_minutes),
                           replayed=replayed)


class _IndexedRead:
    """``ranking_index.IndexReader`` for a booking at ``start``: the keys from the index, the attorneys
    from the booking store's consistent batch read (profile, availability, load counter and the slot
    claim at ``start``: 4 keys each, 25 attorneys a request), remembering who is free at ``start``."""

    def __init__(self, service: ReservationService, facts: ConsultationFacts, state: BookingState,
                 now: datetime, start: datetime) -> None:
        self._service, self._facts, self._state = service, facts, state
        self._now, self._start = now, start
        self.free: set[str] = set()
        self.profiles: dict[str, Attorney] = {}
        self.loads: dict[str, AttorneyLoad] = {}

    def keys(self, partition: Partition, start: str, stop: str, limit: int) -> Sequence[str]:
        assert self._service._ranking is not None
        return self._service._ranking.keys(partition, start, stop, limit)

    def attorneys(self, ids: Collection[str], year: int) -> dict[str, tuple[Attorney, AttorneyLoad | None]]:
        service = self._service
        snapshot = service._snapshot(ids, year, self._start)
        _, schedules = reservation_pool(self._facts, snapshot, snapshot.claims.values(), self._now,
                                        programme_cap=service._policy.annual_cap,
                                        excluded=self._state.declined_by, tz=service._calendar.tz.key)
        self.free |= free_attorneys(service._calendar, service._rules, schedules, self._now, self._start)
        self.profiles.update(snapshot.attorneys)
        self.loads.update(snapshot.loads)
        return {a: (attorney, snapshot.loads.get(a)) for a, attorney in snapshot.attorneys.items()}


class _Alerts:
    """Best-effort SMS and e-mail about bookings: a time and a link only."""

    def __init__(self, notifier: Notifier, roster: AttorneyRepository, recipients: Recipients, base_url: str,
                 gate: Callable[[str], str] | None = None) -> None:
        self._notifier = notifier
        self._roster = roster
        self._recipients = recipients
        self._base = base_url
        self._gate = gate or (lambda recipient: "send")

    def _gated(self, recipient: str, kind: MessageKind) -> MessageKind | None:
        """The kind to send (the coalesced SCHEDULE_CHANGED past the hour's limit), or None."""
        decision = self._gate(recipient)
        if decision == "drop":
            logger().info("booking alert held back (hourly limit)", extra={"kind": kind.value})
            return None
        return MessageKind.SCHEDULE_CHANGED if decision == "coalesce" else kind

    def to_attorney(self, kind: MessageKind, attorney_id: str, when: datetime | None) -> None:
        gated = self._gated(f"attorney:{attorney_id}", kind)
        if gated is None:
            return
        kind = gated
        alert = AttorneyAlert(kind, f"{self._base}/attorney", when=when)
        contact = self._quietly(lambda: self._roster.contact(attorney_id))  # read once for both halves
        self._try("email", kind, lambda: self._notifier.email_attorney(attorney_id, alert, contact))
        self._try("phone", kind, lambda: alert_phone(self._notifier, contact, kind, f"{self._base}/attorney",
                                                     when=when))

    def to_resident(self, kind: MessageKind, consultation: Consultation, when: datetime) -> None:
        found = self._quietly(lambda: self._recipients.resident(consultation.id))
        if not found:
            return  # erased, or a number its owner never verified
        phone = found[0]
        gated = self._gated(f"phone:{phone}", kind)
        if gated is None:
            return
        kind = gated
        message = render(kind, f"{self._base}/consultations/{consultation.id}", when=when,
                         lang=consultation.language.value)
        self._try("sms", kind, lambda: self._notifier.send_sms(phone, message.text))

    def _try(self, channel: str, kind: MessageKind, send: Callable[[], object]) -> None:
        best_effort(send, "booking alert delivery", channel=channel, kind=kind.value)  # never undoes a booking

    def _quietly[T](self, read: Callable[[], T]) -> T | None:
        return best_effort(read, "booking alert: reading the recipient")
