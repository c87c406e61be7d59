"""Consultations: a resident's request for help, its life cycle and who may read it.

Pure domain: no AWS, no HTTP. A consultation has a plaintext part (keys,
status, times, category, region, mode, method, language, triage facts) that
can be queried and conditioned on, and the resident's personal details, which
leave this module only sealed (``Consultation.sealed``, opaque bytes made by a
field cipher and bound to the consultation's id).

Life cycle (``TRANSITIONS`` is the whole truth; anything else is refused)::

    submitted ─→ offered ─→ matched ─→ booked ─→ in_progress ─→ completed
        │           │          │         │            │
        └───────────┴──────────┴─────────┴────────────┴─→ cancelled / expired
        └───────────┴──────────┴─────────┴─→ withdrawn (the resident withdrew it)

plus the ways back to the queue: an offer nobody took (offered → submitted),
a matched attorney who withdrew (matched → submitted), a booking cancelled
with the request kept (booked → submitted), and a reservation booked straight
from the queue (submitted → booked). ``completed``, ``cancelled``,
``expired`` and ``withdrawn`` are closed: a closed consultation no longer counts towards the
resident's limit and expires by TTL ``retention_days_after_close`` later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol

from chalicelib.domain import languages
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.identity import Principal
from chalicelib.domain.triage import EmploymentStatus, PayBand, TriageFacts

ENTITY = "consultation"  # the field cipher's entity name for sealed consultation details


class Status(StrEnum):
    SUBMITTED = "submitted"
    OFFERED = "offered"
    MATCHED = "matched"
    BOOKED = "booked"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


CLOSED_STATUSES = frozenset({Status.COMPLETED, Status.CANCELLED, Status.EXPIRED, Status.WITHDRAWN})
OPEN_STATUSES = frozenset(Status) - CLOSED_STATUSES
# What the resident may still withdraw: open and not yet under way.
WITHDRAWABLE = frozenset({Status.SUBMITTED, Status.OFFERED, Status.MATCHED, Status.BOOKED})

TRANSITIONS: Mapping[Status, frozenset[Status]] = MappingProxyType({
    Status.SUBMITTED: frozenset({Status.OFFERED, Status.MATCHED, Status.BOOKED,
                                 Status.CANCELLED, Status.EXPIRED, Status.WITHDRAWN}),
    Status.OFFERED: frozenset({Status.SUBMITTED, Status.MATCHED, Status.CANCELLED, Status.EXPIRED,
                               Status.WITHDRAWN}),
    Status.MATCHED: frozenset({Status.SUBMITTED, Status.BOOKED, Status.IN_PROGRESS,
                               Status.CANCELLED, Status.EXPIRED, Status.WITHDRAWN}),
    Status.BOOKED: frozenset({Status.SUBMITTED, Status.IN_PROGRESS, Status.CANCELLED, Status.EXPIRED,
                              Status.WITHDRAWN}),
    Status.IN_PROGRESS: frozenset({Status.COMPLETED, Status.CANCELLED}),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.EXPIRED: frozenset(),
    Status.WITHDRAWN: frozenset(),
})


# The consultation's language: any language Maeul speaks (``languages.LANGUAGES``), e.g.
# ``Language.KO``, ``Language.VI``, ``Language.KO_X_EASY``.
Language = StrEnum("Language", [(code.upper().replace("-", "_"), code)  # type: ignore[misc]
                                for code in languages.CODES], module=__name__)


# --- errors (data only: chalicelib/api/error_table.py maps them to a status, a code and a message) --

class ConsultationError(Exception):
    """Base class of the consultation rules' refusals."""


class IllegalTransitionError(ConsultationError):
    def __init__(self, current: Status, target: Status) -> None:
        self.current, self.target = Status(current), Status(target)
        super().__init__(self.current.value, self.target.value)


class ConsultationNotFoundError(ConsultationError):
    """Unknown id, or one the principal may not see (the two are indistinguishable on purpose)."""


class TooManyOpenConsultationsError(ConsultationError):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(limit)


class NotWithdrawableError(ConsultationError):
    """The request is under way or closed: there is nothing left to withdraw. ``reason``: "started"
    (the consultation is under way) or "closed" (``current`` says how)."""

    def __init__(self, current: Status, started: bool = False) -> None:
        self.current = Status(current)
        self.reason = "started" if started or self.current is Status.IN_PROGRESS else "closed"
        super().__init__(self.current.value, self.reason)


class IdempotencyKeyReusedError(ConsultationError):
    """The Idempotency-Key was already used for a different request."""


class RecordIntegrityError(ConsultationError):
    """The protected details failed an integrity check, so they were not shown."""


class EncryptionUnavailableError(ConsultationError):
    """The key service could not protect (``reason`` "saving": nothing was saved) or open
    ("reading") the details."""

    def __init__(self, saving: bool) -> None:
        self.reason = "saving" if saving else "reading"
        super().__init__(self.reason)


# --- values -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SensitiveDetails:
    """Sensitive data under PIPA art. 23: needs its own consent."""

    health: bool = False
    union: bool = False

    @property
    def any(self) -> bool:
        return self.health or self.union


@dataclass(frozen=True)
class PersonalDetails:
    """What identifies the resident or describes their case: only ever stored sealed."""

    name: str
    phone: str  # E.164
    description: str
    email: str | None = None
    employer_name: str | None = None
    employer_city: str | None = None
    employment_status: EmploymentStatus | None = None
    left_on: date | None = None
    dismissed_on: date | None = None
    monthly_pay: PayBand = PayBand.UNKNOWN
    lives_or_works_in_gyeonggi: bool | None = None
    sensitive: SensitiveDetails = field(default_factory=SensitiveDetails)
    consent_sensitive: bool = False

    def to_sealable(self) -> dict[str, Any]:
        return {
            "name": self.name, "phone": self.phone, "description": self.description,
            "email": self.email, "employer_name": self.employer_name,
            "employer_city": self.employer_city,
            "employment_status": self.employment_status.value if self.employment_status else None,
            "left_on": self.left_on.isoformat() if self.left_on else None,
            "dismissed_on": self.dismissed_on.isoformat() if self.dismissed_on else None,
            "monthly_pay": self.monthly_pay.value,
            "lives_or_works_in_gyeonggi": self.lives_or_works_in_gyeonggi,
            "sensitive": {"health": self.sensitive.health, "union": self.sensitive.union},
            "consent_sensitive": self.consent_sensitive,
        }

    @classmethod
    def from_sealed(cls, data: Mapping[str, Any]) -> PersonalDetails:
        sensitive = data.get("sensitive") or {}
        return cls(
            name=data["name"], phone=data["phone"], description=data["description"],
            email=data.get("email"), employer_name=data.get("employer_name"),
            employer_city=data.get("employer_city"),
            employment_status=EmploymentStatus(data["employment_status"]) if data.get("employment_status") else None,
            left_on=date.fromisoformat(data["left_on"]) if data.get("left_on") else None,
            dismissed_on=date.fromisoformat(data["dismissed_on"]) if data.get("dismissed_on") else None,
            monthly_pay=PayBand(data.get("monthly_pay") or PayBand.UNKNOWN),
            lives_or_works_in_gyeonggi=data.get("lives_or_works_in_gyeonggi"),
            sensitive=SensitiveDetails(health=bool(sensitive.get("health")), union=bool(sensitive.get("union"))),
            consent_sensitive=bool(data.get("consent_sensitive")))


@dataclass(frozen=True)
class Intake:
    """A validated consultation request."""

    category: str
    region: str
    mode: Mode
    method: Method
    language: Language
    personal: PersonalDetails

    def canonical(self) -> dict[str, Any]:
        """Everything the resident sent, in a stable form (for idempotency fingerprints)."""
        return {"category": self.category, "region": self.region, "mode": self.mode.value,
                "method": self.method.value, "language": self.language.value,
                "personal": self.personal.to_sealable()}


@dataclass(frozen=True)
class Consultation:
    """The stored consultation: plaintext attributes plus the sealed personal details."""

    id: str
    owner: str  # subject of the resident, e.g. "kakao:123"; ERASED_OWNER once erased
    status: Status
    category: str
    region: str
    mode: Mode
    method: Method
    language: Language
    created_at: datetime
    updated_at: datetime
    month: str  # "YYYY-MM" of created_at in Korea: the admin listing's partition
    consent_version: str
    triage: TriageFacts = field(default_factory=TriageFacts)
    sealed: bytes | None = None
    attorney_id: str | None = None
    closed_at: datetime | None = None
    expires_at: datetime | None = None
    erased_at: datetime | None = None
    outcome: str | None = None  # the attorney's recorded outcome code (rooms.Outcome), for statistics
    satisfaction: int | None = None  # the resident's survey rating 1–5, for statistics
    receipt: str | None = None  # 접수번호: short and human-readable, unique ("2612-0042")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def sort_key(self) -> str:
        """Orders consultations by creation time; also the opaque position of a page cursor."""
        return sort_key(self.created_at, self.id)

    def evolve(self, **changes: Any) -> Consultation:
        return replace(self, **changes)


ERASED_OWNER = "erased"


def sort_key(created_at: datetime, consultation_id: str) -> str:
    stamp = created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{stamp}#{consultation_id}"


@dataclass(frozen=True)
class IdempotencyClaim:
    """The (owner, key) a create is made under, and the fingerprint of what was sent."""

    owner: str
    key_digest: str
    fingerprint: str
    expires_at: datetime

    @classmethod
    def of(cls, owner: str, key: str, intake: Intake, expires_at: datetime) -> IdempotencyClaim:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        payload = json.dumps({"owner": owner, "key": digest, "intake": intake.canonical()},
                             sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return cls(owner=owner, key_digest=digest,
                   fingerprint=hashlib.sha256(payload.encode("utf-8")).hexdigest(), expires_at=expires_at)

    @property
    def record_id(self) -> str:
        """Key of the idempotency record: scoped to this use case and this owner."""
        return f"{ENTITY}#{self.owner}#{self.key_digest}"


@dataclass(frozen=True)
class Created:
    consultation: Consultation
    replayed: bool  # True: the same key and request had already created it


@dataclass(frozen=True)
class Page:
    items: list[Consultation]
    after: str | None  # sort key of the last item when more follow


# --- rules ------------------------------------------------------------------------------------

def check_transition(current: Status, target: Status) -> None:
    """Raise ``IllegalTransitionError`` unless ``current`` → ``target`` is in ``TRANSITIONS``."""
    if Status(target) not in TRANSITIONS[Status(current)]:
        raise IllegalTransitionError(current, target)


def transitioned(consultation: Consultation, target: Status, now: datetime, *, retention: timedelta,
                 expected: Status | Iterable[Status] | None = None,
                 attorney_id: str | None = None) -> Consultation:
    """``consultation`` after moving to ``target`` at ``now``, or ``IllegalTransitionError``.

    ``expected`` (when given) is the status(es) the caller believes it is in; a
    consultation found elsewhere is refused with the status it is really in.
    Closing stamps ``closed_at`` and the TTL ``expires_at`` (``retention`` later).
    """
    allowed = expected_statuses(expected)
    target = Status(target)
    if allowed is not None and consultation.status not in allowed:
        raise IllegalTransitionError(consultation.status, target)
    check_transition(consultation.status, target)
    changes: dict[str, Any] = {"status": target, "updated_at": now}
    if attorney_id is not None:
        changes["attorney_id"] = attorney_id
    if target in CLOSED_STATUSES:
        changes.update(closed_at=now, expires_at=now + retention)
    return consultation.evolve(**changes)


def erased(consultation: Consultation, now: datetime, *, retention: timedelta) -> Consultation:
    """``consultation`` without its personal details and owner; an open one is cancelled."""
    changes: dict[str, Any] = {"sealed": None, "owner": ERASED_OWNER, "erased_at": now, "updated_at": now}
    if consultation.is_open:
        changes.update(status=Status.CANCELLED, closed_at=now, expires_at=now + retention)
    return consultation.evolve(**changes)


class Reader(StrEnum):
    OWNER = "owner"
    ATTORNEY = "attorney"
    ADMIN = "admin"


def reader_of(principal: Principal, consultation: Consultation) -> Reader | None:
    """In what capacity ``principal`` may read ``consultation`` (``None``: not at all)."""
    if consultation.owner != ERASED_OWNER and principal.subject == consultation.owner:
        return Reader.OWNER
    if principal.is_admin:
        return Reader.ADMIN
    if principal.is_attorney and consultation.attorney_id and principal.attorney_id == consultation.attorney_id:
        return Reader.ATTORNEY
    return None


# --- the port ---------------------------------------------------------------------------------

class ConsultationRepository(Protocol):
    def create(self, consultation: Consultation, claim: IdempotencyClaim, max_open: int,
               quotas: tuple[Any, ...] = ()) -> Created:
        """Store a new consultation atomically with its idempotency record, the owner's
        open count and the abuse-limit ``quotas`` (domain/limits.py). Same claim and fingerprint
        again → ``Created(existing, replayed=True)`` (nothing counted); same claim, other fingerprint
        → ``IdempotencyKeyReusedError``; the owner at ``max_open`` → ``TooManyOpenConsultationsError``;
        a quota at its limit → ``TooManyNewRequestsError``."""
        ...

    def get(self, consultation_id: str) -> Consultation | None: ...

    def list_by_owner(self, owner: str, limit: int, after: str | None = None) -> Page: ...

    def list_by_attorney(self, attorney_id: str, limit: int, after: str | None = None) -> Page: ...

    def list_by_month(self, month: str, limit: int, after: str | None = None) -> Page: ...

    def transition(self, consultation_id: str, target: Status, now: datetime, *,
                   expected: Status | Iterable[Status] | None = None,
                   attorney_id: str | None = None) -> Consultation:
        """Move to ``target`` if the table allows it, conditioned on the status read (raced →
        ``IllegalTransitionError`` naming the status found). Closing sets ``closed_at`` and
        ``expires_at`` and releases the owner's open slot, in the same write."""
        ...

    def erase_personal_data(self, owner: str, now: datetime) -> int:
        """Remove the sealed details of every consultation of ``owner`` (cancelling open ones)."""
        ...

    def set_receipt(self, consultation_id: str, receipt: str) -> str | None:
        """Give a stored consultation its receipt number (once); returns the number it has."""
        ...

    def note_result(self, consultation_id: str, *, outcome: str | None = None,
                    satisfaction: int | None = None) -> bool:
        """Keep the attorney's recorded outcome code or the resident's rating on a completed
        consultation, each once (False: already noted, or not completed)."""
        ...

    def correct_details(self, consultation_id: str, sealed: bytes, now: datetime, *,
                        expected_updated_at: datetime) -> None:
        """The resident's correction of a request's details (``corrections.CorrectionStore``)."""
        ...


def expected_statuses(expected: Status | Iterable[Status] | None) -> frozenset[Status] | None:
    if expected is None:
        return None
    if isinstance(expected, (Status, str)):
        return frozenset({Status(expected)})
    return frozenset(Status(s) for s in expected)


class ReceiptCounter(Protocol):
    def next(self, local_now: datetime) -> str:
        """The next receipt number (접수번호) of ``local_now``'s month, unique across the stage."""
        ...
