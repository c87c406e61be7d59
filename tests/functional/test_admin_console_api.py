"""The operations console's API: the roster with loads, adding attorneys (sealed contact, the
language of their e-mail), monthly statistics as JSON and CSV. Fakes only, no AWS."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from chalicelib.domain.attorneys import Attorney, AttorneyContact
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Consultation, Language, Status
from chalicelib.domain.identity import Principal, Provider, Role
from tests.fakes import FakeAuthenticator
from tests.functional.conftest import TUESDAY_MORNING
from tests.support import ApiClient, assert_error
from tests.twins.memory import (
    MemoryAuditLog,
    MemoryConsultationRepository,
    MemoryLoadStore,
    MemoryNotifier,
    MemoryRoster,
)


class Roster(MemoryRoster):
    """MemoryRoster plus the roster listing of the real repository."""

    def roster(self) -> list[Attorney]:
        return list(self.attorneys.values())


@pytest.fixture
def console(clock_at):
    container = clock_at(TUESDAY_MORNING)
    auth = FakeAuthenticator()
    roster, loads, notifier = Roster(), MemoryLoadStore(), MemoryNotifier()
    consultations = MemoryConsultationRepository(365)
    container.__dict__.update(authenticator=auth, attorneys=roster, loads=loads, notifier=notifier,
                              consultations=consultations, audit=MemoryAuditLog())
    admin = {"Authorization": "Bearer " + auth.issue(Principal("kakao:9", Role.ADMIN, Provider.KAKAO, "s9"))}
    resident = {"Authorization": "Bearer " + auth.issue(Principal("kakao:1", Role.RESIDENT, Provider.KAKAO, "s1"))}
    return ApiClient(), admin, resident, roster, loads, notifier, consultations


NEW = {"display_name": "김하나 노무사", "categories": ["wage_arrears", "dismissal"], "regions": ["suwon"],
       "phone": "010-2345-6789", "email": "Hana@Example.COM"}


def test_the_language_of_an_attorneys_email_is_chosen_when_adding_them(console) -> None:
    api, admin, _, roster, _, _, _ = console
    assert api.post("/api/admin/attorneys", body={**NEW, "id": "att-500"}, headers=admin).status == 201
    assert roster.contacts["att-500"].language == "ko"  # e-mail alerts in Korean unless chosen
    english = api.post("/api/admin/attorneys", body={**NEW, "id": "att-501", "email_language": "en"}, headers=admin)
    assert english.status == 201, english.body
    assert roster.contacts["att-501"].language == "en"
    refused = api.post("/api/admin/attorneys", body={**NEW, "id": "att-502", "email_language": "de"}, headers=admin)
    assert refused.status == 400 and "email_language" in refused.body.decode() and "att-502" not in roster.contacts


def test_add_then_list_keeps_contact_sealed(console) -> None:
    api, admin, _, roster, loads, _notifier, _ = console
    created = api.post("/api/admin/attorneys", body={**NEW, "id": "att-500", "annual_cap": 25}, headers=admin)
    assert created.status == 201, created.body
    assert created.json["id"] == "att-500" and created.json["annual_cap"] == 25 and created.json["own_annual_cap"]
    assert roster.contacts["att-500"].phone == "+821023456789"
    assert roster.contacts["att-500"].email == "Hana@example.com"
    loads.increment("att-500", 2026, TUESDAY_MORNING, 25)
    listed = api.get("/api/admin/attorneys", headers=admin)
    assert listed.status == 200 and listed.headers["cache-control"] == "no-store"
    [item] = listed.json["items"]
    assert item["load_this_year"] == 1 and item["categories"] == ["dismissal", "wage_arrears"]
    body = listed.body.decode()
    assert "phone" not in item and "email" not in item and "23456789" not in body and "2345-6789" not in body


def test_an_attorney_joining_during_the_year_starts_level_with_their_pool(console) -> None:
    api, admin, _, roster, loads, _notifier, _ = console
    roster.attorneys["att-600"] = Attorney("att-600", "A", frozenset({"wage_arrears"}), frozenset({"suwon"}))
    roster.attorneys["att-601"] = Attorney("att-601", "B", frozenset({"dismissal"}), frozenset({"suwon", "osan"}),
                                           weight=2.0)
    roster.attorneys["att-602"] = Attorney("att-602", "C", frozenset({"dismissal"}), frozenset({"yongin"}))
    for n in range(6):  # 6 for A, 4 for B (weight 2: 2 per unit), 9 for C (no shared region)
        loads.increment("att-600", 2026, TUESDAY_MORNING - timedelta(days=n + 1), 40)
    for n in range(4):
        loads.increment("att-601", 2026, TUESDAY_MORNING - timedelta(days=n + 1), 40)
    for n in range(9):
        loads.increment("att-602", 2026, TUESDAY_MORNING - timedelta(days=n + 1), 40)
    created = api.post("/api/admin/attorneys", body={**NEW, "id": "att-603"}, headers=admin)
    assert created.status == 201, created.body
    stored = loads.get_many(["att-603"], 2026)["att-603"]
    assert stored.calibration_credit == pytest.approx((6 / 1 + 4 / 2) / 2)  # A and B share suwon with them
    assert stored.assignments_this_year == 0
    # brought back after a deactivation: not joining, no credit stored
    roster.attorneys["att-604"] = Attorney("att-604", "D", frozenset({"dismissal"}), frozenset({"suwon"}),
                                           active=False)
    assert api.post("/api/admin/attorneys", body={**NEW, "id": "att-604"}, headers=admin).status == 201
    assert loads.get_many(["att-604"], 2026)["att-604"].calibration_credit is None


def test_add_twice_conflicts_and_bad_fields_are_named(console) -> None:
    api, admin, _, *_ = console
    assert api.post("/api/admin/attorneys", body={**NEW, "id": "att-501"}, headers=admin).status == 201
    assert_error(api.post("/api/admin/attorneys", body={**NEW, "id": "att-501"}, headers=admin), 409,
                 "attorney_exists")
    bad = api.post("/api/admin/attorneys", body={**NEW, "phone": "12", "regions": ["atlantis"]}, headers=admin)
    assert_error(bad, 400, "invalid_input")
    assert {d["field"] for d in bad.json["error"]["details"]} == {"phone", "regions"}


def test_a_generated_id_and_a_deactivated_attorney_can_come_back(console) -> None:
    api, admin, _, roster, *_ = console
    created = api.post("/api/admin/attorneys", body=NEW, headers=admin)
    assert created.status == 201 and created.json["id"].startswith("att-")
    roster.attorneys["att-502"] = Attorney("att-502", "Old", frozenset({"dismissal"}), frozenset({"suwon"}),
                                           active=False, subjects=frozenset({"kakao:77"}))
    back = api.post("/api/admin/attorneys", body={**NEW, "id": "att-502"}, headers=admin)
    assert back.status == 201 and back.json["active"] is True
    assert roster.attorneys["att-502"].subjects == frozenset({"kakao:77"})


def test_granting_changing_and_revoking_rights_are_recorded(console) -> None:
    """PIPC safety-measures standard §5③: who granted, changed or revoked an attorney's rights, when."""
    from chalicelib.composition import get_container

    api, admin, *_ = console
    assert api.post("/api/admin/attorneys", body={**NEW, "id": "att-510"}, headers=admin).status == 201
    change = {k: NEW[k] for k in ("display_name", "categories", "regions")}
    assert api.request("PUT", "/api/admin/attorneys/att-510", body=change, headers=admin).status == 200
    events = get_container().audit.access  # deactivation: tests/integration/test_audit_log.py
    assert [(e.actor, e.actor_role, e.record, e.action) for e in events] == [
        ("kakao:9", "admin", "attorney:att-510", action) for action in ("attorney_added", "attorney_changed")]
    assert all(e.at == TUESDAY_MORNING for e in events)
    bad = api.request("PUT", "/api/admin/attorneys/att-999", body=change, headers=admin)
    assert bad.status == 404 and len(get_container().audit.access) == 2  # nothing changed, nothing recorded


def test_only_admins(console) -> None:
    api, _, resident, *_ = console
    assert_error(api.get("/api/admin/attorneys", headers=resident), 403, "wrong_role")
    assert_error(api.post("/api/admin/attorneys", body=NEW, headers=resident), 403, "wrong_role")
    assert_error(api.get("/api/admin/stats", headers=resident), 403, "wrong_role")
    assert_error(api.get("/api/admin/stats"), 401)


def _consultation(n: int, *, category: str, region: str, mode: Mode, status: Status, waited: int | None,
                  month: str = "2026-12") -> Consultation:
    created = TUESDAY_MORNING - timedelta(hours=n)
    updated = created + timedelta(minutes=waited or 1)
    return Consultation(id=f"00000000-0000-0000-0000-{n:012d}", owner=f"kakao:{n}", status=status,
                        category=category, region=region, mode=mode, method=Method.CHAT, language=Language.KO,
                        created_at=created, updated_at=updated, month=month, consent_version="v1",
                        attorney_id="att-001" if waited is not None else None)


def test_month_statistics_counts_and_median_wait(console) -> None:
    api, admin, _, _, _, _, consultations = console
    rows = [_consultation(1, category="wage_arrears", region="suwon", mode=Mode.REALTIME,
                          status=Status.MATCHED, waited=4),
            _consultation(2, category="wage_arrears", region="suwon", mode=Mode.REALTIME,
                          status=Status.MATCHED, waited=10),
            _consultation(3, category="wage_arrears", region="goyang", mode=Mode.REALTIME,
                          status=Status.MATCHED, waited=30),
            _consultation(4, category="dismissal", region="goyang", mode=Mode.RESERVATION,
                          status=Status.SUBMITTED, waited=None),
            _consultation(5, category="dismissal", region="suwon", mode=Mode.RESERVATION,
                          status=Status.COMPLETED, waited=None),
            _consultation(6, category="dismissal", region="suwon", mode=Mode.RESERVATION, status=Status.SUBMITTED,
                          waited=None, month="2026-11"),
            _consultation(7, category="wage_arrears", region="suwon", mode=Mode.RESERVATION,
                          status=Status.COMPLETED, waited=None)]
    for c in rows:
        consultations.items[c.id] = c
    assert consultations.note_result(rows[-1].id, outcome="wage_complaint_referral")  # rooms.record_outcome
    assert not consultations.note_result(rows[-1].id, outcome="advice_given")  # once
    assert not consultations.note_result(rows[3].id, outcome="advice_given")  # only a completed one
    assert consultations.note_result(rows[-1].id, satisfaction=4)  # SatisfactionSurvey.answer
    assert consultations.note_result(rows[4].id, satisfaction=5)
    stats = api.get("/api/admin/stats?month=2026-12", headers=admin)
    assert stats.status == 200, stats.body
    s = stats.json
    assert s["total"] == 6
    assert {r["code"]: r["count"] for r in s["by_category"]} == {"wage_arrears": 4, "dismissal": 2}
    assert {r["code"]: r["count"] for r in s["by_region"]} == {"suwon": 4, "goyang": 2}
    assert {r["code"]: r["count"] for r in s["by_mode"]} == {"realtime": 3, "reservation": 3}
    assert {r["code"]: r["count"] for r in s["outcomes"]}["completed"] == 2
    assert {r["code"]: r["count"] for r in s["recorded_outcomes"]} == {"wage_complaint_referral": 1,
                                                                       "not_recorded": 1}
    assert (s["satisfaction_answered"], s["satisfaction_average"]) == (2, 4.5)
    assert [(r["code"], r["count"]) for r in s["by_rating"]] == [("5", 1), ("4", 1), ("3", 0), ("2", 0), ("1", 0)]
    waits = {w["mode"]: w for w in s["waiting"]}
    assert waits["realtime"]["median_minutes"] == 10 and waits["realtime"]["measured"] == 3
    assert waits["reservation"]["median_minutes"] is None
    exported = api.get("/api/admin/stats?month=2026-12&format=csv", headers=admin)
    assert exported.status == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(exported.body.decode("utf-8-sig"))))
    assert table[0] == ["month", "dimension", "code", "count", "median_wait_minutes"]
    assert ["2026-12", "category", "wage_arrears", "4", ""] in table
    assert ["2026-12", "recorded_outcome", "wage_complaint_referral", "1", ""] in table
    assert ["2026-12", "rating", "5", "1", ""] in table
    assert ["2026-12", "waiting", "realtime", "3", "10.0"] in table
    assert not any("kakao:" in cell for row in table for cell in row)


def test_stats_month_is_validated_and_defaults_to_this_month(console) -> None:
    api, admin, *_ = console
    assert_error(api.get("/api/admin/stats?month=2026-13", headers=admin), 400, "invalid_input")
    assert api.get("/api/admin/stats", headers=admin).json["month"] == "2026-12"


def test_statistics_page_through_the_whole_month() -> None:
    from chalicelib.services import statistics

    repo = MemoryConsultationRepository(365)
    for n in range(1, 251):
        c = _consultation(n, category="other", region="suwon", mode=Mode.REALTIME, status=Status.SUBMITTED,
                          waited=None)
        repo.items[c.id] = c
    assert statistics.month_statistics(repo, "2026-12").total == 250


def test_edit_changes_coverage_and_cap_but_keeps_contact_duty_and_accounts(console) -> None:
    api, admin, resident, roster, *_ = console
    roster.save(Attorney("att-600", "Before", frozenset({"dismissal"}), frozenset({"suwon"}), on_duty=True,
                         subjects=frozenset({"kakao:60"})),
                AttorneyContact(phone="+821011112222", email="a@example.invalid"))
    changed = api.request("PUT", "/api/admin/attorneys/att-600", headers=admin,
                          body={"display_name": "After", "categories": ["other", "dismissal"],
                                "regions": ["goyang"], "annual_cap": 12})
    assert changed.status == 200, changed.body
    assert changed.json["categories"] == ["dismissal", "other"] and changed.json["annual_cap"] == 12
    kept = roster.attorneys["att-600"]
    assert kept.display_name == "After" and kept.regions == frozenset({"goyang"})
    assert kept.on_duty and kept.subjects == frozenset({"kakao:60"})
    assert roster.contacts["att-600"].phone == "+821011112222"
    assert_error(api.request("PUT", "/api/admin/attorneys/att-404", headers=admin,
                             body={"display_name": "X", "categories": ["other"], "regions": ["suwon"]}),
                 404, "not_found")
    assert_error(api.request("PUT", "/api/admin/attorneys/att-600", headers=resident,
                             body={"display_name": "X", "categories": ["other"], "regions": ["suwon"]}),
                 403, "wrong_role")
    assert_error(api.request("PUT", "/api/admin/attorneys/att-600", headers=admin,
                             body={"display_name": "X", "categories": ["nope"], "regions": ["suwon"]}),
                 400, "invalid_input")
