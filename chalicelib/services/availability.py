"""Attorney availability: read and replace an attorney's weekly template and date exceptions.

An attorney edits their own (``PUT /api/attorney/availability``); an admin
may edit anyone's. An edit must lie inside the service windows on weekdays
(``AvailabilityOutsideWindowsError`` names the allowed windows) and use the
programme's time zone. Exceptions that ended before this year are dropped on
save (this year's leave still counts for fair matching); bookings already
made are kept: an attorney who can no longer come declines them.

An attorney who never saved an availability is treated according to
``Policy.availability_default``: free in every service window
(``service_hours``, the default: volunteers joined for the programme's
hours) or never (``none``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.domain.attorneys import AttorneyRepository
from chalicelib.domain.availability import Availability, InvalidAvailabilityError
from chalicelib.domain.bookings import AttorneyNotFoundError, BookingRepository
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.settings import Policy


@dataclass(frozen=True)
class AvailabilityView:
    availability: Availability | None  # None: the attorney takes no reservations
    is_default: bool  # True: nothing saved yet, the policy default applies


def default_availability(policy: Policy, calendar: ServiceCalendar) -> Availability | None:
    return Availability.full(calendar) if policy.availability_default == "service_hours" else None


def effective(stored: Availability | None, policy: Policy, calendar: ServiceCalendar) -> Availability | None:
    """What slot generation uses for an attorney: the saved availability, or the default."""
    return stored if stored is not None else default_availability(policy, calendar)


@dataclass(kw_only=True, eq=False, repr=False)
class AvailabilityService:
    store: BookingRepository
    roster: AttorneyRepository
    calendar: ServiceCalendar
    policy: Policy
    clock: Callable[[], datetime]

    def of(self, attorney_id: str) -> AvailabilityView:
        self._require_attorney(attorney_id)
        stored = self.store.availability(attorney_id)
        if stored is not None:
            return AvailabilityView(stored, is_default=False)
        return AvailabilityView(default_availability(self.policy, self.calendar), is_default=True)

    def replace(self, attorney_id: str, data: Mapping[str, object]) -> Availability:
        """Validate ``data`` (``Availability.to_dict``'s shape) against the windows and save it."""
        self._require_attorney(attorney_id)
        tz = data.get("timezone", self.calendar.tz.key)
        if tz != self.calendar.tz.key:
            raise InvalidAvailabilityError(
                f"times are wall-clock times in {self.calendar.tz.key}; send that timezone (or none)",
                field="timezone")
        availability = Availability.from_dict({**data, "timezone": tz}, calendar=self.calendar)
        now = self.clock()
        today = self.calendar.local_date(now)
        availability = availability.pruned(date(today.year, 1, 1))
        self.store.save_availability(attorney_id, availability, now)
        return availability

    def _require_attorney(self, attorney_id: str) -> None:
        if self.roster.get(attorney_id) is None:
            raise AttorneyNotFoundError()
