"""Village labor attorneys (마을노무사): who serves which categories and regions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from chalicelib.domain import languages as language_list
from chalicelib.domain.categories import is_category
from chalicelib.domain.regions import is_region

KOREAN = frozenset({"ko", "ko-x-easy"})  # what every attorney speaks
MAX_COVERAGE_PAIRS = 90  # categories x regions; keeps a roster write inside one transaction


class InvalidAttorneyError(ValueError):
    """An attorney profile that the programme cannot use; ``reason`` says why, with its data (``codes``,
    ``max_pairs``...)."""

    def __init__(self, reason: str, **data: object) -> None:
        self.reason = reason
        for name, value in data.items():
            setattr(self, name, value)
        super().__init__(reason, *data.values())


class AlertChannel(StrEnum):
    """How an attorney's alerts reach their phone; e-mail goes out whatever they choose."""

    ALIMTALK = "alimtalk"  # 알림톡 on the stage's channel (SENS), SMS/LMS when it fails; SMS on an SNS stage
    SMS = "sms"            # plain SMS (LMS when long)
    EMAIL = "email"        # e-mail only, nothing to the phone


@dataclass(frozen=True)
class AttorneyContact:
    """Sensitive: stored sealed, shown only to admins and the system's notifier."""

    phone: str
    email: str
    language: str = "ko"  # of the e-mail alerts; records sealed before it existed read as Korean
    alert_channel: str = "alimtalk"  # AlertChannel: how alerts reach their phone, besides e-mail

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Attorney:
    id: str
    display_name: str
    categories: frozenset[str]
    regions: frozenset[str]
    weight: float = 1.0
    annual_cap: int | None = None  # None: the programme's cap
    active: bool = True
    on_duty: bool = False
    subjects: frozenset[str] = field(default_factory=frozenset)
    created_at: datetime | None = None
    version: int = 0
    # the languages they consult in besides Korean (codes of ``languages.LANGUAGES``)
    languages: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.categories or not self.regions:
            raise InvalidAttorneyError("no_coverage")
        unknown = [c for c in self.categories if not is_category(c)]
        unknown += [r for r in self.regions if not is_region(r)]
        if unknown:
            raise InvalidAttorneyError("unknown_coverage", codes=", ".join(sorted(unknown)))
        if len(self.categories) * len(self.regions) > MAX_COVERAGE_PAIRS:
            raise InvalidAttorneyError("too_many_pairs", max_pairs=MAX_COVERAGE_PAIRS,
                                       pairs=len(self.categories) * len(self.regions))
        if self.weight <= 0:
            raise InvalidAttorneyError("weight")
        unknown_languages = sorted(c for c in self.languages if not language_list.is_supported(c))
        if unknown_languages:
            raise InvalidAttorneyError("unknown_languages", codes=", ".join(unknown_languages),
                                       expected=", ".join(language_list.CODES))
        object.__setattr__(self, "languages", frozenset(self.languages) - KOREAN)

    def covers(self, category: str, region: str) -> bool:
        return category in self.categories and region in self.regions

    def speaks(self, language: str) -> bool:
        """Every attorney consults in Korean (and in easy Korean); others as listed."""
        return language in KOREAN or language in self.languages


class AttorneyLinks(Protocol):
    """Which attorney profile a sign-in account is linked to, and that profile (roles come from it)."""

    def by_subject(self, subject: str) -> str | None: ...

    def get(self, attorney_id: str) -> Attorney | None: ...


class AttorneyRepository(AttorneyLinks, Protocol):
    """The roster: profiles, their sealed contact details, coverage and linked sign-in accounts."""

    def contact(self, attorney_id: str) -> AttorneyContact | None: ...

    def roster(self) -> list[Attorney]: ...

    def save(self, attorney: Attorney, contact: AttorneyContact | None, now: datetime | None = None) -> None:
        """Create or replace a profile with its coverage and account links, atomically."""
        ...

    def import_new(self, entries: Sequence[tuple[Attorney, AttorneyContact | None]], now: datetime) -> None:
        """Bulk-load attorneys not on the roster yet (a new stack's seed; not atomic)."""
        ...

    def covering(self, category: str, region: str) -> list[str]:
        """Ids of active attorneys serving (category, region)."""
        ...
