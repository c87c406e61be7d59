"""Scale invariance, measured by ``make bench`` on the same emulator, after every other figure.

(a) Matching: the AWS calls (by service and API) of matching one consultation, with the 120
    seeded attorneys and again with 12,000:

    * real time: ``RealtimeQueue.enqueue`` inside a service window, i.e. queue the request,
      choose the top-ranked eligible attorney through the ranking index (the head of the
      ring's partitions, then profiles, load counters and busy states by key) and offer it to
      them, alerts included;
    * booking: ``ReservationService.book`` of an open slot through the ranking index (the head
      of the partitions of rings 0-1, then profiles, availabilities, load counters and slot
      claims by key, one transaction), alert included.

    The year's ranking index is opened first, as the daily job does; every attorney written
    gets their entries (level zero) and counts as on the roster since before the year
    (``ops.seed.SEEDED_SINCE``), as the seeded ones do.

    The 11,880 extra attorneys continue the seeded roster's spread (``ops/seed.py``: a home
    region cycling through the 31, one neighbour, two of the six other categories, and wage
    arrears for four in five); a quarter of all attorneys are on duty. They are written in two
    steps: first those who do NOT cover the consultation's category anywhere in its rings 0-1
    (the *control*: the candidates are unchanged, only the roster grows), then those who do.

(b) Reminders: the AWS calls of one reminders run (the ``reminders`` job through a container)
    with the same due set (5 bookings whose 24-hour reminders are due) and 1,000, then 100,000
    historical bookings whose reminders were all sent. The history is cloned from one booking
    made through the real booking service whose reminders the real job sent: the items have
    exactly the keys (and index keys, if any were left) the real code leaves behind.

Everything is written with BatchWriteItem (25 items a request, as DynamoDB allows), the items
built by the adapters' own pynamodb models or cloned from items the adapters wrote. The
figures run last, on an emulator of their own (``run_isolated``: deployed and seeded like the
bench's, dropped afterwards), so the tables they grow skew no other figure. That emulator
copies a table once per transaction instead of once per item (``bench/emulator.py``): with
100,000 items in the table, the stock one needs minutes for one booking.

Every counted operation runs in a fresh ``Container`` (cold key cache, as in a new Lambda
container), so KMS calls compare like with like.
"""

from __future__ import annotations

import itertools
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ops import awscalls

CATEGORY, REGION = "wage_arrears", "suwon"  # the most common category (43% of cases)
SEEDED, ROSTER = 120, 12_000
ON_DUTY_EVERY = 4  # attorney number n is on duty when n % 4 == 1: a quarter of the roster
HISTORY_SMALL, HISTORY_LARGE = 1_000, 100_000
DUE_BOOKINGS = 5
HISTORY_PER_DAY = 90  # historical bookings per day when spreading them back in time
BATCH = 25  # BatchWriteItem's limit
WRITERS = 3  # client threads: the emulator serves one request at a time, they keep it busy

_PYNAMO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$")  # UTCDateTimeAttribute
_INDEX_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)(#.*)$")  # reminders' gsi3sk


def _progress(message: str) -> None:
    print(f"[bench scale] {message}", file=sys.stderr, flush=True)


# --- results -------------------------------------------------------------------------------------

@dataclass
class Comparison:
    """One scale-invariance figure: the calls of the same operation at a small and a large scale."""

    name: str
    target: str
    small_label: str
    large_label: str
    small: dict[str, int]
    large: dict[str, int]
    note: str
    control: dict[str, Any] | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def equal(self) -> bool:
        return self.small == self.large

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "small_label": self.small_label, "large_label": self.large_label,
                "small": self.small, "large": self.large, "small_total": sum(self.small.values()),
                "large_total": sum(self.large.values()), "equal": self.equal, "met": self.equal,
                "control": self.control, "note": self.note, **self.details}


# --- bulk writing --------------------------------------------------------------------------------

def bulk_put(session: Any, table: str, items: Iterable[dict[str, Any]], writers: int = WRITERS) -> int:
    """Put raw DynamoDB items with BatchWriteItem, 25 a request, unprocessed items retried.

    Several client threads share the source so that the next request is built while the
    emulator (one request at a time) handles the previous one. Returns how many were written.
    """
    source = iter(items)
    lock = threading.Lock()
    written = [0]
    from botocore.config import Config

    # built up front (building clients is not thread-safe); the items are the adapters' own, so
    # client-side parameter validation (a walk over every attribute) is skipped
    clients = [session.client("dynamodb", config=Config(parameter_validation=False)) for _ in range(writers)]

    def work(client: Any) -> None:
        while True:
            with lock:
                batch = list(itertools.islice(source, BATCH))
            if not batch:
                return
            request: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in batch]}
            for attempt in range(10):
                request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
                if not request:
                    break
                time.sleep(0.05 * (attempt + 1))
            else:
                raise RuntimeError("BatchWriteItem kept returning unprocessed items")
            with lock:
                written[0] += len(batch)

    with ThreadPoolExecutor(writers) as pool:
        for future in [pool.submit(work, c) for c in clients]:
            future.result()
    return written[0]


def raw_partition(session: Any, table: str, pk: str) -> list[dict[str, Any]]:
    """Every item of one partition of the main table, as stored (consistent read)."""
    client = session.client("dynamodb")
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("query").paginate(
            TableName=table, KeyConditionExpression="pk = :pk", ConsistentRead=True,
            ExpressionAttributeValues={":pk": {"S": pk}}):
        items += page["Items"]
    return items


def bulk_delete(session: Any, table: str, items: Iterable[dict[str, Any]]) -> int:
    """Delete raw items (their ``pk``/``sk``) with BatchWriteItem, 25 a request (tests clean up with it)."""
    client = session.client("dynamodb")
    keys = [{"pk": item["pk"], "sk": item["sk"]} for item in items]
    for i in range(0, len(keys), BATCH):
        request: dict[str, Any] = {table: [{"DeleteRequest": {"Key": k}} for k in keys[i:i + BATCH]]}
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    return len(keys)


# --- (a) matching --------------------------------------------------------------------------------

def roster_spread(first: int, last: int) -> Iterator[Any]:
    """Attorneys numbered ``first..last`` spread the way ``ops/seed.py`` spreads the 120 seeded ones
    (the same formula continued): home region ``(n-1) % 31``, one neighbour, two of the six other
    categories, and wage arrears unless ``n % 5 == 0``."""
    from chalicelib.domain.attorneys import Attorney
    from chalicelib.domain.categories import CATEGORIES
    from chalicelib.domain.regions import ADJACENCY, REGIONS

    others = [c.code for c in CATEGORIES if c.code != "wage_arrears"]
    regions = [r.code for r in REGIONS]
    for n in range(first, last + 1):
        i = n - 1
        home = regions[i % len(regions)]
        k = i // len(regions)
        neighbour = sorted(ADJACENCY[home])[k % len(ADJACENCY[home])]
        cats = {others[(2 * k) % 6], others[(2 * k + 1) % 6]}
        if n % 5 != 0:
            cats.add("wage_arrears")
        yield Attorney(id=f"att-{n:05d}", display_name=f"벤치 노무사 {n}", categories=frozenset(cats),
                       regions=frozenset({home, neighbour}), weight=1.0, active=True,
                       on_duty=n % ON_DUTY_EVERY == 1)


def attorney_items(attorney: Any, sealed_contact: bytes | None, now: datetime,
                   joined: datetime | None = None) -> list[dict[str, Any]]:
    """The items ``DynamoAttorneyRepository.save`` and ``DynamoRealtimeStore.set_duty`` write for
    a new attorney (profile, one coverage item per category and region, the duty items when on
    duty, and the ranking index entries of the year of ``now``, at level zero: no assignments yet),
    built with the adapters' models and serialised for BatchWriteItem. ``joined``: their
    ``created_at`` (default ``now``)."""
    from zoneinfo import ZoneInfo

    from chalicelib.adapters.dynamo import ranking
    from chalicelib.adapters.dynamo.attorneys import AttorneyItem, CoverageItem
    from chalicelib.adapters.dynamo.offers import DutyItem
    from chalicelib.domain.calendar import DEFAULT_TZ

    a = attorney
    items = [AttorneyItem(
        f"ATTORNEY#{a.id}", "PROFILE", gsi1pk="ROSTER", gsi1sk=a.id, attorney_id=a.id,
        display_name=a.display_name, categories=set(a.categories), regions=set(a.regions), weight=a.weight,
        annual_cap=a.annual_cap, active=a.active, on_duty=a.on_duty, subjects=set(a.subjects) or None,
        contact=sealed_contact, created_at=joined or now, updated_at=now, version=1).serialize()]
    pairs = sorted((c, r) for c in a.categories for r in a.regions)
    items += [CoverageItem(f"COVER#{c}#{r}", f"ATTORNEY#{a.id}", attorney_id=a.id, active=a.active).serialize()
              for c, r in pairs]
    if a.on_duty:
        items += [DutyItem(f"DUTY#{c}#{r}", f"ATTORNEY#{a.id}", attorney_id=a.id).serialize() for c, r in pairs]
    year = now.astimezone(ZoneInfo(DEFAULT_TZ)).year
    items += [item.serialize() for _, item in ranking.moves(a, None, ranking.entry_key(a, None, year), year)]
    return items


def write_attorneys(session: Any, container: Any, attorneys: list[Any], now: datetime) -> int:
    """Bulk-write ``attorneys`` (contacts sealed per attorney, as the roster stores them)."""
    from chalicelib.adapters.dynamo.attorneys import DynamoAttorneyRepository
    from ops.seed import SEEDED_SINCE  # on the roster since before the year, like the seeded ones

    cipher, table = container.cipher, container.settings.main_table

    def items() -> Iterator[dict[str, Any]]:
        for a in attorneys:
            n = int(a.id.removeprefix("att-"))
            sealed = cipher.seal(DynamoAttorneyRepository.ENTITY, a.id,
                                 {"phone": f"+8210{n:08d}", "email": f"bench-{n:05d}@example.invalid"})
            yield from attorney_items(a, sealed, now, joined=SEEDED_SINCE)

    return bulk_put(session, table, items())


def _check_written(container: Any, attorney: Any) -> None:
    """Read one bulk-written attorney back through the adapters: the same profile, contact,
    coverage and duty as if the roster service had written it."""
    stored = container.attorneys.get(attorney.id)
    assert stored is not None and (stored.categories, stored.regions, stored.on_duty, stored.active) == (
        attorney.categories, attorney.regions, attorney.on_duty, attorney.active), stored
    assert container.attorneys.contact(attorney.id) is not None
    for c in attorney.categories:
        for r in attorney.regions:
            assert attorney.id in container.attorneys.covering(c, r)
            assert (attorney.id in container.realtime_store.on_duty(c, r)) == attorney.on_duty


def _covers_rings(attorney: Any) -> bool:
    from chalicelib.domain.regions import rings

    ring0, ring1, _ = rings(REGION)
    return CATEGORY in attorney.categories and bool(attorney.regions & (ring0 | ring1))


def _in_realtime_pool(attorney: Any) -> bool:
    from chalicelib.domain.regions import rings

    return attorney.on_duty and CATEGORY in attorney.categories and bool(attorney.regions & rings(REGION)[0])


@dataclass
class _Phase:
    label: str
    now: datetime
    realtime_id: str
    booking_owner: Any
    booking_id: str


def _fresh(env: dict[str, str], now: datetime) -> Any:
    from chalicelib.composition import Container
    from chalicelib.settings import Settings

    container = Container(Settings.from_env(env), clock=lambda: now)
    container.tables  # noqa: B018 - bind the models
    return container


def _submit(container: Any, owner: str, mode: Any, now: datetime) -> str:
    from chalicelib.domain.categories import Method
    from chalicelib.domain.consultations import Intake, Language, PersonalDetails
    from chalicelib.services import intake

    personal = PersonalDetails(name="벤치 주민", phone="+821023456789",
                               description="My employer has not paid my wages for two months now.")
    made = intake.submit(consultations=container.consultations, cipher=container.cipher,
                         calendar=container.calendar, policy=container.settings.policy, owner=owner,
                         intake=Intake(CATEGORY, REGION, mode, Method.PHONE, Language.KO, personal),
                         idempotency_key=uuid.uuid4().hex, now=now)
    return made.consultation.id


def _resident(subject: str) -> Any:
    from chalicelib.domain.identity import Principal, Provider, Role

    return Principal(subject=subject, role=Role.RESIDENT, provider=Provider.KAKAO, session_id="bench")


def _count(run: Callable[[], Any]) -> tuple[dict[str, int], Any, float]:
    started = time.perf_counter()
    with awscalls.count_calls() as counted:
        result = run()
    return dict(sorted(counted.by_operation.items())), result, round(time.perf_counter() - started, 2)


def _match(env: dict[str, str], phase: _Phase) -> dict[str, Any]:
    """Match the phase's real-time consultation and book its reservation; counted separately."""
    container = _fresh(env, phase.now)
    consultation = container.consultations.get(phase.realtime_id)
    realtime_calls, queued, realtime_s = _count(lambda: container.realtime_queue.enqueue(consultation, phase.now))
    request = container.realtime_store.request(phase.realtime_id)
    offer = container.realtime_store.offer(request.current_offer) if request and request.current_offer else None
    assert queued and offer is not None, "the real-time request was not offered to anybody"

    day = container.calendar.local_date(container.calendar.next_opening(phase.now + timedelta(days=1)))
    listing_container = _fresh(env, phase.now)  # cold, as a new Lambda container
    listing_calls, slots, listing_s = _count(lambda: listing_container.reservations.open_slots(
        phase.booking_owner, phase.booking_id, day, day))
    assert slots, "no open slot to book"
    booking_container = _fresh(env, phase.now)  # cold again: listing must not warm the booking
    booking_calls, view, booking_s = _count(lambda: booking_container.reservations.book(
        phase.booking_owner, phase.booking_id, slots[0].start))
    return {"realtime": realtime_calls, "realtime_s": realtime_s, "offered_to": offer.attorney_id,
            "offer_ring": offer.reason.get("ring"), "offer_pool": offer.reason.get("pool_size"),
            "booking": booking_calls, "booking_s": booking_s, "booked_with": view.booking.attorney_id,
            "booking_pool": view.booking.reason.get("pool_size"),
            "listing": listing_calls, "listing_s": listing_s, "listing_slots": len(slots)}


def matching(session: Any, container: Any, env: dict[str, str]) -> list[Comparison]:
    """(a): see the module doc. Returns the real-time, the slot listing and the booking comparison."""
    from chalicelib.domain.categories import Mode

    calendar = container.calendar
    base = datetime.now(UTC) + timedelta(days=30)  # clear of the other figures' bookings
    phases: list[_Phase] = []
    for k, label in enumerate((f"{SEEDED:,}", "control", f"{ROSTER:,}")):
        now = calendar.next_opening(base + timedelta(days=2 * k)) + timedelta(minutes=5)
        owner = _resident(f"kakao:bench-scale-booker-{k}")
        creator = _fresh(env, now)
        phases.append(_Phase(label, now, _submit(creator, f"kakao:bench-scale-rt-{k}", Mode.REALTIME, now),
                             owner, _submit(creator, owner.subject, Mode.RESERVATION, now)))

    # the ranking index of the phases' year(s), as the daily job opens it (bookings and offers read it)
    for moment in {p.now.year: p.now for p in phases}.values():
        container.ranking_keeper.open_year(moment)
    # a quarter of the seeded roster on duty, through the real path
    seeded = list(roster_spread(1, SEEDED))
    for attorney in seeded:
        if attorney.on_duty:
            stored = container.attorneys.get(f"att-{int(attorney.id.removeprefix('att-')):03d}")
            container.realtime_store.set_duty(stored, True)
    small = _match(env, phases[0])

    extra = list(roster_spread(SEEDED + 1, ROSTER))
    outside = [a for a in extra if not _covers_rings(a)]
    inside = [a for a in extra if _covers_rings(a)]
    stamp = phases[0].now
    timer = [0.0]

    def write(attorneys: list[Any], what: str) -> int:
        _progress(f"writing {len(attorneys):,} attorneys {what}")
        started = time.perf_counter()
        written = write_attorneys(session, container, attorneys, stamp)
        timer[0] += time.perf_counter() - started
        return written

    items = write(outside, "outside the consultation's pool")
    _check_written(container, outside[0])
    control = _match(env, phases[1])
    items += write(inside, "inside it")
    _check_written(container, next(a for a in inside if a.on_duty))
    write_s = round(timer[0], 1)
    large = _match(env, phases[2])

    seeded_pool = sum(1 for a in seeded if _covers_rings(a))
    seeded_duty = sum(1 for a in seeded if _in_realtime_pool(a))
    extra_duty = sum(1 for a in inside if _in_realtime_pool(a))
    mix = (f"{ROSTER:,} = the {SEEDED} seeded + {len(extra):,} with the seeded roster's spread continued (home region "
           f"cycling through the 31, one neighbour, two of six categories, wage arrears for 4 in 5): "
           f"{len(outside):,} ({len(outside) / len(extra):.0%}) do not take {CATEGORY} in {REGION}'s rings 0-1, "
           f"{len(inside):,} ({len(inside) / len(extra):.0%}) do; a quarter of everybody is on duty. "
           f"Booking pool (rings 0-1): {seeded_pool} → {seeded_pool + len(inside):,}; real-time ring 0 on duty: "
           f"{seeded_duty} → {seeded_duty + extra_duty:,}. Control = only the {len(outside):,} outside added "
           f"({SEEDED + len(outside):,} attorneys, same candidates).")
    details = {"attorney_items_written": items, "write_seconds": write_s, "mix": mix,
               "outside_pool": len(outside), "inside_pool": len(inside)}
    out = []
    for key, name, what in (("realtime", "matching_realtime", "real-time offer (enqueue → choose → offer)"),
                            ("listing", "slot_listing", "open slots of one day (those first in line)"),
                            ("booking", "matching_booking", "booking (ranking index → choose → one transaction)")):
        pool_key = {"realtime": "offer_pool", "listing": "listing_slots", "booking": "booking_pool"}[key]
        if small[key] == large[key]:
            finding = "The calls do not change with the roster."
        elif control[key] == small[key]:
            grown = sorted(k for k in set(small[key]) | set(large[key]) if small[key].get(k) != large[key].get(k))
            finding = (f"The calls differ in {', '.join(grown)}: the candidates grew, not the roster (the control, "
                       f"with the same candidates, costs the same as {SEEDED}). Through the ranking index that is "
                       "its read: the first page of 25 held nobody eligible, so the next block was read "
                       "(bench/ranking_scale.py counts the index's calls alone).")
        else:
            finding = f"The control differs from {SEEDED} too: the roster's size itself changes the calls."
        note = f"{what}; {mix} {finding}"
        out.append(Comparison(
            name=name, target="equal", small_label=f"{SEEDED:,}", large_label=f"{ROSTER:,}",
            small=small[key], large=large[key], note=note,
            control={"label": f"{SEEDED + len(outside):,} (same pool)", "calls": control[key],
                     "equal_to_small": control[key] == small[key]},
            details={**details, "eligible_pool": {"small": small[pool_key], "control": control[pool_key],
                                                  "large": large[pool_key]},
                     "seconds": {"small": small[f"{key}_s"], "control": control[f"{key}_s"],
                                 "large": large[f"{key}_s"]}}))
    return out


# --- (b) reminders -------------------------------------------------------------------------------

def _book_in_the_past(env: dict[str, str], start_after: datetime, count: int, key: str) -> tuple[list[str], datetime]:
    """``count`` bookings made through the real services 3 days ahead, at the first open slot of the
    first service day after ``start_after``. Returns their booking ids and the slot's start."""
    from chalicelib.domain.categories import Mode

    probe = _fresh(env, start_after)
    day = probe.calendar.local_date(probe.calendar.next_opening(start_after))
    booked_at = datetime.combine(day, datetime.min.time(), tzinfo=probe.calendar.tz) - timedelta(days=3)
    container = _fresh(env, booked_at)
    ids: list[str] = []
    start: datetime | None = None
    for i in range(count):
        owner = _resident(f"kakao:bench-scale-{key}-{i}")
        cid = _submit(container, owner.subject, Mode.RESERVATION, booked_at)
        if start is None:
            start = container.reservations.open_slots(owner, cid, day, day)[0].start
        ids.append(container.reservations.book(owner, cid, start).booking.id)
    assert start is not None
    return ids, start


class HistoryCloner:
    """Historical bookings' reminder items, cloned from one real booking's items as the job left
    them: the booking, consultation and attorney ids replaced, every time moved back by whole days
    (``HISTORY_PER_DAY`` bookings a day), everything else (keys, index keys if any, attributes)
    exactly as stored."""

    def __init__(self, template: list[dict[str, Any]], attorneys: list[str]) -> None:
        first = template[0]
        self._ids = (first["booking_id"]["S"], first["consultation_id"]["S"])
        self._attorney = first["attorney_id"]["S"]
        self._attorneys = attorneys
        self._times: dict[tuple[str, int], dict[str, str]] = {}
        # per template item, per attribute: how to make the clone's value (decided once)
        self._recipes = [[(name, *self._recipe(name, value)) for name, value in item.items()] for item in template]

    def _recipe(self, name: str, value: dict[str, Any]) -> tuple[str, Any]:
        if "S" in value:
            text = value["S"]
            if name == "attorney_id" and text == self._attorney:
                return "attorney", None
            if _PYNAMO_TIME.match(text) or _INDEX_TIME.match(text):
                return "time", text
            if any(old in text for old in self._ids):
                return "ids", text
        if name == "expires_at" and "N" in value:
            return "epoch", int(value["N"])
        return "same", value

    def _shift(self, value: str, days: int) -> dict[str, str]:
        cached = self._times.get((value, days))
        if cached is None:
            match = _INDEX_TIME.match(value)
            if match:
                moment = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S.%fZ") - timedelta(days=days)
                text = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") + match.group(2)
            else:
                moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z") - timedelta(days=days)
                text = moment.strftime("%Y-%m-%dT%H:%M:%S.%f%z")
            cached = self._times[(value, days)] = {"S": text}
        return cached

    def bookings(self, first: int, last: int) -> Iterator[dict[str, Any]]:
        """The items of historical bookings ``first..last-1``."""
        booking, consultation = self._ids
        for j in range(first, last):
            days = 1 + j // HISTORY_PER_DAY
            new_booking, new_consultation = str(uuid.UUID(int=(0xB << 124) | j)), str(uuid.UUID(int=(0xC << 124) | j))
            attorney = {"S": self._attorneys[j % len(self._attorneys)]}
            for recipe in self._recipes:
                item: dict[str, Any] = {}
                for name, kind, payload in recipe:
                    if kind == "same":
                        item[name] = payload
                    elif kind == "attorney":
                        item[name] = attorney
                    elif kind == "time":
                        item[name] = self._shift(payload.replace(booking, new_booking), days) \
                            if booking in payload else self._shift(payload, days)
                    elif kind == "ids":
                        item[name] = {"S": payload.replace(booking, new_booking).replace(consultation,
                                                                                           new_consultation)}
                    else:  # epoch
                        item[name] = {"N": str(payload - days * 86_400)}
                yield item


class ReminderHistory:
    """(b): see the module doc. ``prepare`` makes the bookings (transactions: while the table is
    still small), ``measure`` grows the history and counts the two runs."""

    def __init__(self, session: Any, container: Any, env: dict[str, str]) -> None:
        self._session, self._env = session, env
        self._table = container.settings.main_table
        self._calendar = container.calendar
        self._slot_minutes = container.settings.policy.slot_minutes

    def prepare(self) -> None:
        from chalicelib.jobs import reminders as reminders_job

        # one booking whose reminders the real job sends: the template of the history
        (template_id,), start = _book_in_the_past(self._env, datetime(2021, 3, 2, tzinfo=self._calendar.tz), 1,
                                                  "template")
        after = start + timedelta(minutes=self._slot_minutes + 31)  # the follow-up is due too
        summary = reminders_job.run(_fresh(self._env, after), after)
        self._template = raw_partition(self._session, self._table, f"REMINDER#{template_id}")
        assert summary["sent"] == len(self._template) > 0, (summary, len(self._template))
        # the due set: 5 bookings a few days later, their 24-hour reminders due at `at`
        due_ids, due_start = _book_in_the_past(self._env, start + timedelta(days=4), DUE_BOOKINGS, "due")
        self._at = due_start - timedelta(hours=24) + timedelta(minutes=1)
        self._pending = [item for b in due_ids for item in raw_partition(self._session, self._table,
                                                                          f"REMINDER#{b}")]
        self._due = sum(1 for item in self._pending
                        if "gsi3pk" in item and item["gsi3sk"]["S"] <= _index_stamp(self._at) + "~")

    def measure(self) -> Comparison:
        from chalicelib.jobs import reminders as reminders_job

        cloner = HistoryCloner(self._template, [f"att-{n:03d}" for n in range(1, SEEDED + 1)])
        timings: dict[str, float] = {}
        per_booking = len(self._template)

        def grow(first: int, last: int) -> None:
            _progress(f"writing historical bookings {first:,}..{last:,} ({(last - first) * per_booking:,} items)")
            started = time.perf_counter()
            bulk_put(self._session, self._table, cloner.bookings(first, last))
            timings[f"{first}-{last}"] = round(time.perf_counter() - started, 1)

        def run() -> tuple[dict[str, int], dict[str, Any], float]:
            fresh = _fresh(self._env, self._at)
            return _count(lambda: reminders_job.run(fresh, self._at))

        grow(0, HISTORY_SMALL)
        ledger_before = self._delivery_items()
        small, small_summary, small_s = run()
        bulk_put(self._session, self._table, self._pending)  # the same due set, pending again
        # and unsent: the run's delivery claims go too, or the second run would find every message
        # claimed already (the exactly-once ledger) and do less than the first
        bulk_delete(self._session, self._table, [item for key, item in self._delivery_items().items()
                                                 if key not in ledger_before])
        grow(HISTORY_SMALL, HISTORY_LARGE)
        large, large_summary, large_s = run()
        assert small_summary["sent"] == large_summary["sent"] == self._due > 0, (small_summary, large_summary)

        items_large = HISTORY_LARGE * per_booking
        write_s = sum(timings.values())
        note = (f"due set: {DUE_BOOKINGS} bookings, their {self._due} 24-hour reminders due (3 channels each); "
                f"history: bookings whose {per_booking} reminders each (24 h and 1 h × 3 channels, follow-up × 2) "
                f"were all sent, cloned from a booking the real job sent ({HISTORY_SMALL * per_booking:,} and "
                f"{items_large:,} reminder items; the bookings' other items are left out: no reminder read "
                f"touches them). Writing the history took {write_s:.0f} s "
                f"({items_large / max(write_s, 1e-6):,.0f} items/s, BatchWriteItem, {WRITERS} client threads). "
                f"One run took {small_s} s and {large_s} s on the emulator.")
        return Comparison(
            name="reminders_run", target="equal", small_label=f"{HISTORY_SMALL:,}", large_label=f"{HISTORY_LARGE:,}",
            small=small, large=large, note=note,
            details={"due": self._due, "sent": {"small": small_summary["sent"], "large": large_summary["sent"]},
                     "seconds": {"small": small_s, "large": large_s}, "history_write_seconds": timings,
                     "reminder_items_per_booking": per_booking, "history_items": items_large})


    def _delivery_items(self) -> dict[tuple[str, str], dict[str, Any]]:
        """The delivery ledger's items (claims and their due entries), by key."""
        client = self._session.client("dynamodb")
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for page in client.get_paginator("scan").paginate(
                TableName=self._table, ConsistentRead=True, FilterExpression="begins_with(pk, :p)",
                ExpressionAttributeValues={":p": {"S": "DELIVERY#"}}, ProjectionExpression="pk, sk"):
            found.update({(item["pk"]["S"], item["sk"]["S"]): item for item in page["Items"]})
        return found


def _index_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def run_isolated() -> dict[str, Any]:
    """Both figures on an emulator of their own (``bench/emulator.py``), deployed and seeded the way
    ``bench/run.py`` does it; the emulator is dropped afterwards."""
    import os

    import boto3

    from chalicelib import composition
    from chalicelib.composition import Container
    from chalicelib.settings import Settings
    from ops import processes, seed, stack
    from ops.deploy import provision_local_secrets
    from ops.localstage import Ports, local_environment

    port = processes.free_port()
    emulator = processes.Service(
        "scale emulator", [sys.executable, "-m", "bench.emulator", "-H", "127.0.0.1", "-p", str(port)],
        f"http://127.0.0.1:{port}/moto-api/").start()
    saved_env, saved_container = dict(os.environ), composition._container
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
    _reset_model_connections()
    try:
        _progress("deploying the stack and seeding the 120 attorneys on the scale emulator")
        session = boto3.session.Session(region_name="ap-northeast-2")
        deployment = stack.deploy(session, "local", log=lambda _m: None)
        provision_local_secrets(session, deployment)
        from ops.outbox import ensure_outbox

        ensure_outbox(session, deployment)  # the attorneys' e-mail reminders need the verified mail domain
        env = local_environment(Ports(aws=port, app=processes.free_port(), idp=processes.free_port()),
                                stack_env=deployment.environment())
        env["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        env["MAEUL_RESIDENT_CHANNEL"] = "sns"  # no SENS emulator here: the residents' reminders go by SNS
        os.environ.update(env)
        container = Container(Settings.from_env(env))
        composition.use_container(container)
        seed.run(container)
        return run(session, container, env)
    finally:
        composition.use_container(saved_container)
        os.environ.clear()
        os.environ.update(saved_env)
        _reset_model_connections()
        emulator.stop(timeout=2.0)  # state is in memory only


def _reset_model_connections() -> None:
    """pynamodb models cache their connection (and so the endpoint) per class: drop them."""
    from chalicelib.adapters.dynamo import base

    for _kind, cls in base._REGISTRY:
        cls._connection = None


def run(session: Any, container: Any, env: dict[str, str]) -> dict[str, Any]:
    """Both figures. The reminders' bookings are made first, while the table is still small."""
    started = time.perf_counter()
    history = ReminderHistory(session, container, env)
    history.prepare()
    figures = matching(session, container, env)
    figures.append(history.measure())
    return {"figures": {f.name: f.as_dict() for f in figures}, "seconds": round(time.perf_counter() - started, 1)}


__all__ = ["Comparison", "HistoryCloner", "ReminderHistory", "attorney_items", "bulk_delete", "bulk_put",
           "roster_spread", "run", "run_isolated"]
