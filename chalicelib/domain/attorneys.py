"""Village labor attorneys (마을노무사): who serves which categories and regions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from chalicelib.domain.categories import is_category
from chalicelib.domain.regions import is_region

MAX_COVERAGE_PAIRS = 90  # categories x regions; keeps a roster write inside one transaction


class InvalidAttorneyError(ValueError):
    """An attorney profile that the programme cannot use."""


@dataclass(frozen=True)
class AttorneyContact:
    """Sensitive: stored sealed, shown only to admins and the system's notifier."""

    phone: str
    email: str
    language: str = "ko"  # of the e-mail alerts; records sealed before it existed read as Korean

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

    def __post_init__(self) -> None:
        if not self.categories or not self.regions:
            raise InvalidAttorneyError("an attorney serves at least one category and one region")
        unknown = [c for c in self.categories if not is_category(c)]
        unknown += [r for r in self.regions if not is_region(r)]
        if unknown:
            raise InvalidAttorneyError(f"unknown categories or regions: {sorted(unknown)}")
        if len(self.categories) * len(self.regions) > MAX_COVERAGE_PAIRS:
            raise InvalidAttorneyError(
                f"at most {MAX_COVERAGE_PAIRS} category-region pairs per attorney")
        if self.weight <= 0:
            raise InvalidAttorneyError("weight must be positive")

    def covers(self, category: str, region: str) -> bool:
        return category in self.categories and region in self.regions
