"""Triage: the unfair-dismissal deadline, the 14-day pay rule and free-representation eligibility."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.triage import EmploymentStatus, PayBand, TriageFacts, assess, period_end, view


@pytest.mark.parametrize(("dismissed", "deadline"), [
    (date(2026, 9, 10), date(2026, 12, 10)),   # the day of dismissal is not counted (Civil Act 157, 160)
    (date(2026, 11, 30), date(2027, 2, 28)),   # runs from 12-01: ends the day before 03-01
    (date(2026, 11, 29), date(2027, 2, 28)),   # runs from 11-30: February has no 30th, its last day
    (date(2027, 11, 29), date(2028, 2, 29)),   # leap year: runs from 11-30 → the last day, 29 Feb
    (date(2026, 12, 31), date(2027, 3, 31)),   # over the year end
    (date(2026, 10, 31), date(2027, 1, 31)),
])
def test_dismissal_remedy_period_ends_as_the_civil_act_reckons_it(dismissed: date, deadline: date) -> None:
    assert period_end(dismissed, 3) == deadline


def _dismissal(dismissed_on: date) -> TriageFacts:
    return assess(category="dismissal", employment_status=EmploymentStatus.DISMISSED, left_on=None,
                  dismissed_on=dismissed_on, pay_band=PayBand.UNKNOWN, lives_or_works_in_gyeonggi=None)


def test_days_left_count_down_to_zero_on_the_last_day_then_overdue() -> None:
    facts = _dismissal(date(2026, 9, 10))
    assert facts.dismissal_remedy_deadline == date(2026, 12, 10)
    seen = view(facts, date(2026, 12, 1))
    assert (seen.dismissal_remedy_days_left, seen.dismissal_remedy_overdue) == (9, False)
    last_day = view(facts, date(2026, 12, 10))
    assert (last_day.dismissal_remedy_days_left, last_day.dismissal_remedy_overdue) == (0, False)
    late = view(facts, date(2026, 12, 11))
    assert (late.dismissal_remedy_days_left, late.dismissal_remedy_overdue) == (0, True)


def test_no_dismissal_no_deadline() -> None:
    facts = assess(category="dismissal", employment_status=EmploymentStatus.WORKING, left_on=None,
                   dismissed_on=None, pay_band=PayBand.UNDER_2M, lives_or_works_in_gyeonggi=True)
    seen = view(facts, date(2026, 12, 1))
    assert seen.dismissal_remedy_deadline is None and seen.dismissal_remedy_days_left is None
    assert seen.dismissal_remedy_overdue is False and seen.wage_complaint_possible is False


def test_unpaid_pay_becomes_a_complaint_from_the_15th_day_after_leaving() -> None:
    facts = assess(category="wage_arrears", employment_status=EmploymentStatus.LEFT, left_on=date(2026, 11, 1),
                   dismissed_on=None, pay_band=PayBand.UNKNOWN, lives_or_works_in_gyeonggi=None)
    assert facts.wage_settlement_due == date(2026, 11, 15)
    assert view(facts, date(2026, 11, 15)).wage_complaint_possible is False  # still due today
    assert view(facts, date(2026, 11, 16)).wage_complaint_possible is True


def test_a_dismissal_also_starts_the_pay_clock_for_pay_categories() -> None:
    facts = assess(category="severance_insurance", employment_status=EmploymentStatus.DISMISSED, left_on=None,
                   dismissed_on=date(2026, 10, 1), pay_band=PayBand.UNKNOWN, lives_or_works_in_gyeonggi=None)
    assert facts.wage_settlement_due == date(2026, 10, 15)
    assert facts.dismissal_remedy_deadline == date(2027, 1, 1)
    assert view(facts, date(2026, 12, 1)).wage_complaint_possible is True


def test_the_pay_rule_is_not_flagged_for_categories_that_are_not_about_pay() -> None:
    facts = assess(category="workplace_harassment", employment_status=EmploymentStatus.LEFT,
                   left_on=date(2026, 1, 1), dismissed_on=None, pay_band=PayBand.UNKNOWN,
                   lives_or_works_in_gyeonggi=None)
    assert facts.wage_settlement_due is None
    assert view(facts, date(2026, 12, 1)).wage_complaint_possible is False


@pytest.mark.parametrize(("band", "in_gyeonggi", "eligible"), [
    (PayBand.UNDER_2M, True, True),
    (PayBand.FROM_2M_TO_3M, True, True),
    (PayBand.OVER_3M, True, False),
    (PayBand.UNDER_2M, False, False),
    (PayBand.OVER_3M, None, False),   # known to be above the threshold: not eligible whatever the rest
    (PayBand.UNKNOWN, True, None),    # consult first, verify later
    (PayBand.UNDER_2M, None, None),
    (None, None, None),
])
def test_free_representation_needs_pay_below_3m_and_gyeonggi(band, in_gyeonggi, eligible) -> None:
    facts = assess(category="wage_arrears", employment_status=None, left_on=None, dismissed_on=None,
                   pay_band=band, lives_or_works_in_gyeonggi=in_gyeonggi)
    assert facts.free_representation_eligible is eligible
