"""Triage of a consultation request: urgency and eligibility, from the dates given.

Pure rules, no I/O. Two statutory clocks and one programme rule:

- Unfair dismissal: the remedy application to the Labor Relations Commission
  must be filed within 3 months of the dismissal (Labor Relations Act
  art. 28(2)). The period is reckoned as the Civil Act says: the day of the
  dismissal is not counted (art. 157) and the period ends on the day before
  the corresponding day of the third month, or on that month's last day when
  it has no corresponding day (art. 160). We do not extend a deadline that
  falls on a holiday (art. 161): showing one day less is the safe error.
- Pay after leaving: everything owed must be paid within 14 days of leaving
  (Labor Standards Act art. 36); from the 15th day a wage complaint can be
  filed with the labor office.
- Free representation: monthly pay below ₩3M and living or working in
  Gyeonggi. Nobody is refused for it: consult first, verify later. Unknown
  pay or residence gives ``None`` (to be verified), not ``False``.

``assess`` turns the intake into ``TriageFacts`` (dates and a tri-state flag,
stored in plaintext: they identify nobody); ``view`` turns stored facts into
what a reader sees on a given day (days left, overdue, complaint possible).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

DISMISSAL_REMEDY_MONTHS = 3
WAGE_SETTLEMENT_DAYS = 14
# Categories whose problem is pay that was not paid.
WAGE_CATEGORIES = frozenset({"wage_arrears", "severance_insurance"})


class EmploymentStatus(StrEnum):
    WORKING = "working"
    LEFT = "left"
    DISMISSED = "dismissed"


class PayBand(StrEnum):
    UNDER_2M = "under_2m"
    FROM_2M_TO_3M = "2m_3m"
    OVER_3M = "over_3m"
    UNKNOWN = "unknown"


# Monthly pay below ₩3M: the free-representation threshold.
BELOW_FREE_REPRESENTATION_THRESHOLD = frozenset({PayBand.UNDER_2M, PayBand.FROM_2M_TO_3M})


def period_end(event_day: date, months: int) -> date:
    """Last day of a period of ``months`` months running from ``event_day`` (Civil Act arts. 157, 160)."""
    first = event_day + timedelta(days=1)
    index = first.month - 1 + months
    year, month = first.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    if first.day > last_day:
        return date(year, month, last_day)
    return date(year, month, first.day) - timedelta(days=1)


@dataclass(frozen=True)
class TriageFacts:
    """What triage derives at intake; stored with the consultation."""

    dismissal_remedy_deadline: date | None = None
    wage_settlement_due: date | None = None  # the last day pay was due after leaving
    free_representation_eligible: bool | None = None


@dataclass(frozen=True)
class TriageView:
    """Triage as it stands on a given day."""

    dismissal_remedy_deadline: date | None
    dismissal_remedy_days_left: int | None
    dismissal_remedy_overdue: bool
    wage_settlement_due: date | None
    wage_complaint_possible: bool
    free_representation_eligible: bool | None


def assess(*, category: str, employment_status: EmploymentStatus | None, left_on: date | None,
           dismissed_on: date | None, pay_band: PayBand | None,
           lives_or_works_in_gyeonggi: bool | None) -> TriageFacts:
    deadline = None
    if employment_status is EmploymentStatus.DISMISSED and dismissed_on is not None:
        deadline = period_end(dismissed_on, DISMISSAL_REMEDY_MONTHS)
    departure = {EmploymentStatus.LEFT: left_on, EmploymentStatus.DISMISSED: dismissed_on}.get(
        employment_status) if employment_status is not None else None
    wage_due = None
    if category in WAGE_CATEGORIES and departure is not None:
        wage_due = departure + timedelta(days=WAGE_SETTLEMENT_DAYS)
    return TriageFacts(dismissal_remedy_deadline=deadline, wage_settlement_due=wage_due,
                       free_representation_eligible=_eligible(pay_band, lives_or_works_in_gyeonggi))


def _eligible(pay_band: PayBand | None, in_gyeonggi: bool | None) -> bool | None:
    below = None if pay_band in (None, PayBand.UNKNOWN) else pay_band in BELOW_FREE_REPRESENTATION_THRESHOLD
    if below is False or in_gyeonggi is False:
        return False
    if below is None or in_gyeonggi is None:
        return None
    return True


def view(facts: TriageFacts, today: date) -> TriageView:
    """The facts as seen on ``today`` (a local date in Korea)."""
    days_left = None
    overdue = False
    if facts.dismissal_remedy_deadline is not None:
        remaining = (facts.dismissal_remedy_deadline - today).days
        overdue = remaining < 0
        days_left = max(remaining, 0)
    complaint = facts.wage_settlement_due is not None and today > facts.wage_settlement_due
    return TriageView(dismissal_remedy_deadline=facts.dismissal_remedy_deadline,
                      dismissal_remedy_days_left=days_left, dismissal_remedy_overdue=overdue,
                      wage_settlement_due=facts.wage_settlement_due, wage_complaint_possible=complaint,
                      free_representation_eligible=facts.free_representation_eligible)
