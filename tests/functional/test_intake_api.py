"""Intake and reads through the app, with fakes: validation, idempotency, limits, who sees what."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from openapi_spec_validator import validate

from chalicelib.adapters.field_cipher import LocalFieldCipher
from chalicelib.api.errors import to_response
from chalicelib.composition import Container
from chalicelib.domain.consultations import IllegalTransitionError, Status
from chalicelib.domain.identity import Principal
from chalicelib.services.intake import erase_personal_data
from tests.fakes import FakeAuthenticator, admin, attorney, resident
from tests.functional.conftest import TUESDAY_MORNING
from tests.support import ApiClient, ApiResponse, assert_error
from tests.twins.memory import MemoryAuditLog, MemoryConsultationRepository

VALID: dict[str, Any] = {
    "category": "dismissal",
    "region": "suwon",
    "mode": "reservation",
    "method": "phone",
    "name": "  홍길동  ",
    "phone": "010-2345-6789",
    "email": "gildong@Example.COM",
    "employer_name": "주식회사 한빛물류",
    "employer_city": "수원시",
    "employment_status": "dismissed",
    "dismissed_on": "2026-09-10",
    "monthly_pay": "2m_3m",
    "lives_or_works_in_gyeonggi": True,
    "description": "I was dismissed by text message without any written notice after three years.",
    "sensitive_details": {"health": True, "union": False},
    "consent_sensitive": True,
    "consent_privacy": True,
    "preferred_language": "ko",
}

MINIMAL: dict[str, Any] = {
    "category": "wage_arrears", "region": "goyang", "mode": "realtime", "method": "chat",
    "name": "Nguyen Van A", "phone": "+82 10-9876-5432",
    "description": "My employer has not paid my wages for two months now.", "consent_privacy": True,
}


@dataclass
class World:
    api: ApiClient
    auth: FakeAuthenticator
    container: Container
    repo: MemoryConsultationRepository
    audit: MemoryAuditLog
    cipher: LocalFieldCipher

    def headers(self, who: Principal, key: str | None = "auto") -> dict[str, str]:
        headers = self.auth.headers_for(who)
        if key == "auto":
            key = str(uuid.uuid4())
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def submit(self, who: Principal, body: dict[str, Any] | None = None, key: str | None = "auto") -> ApiResponse:
        return self.api.post("/api/consultations", body=VALID if body is None else body,
                             headers=self.headers(who, key))

    def get(self, who: Principal, path: str) -> ApiResponse:
        return self.api.get(path, headers=self.auth.headers_for(who))


@pytest.fixture
def world(clock_at) -> World:
    container = clock_at(TUESDAY_MORNING)
    auth, audit = FakeAuthenticator(), MemoryAuditLog()
    repo = MemoryConsultationRepository(container.settings.policy.retention_days_after_close)
    cipher = LocalFieldCipher(stage="local")
    container.__dict__.update(authenticator=auth, audit=audit, consultations=repo, cipher=cipher)
    return World(ApiClient(), auth, container, repo, audit, cipher)


ALICE, BOB = resident("alice"), resident("bob")


def with_(**changes: Any) -> dict[str, Any]:
    body = {**VALID, **changes}
    return {k: v for k, v in body.items() if v is not ...}


# --- the happy path ---------------------------------------------------------------------------

def test_a_resident_submits_and_gets_the_consultation_back(world: World) -> None:
    response = world.submit(ALICE)
    assert response.status == 201, response.body
    assert response.headers["cache-control"] == "no-store"
    body = response.json
    assert response.headers["location"] == f"/api/consultations/{body['id']}"
    assert body["status"] == "submitted"
    assert (body["category"], body["region"], body["mode"], body["method"]) == ("dismissal", "suwon",
                                                                                "reservation", "phone")
    assert body["created_at"] == "2026-12-01T10:30:00+09:00"
    personal = body["personal"]
    assert personal["name"] == "홍길동"  # trimmed
    assert personal["phone"] == "+821023456789"  # E.164
    assert personal["email"] == "gildong@example.com"
    assert personal["sensitive_details"] == {"health": True, "union": False}
    assert body["personal_data"] == "included"
    assert body["triage"] == {"dismissal_remedy_deadline": "2026-12-10", "dismissal_remedy_days_left": 9,
                              "dismissal_remedy_overdue": False, "wage_settlement_due": None,
                              "wage_complaint_possible": False, "free_representation_eligible": True}
    assert body["consent_version"]


def test_only_the_sealed_attribute_holds_the_personal_details(world: World) -> None:
    consultation_id = world.submit(ALICE).json["id"]
    stored = world.repo.items[consultation_id]
    assert stored.sealed and "홍길동".encode() not in stored.sealed and b"23456789" not in stored.sealed
    plaintext = json.dumps({k: str(v) for k, v in vars(stored).items() if k != "sealed"}, ensure_ascii=False)
    for secret in ("홍길동", "23456789", "gildong", "한빛", "dismissed by text"):
        assert secret not in plaintext


def test_only_the_required_fields_are_needed(world: World) -> None:
    response = world.submit(ALICE, MINIMAL)
    assert response.status == 201, response.body
    body = response.json
    assert body["preferred_language"] == "ko"
    assert body["personal"]["monthly_pay"] == "unknown"
    assert body["personal"]["email"] is None
    assert body["triage"]["free_representation_eligible"] is None  # to be verified later, not refused


def test_wage_triage_flags_a_complaint_once_14_days_have_passed(world: World) -> None:
    body = with_(category="wage_arrears", employment_status="left", dismissed_on=..., left_on="2026-11-10")
    triage = world.submit(ALICE, body).json["triage"]
    assert triage["wage_settlement_due"] == "2026-11-24"
    assert triage["wage_complaint_possible"] is True
    assert triage["dismissal_remedy_deadline"] is None


# --- every kind of bad input ----------------------------------------------------------------

BAD_FIELDS = [
    ("unknown field", with_(favourite_colour="blue"), "favourite_colour", "Extra inputs are not permitted"),
    ("missing name", with_(name=...), "name", "Field required"),
    ("missing description", with_(description=...), "description", "Field required"),
    ("name is a number", with_(name=12345), "name", "valid string"),
    ("blank name", with_(name="   "), "name", "at least 1 character"),
    ("name too long", with_(name="김" * 51), "name", "at most 50 characters"),
    ("name with a control character", with_(name="홍\x00길동"), "name", "control characters"),
    ("unknown category", with_(category="taxes"), "category", "GET /api/meta"),
    ("category as a list", with_(category=["dismissal"]), "category", "valid string"),
    ("region outside Gyeonggi", with_(region="seoul"), "region", "31 Gyeonggi"),
    ("unknown mode", with_(mode="tomorrow"), "mode", "'realtime' or 'reservation'"),
    ("unknown method", with_(method="fax"), "method", "'chat', 'video' or 'phone'"),
    ("not a phone number", with_(phone="call me maybe"), "phone", "Korean phone number"),
    ("too short a phone number", with_(phone="12345"), "phone", "Korean phone number"),
    ("a foreign phone number", with_(phone="+1 650 253 0000"), "phone", "Korean phone number"),
    ("a phone number as a number", with_(phone=1023456789), "phone", "valid string"),
    ("bad e-mail", with_(email="gildong-at-example"), "email", "e-mail address"),
    ("employer name too long", with_(employer_name="x" * 101), "employer_name", "at most 100"),
    ("description too short", with_(description="help me"), "description", "at least 20 characters"),
    ("description too long", with_(description="가" * 4001), "description", "at most 4000 characters"),
    ("consent refused", with_(consent_privacy=False), "consent_privacy", "031-8030-4541"),
    ("consent missing", with_(consent_privacy=...), "consent_privacy", "Field required"),
    ("consent as a string", with_(consent_privacy="true"), "consent_privacy", "valid boolean"),
    ("employment status unknown", with_(employment_status="retired"), "employment_status",
     "'working', 'left' or 'dismissed'"),
    ("date in another format", with_(dismissed_on="10/09/2026"), "dismissed_on", "YYYY-MM-DD"),
    ("date that does not exist", with_(dismissed_on="2026-02-30"), "dismissed_on", "valid date"),
    ("date as a number", with_(dismissed_on=20260910), "dismissed_on", "YYYY-MM-DD"),
    ("pay band unknown", with_(monthly_pay="a lot"), "monthly_pay", "'under_2m'"),
    ("gyeonggi flag as a string", with_(lives_or_works_in_gyeonggi="yes"), "lives_or_works_in_gyeonggi",
     "valid boolean"),
    ("language not offered", with_(preferred_language="fr"), "preferred_language", "'ko'"),
    ("unknown sensitive detail", with_(sensitive_details={"religion": True}), "sensitive_details.religion",
     "Extra inputs are not permitted"),
]

BAD_COMBINATIONS = [
    ("dismissed without the date", with_(dismissed_on=...), "dismissed_on", "date you were dismissed"),
    ("left without the date", with_(employment_status="left", dismissed_on=...), "left_on", "date you left"),
    ("a date for another status", with_(employment_status="working"), "dismissed_on",
     "only when employment_status is 'dismissed'"),
    ("a dismissal in the future", with_(dismissed_on="2026-12-02"), "dismissed_on", "in the future"),
    ("a date before 1950", with_(dismissed_on="1949-12-31"), "dismissed_on", "before 1950"),
    ("sensitive details without their consent", with_(consent_sensitive=False), "consent_sensitive",
     "PIPA art. 23"),
]


@pytest.mark.parametrize(("case", "body", "field", "message"), BAD_FIELDS + BAD_COMBINATIONS,
                         ids=[c[0] for c in BAD_FIELDS + BAD_COMBINATIONS])
def test_bad_input_is_a_400_naming_the_field(world: World, case: str, body: dict, field: str,
                                             message: str) -> None:
    error = assert_error(world.submit(ALICE, body), 400, "invalid_input")
    fields = {d["field"]: d["message"] for d in error["details"]}
    assert field in fields, (case, error)
    assert message in fields[field], (case, fields[field])
    assert field in error["message"]
    assert not world.repo.items  # nothing stored


def test_todays_date_is_accepted(world: World) -> None:
    assert world.submit(ALICE, with_(dismissed_on="2026-12-01")).status == 201


def test_bad_input_errors_do_not_echo_what_was_sent(world: World) -> None:
    response = world.submit(ALICE, with_(phone="010-9999-000X", description="short secret"))
    assert_error(response, 400, "invalid_input")
    assert b"short secret" not in response.body and b"9999" not in response.body


def test_an_oversized_body_is_413(world: World) -> None:
    response = world.api.post("/api/consultations", raw=json.dumps(with_(description="가" * 40000)).encode(),
                              headers={**world.headers(ALICE), "Content-Type": "application/json"})
    assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize(("raw", "content_type", "status", "code"), [
    (b"name=hong&phone=010", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    (b"{not json", "application/json", 400, "invalid_json"),
    (b"[1, 2, 3]", "application/json", 400, "invalid_json"),
    (b"", "application/json", 400, "invalid_json"),
    (b"\xff\xfe{}", "application/json", 400, "invalid_json"),
])
def test_bodies_that_are_not_a_json_object_are_refused(world: World, raw: bytes, content_type: str,
                                                      status: int, code: str) -> None:
    response = world.api.post("/api/consultations", raw=raw,
                              headers={**world.headers(ALICE), "Content-Type": content_type})
    assert_error(response, status, code)


# --- idempotency ------------------------------------------------------------------------------

def test_the_idempotency_key_is_required_and_checked(world: World) -> None:
    error = assert_error(world.submit(ALICE, key=None), 400, "idempotency_key_required")
    assert "Idempotency-Key" in error["message"]
    assert_error(world.submit(ALICE, key="k" * 129), 400, "invalid_idempotency_key")
    assert_error(world.submit(ALICE, key="   "), 400, "idempotency_key_required")
    assert world.submit(ALICE, key="k" * 128).status == 201
    assert len(world.repo.items) == 1


def test_the_same_key_and_body_return_the_same_consultation(world: World) -> None:
    first = world.submit(ALICE, key="retry-me")
    again = world.submit(ALICE, key="retry-me")
    assert first.status == again.status == 201
    assert first.json["id"] == again.json["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.json["personal"] == first.json["personal"]
    assert len(world.repo.items) == 1 and world.repo.open_counts[ALICE.subject] == 1


def test_the_same_key_with_another_body_is_422(world: World) -> None:
    world.submit(ALICE, key="once")
    error = assert_error(world.submit(ALICE, with_(description="A different story, told at length."),
                                      key="once"), 422, "idempotency_key_reused")
    assert "new key" in error["message"]
    assert len(world.repo.items) == 1


def test_keys_are_scoped_per_resident(world: World) -> None:
    mine, theirs = world.submit(ALICE, key="shared"), world.submit(BOB, key="shared")
    assert mine.status == theirs.status == 201
    assert mine.json["id"] != theirs.json["id"]


def test_a_key_is_forgotten_after_the_idempotency_window(world: World) -> None:
    first = world.submit(ALICE, key="old")
    hours = world.container.settings.policy.idempotency_hours
    world.container.clock = lambda: TUESDAY_MORNING + timedelta(hours=hours, minutes=1)
    second = world.submit(ALICE, key="old")
    assert second.status == 201 and second.json["id"] != first.json["id"]


# --- limits and roles -------------------------------------------------------------------------

def test_at_most_three_open_consultations_per_resident(world: World) -> None:
    ids = [world.submit(ALICE).json["id"] for _ in range(3)]
    error = assert_error(world.submit(ALICE), 409, "too_many_open_consultations")
    assert "3 open consultations" in error["message"]
    assert world.submit(BOB).status == 201  # the limit is per resident
    world.repo.transition(ids[0], Status.CANCELLED, TUESDAY_MORNING)
    assert world.submit(ALICE).status == 201  # closing one frees a place


@pytest.mark.parametrize("who", [attorney("att-001"), admin()], ids=["attorney", "admin"])
def test_only_residents_may_submit(world: World, who: Principal) -> None:
    assert_error(world.submit(who), 403, "wrong_role")
    assert not world.repo.items


def test_signed_out_requests_are_401(world: World) -> None:
    assert_error(world.api.post("/api/consultations", body=VALID, headers={"Idempotency-Key": "k"}), 401)
    assert_error(world.api.get("/api/consultations"), 401)
    assert_error(world.api.get(f"/api/consultations/{uuid.uuid4()}"), 401)
    assert_error(world.api.get("/api/consultations", headers={"Authorization": "Bearer forged"}), 401,
                 "invalid_session")


def test_a_cookie_session_must_send_the_csrf_token_to_submit(world: World) -> None:
    cookie = f"session={world.auth.issue(ALICE)}; csrf=form-token"
    refused = world.api.post("/api/consultations", body=VALID, headers={"Cookie": cookie, "Idempotency-Key": "c"})
    assert_error(refused, 403, "csrf_failed")
    accepted = world.api.post("/api/consultations", body=VALID,
                              headers={"Cookie": cookie, "Idempotency-Key": "c", "X-CSRF-Token": "form-token"})
    assert accepted.status == 201
    assert world.api.get(f"/api/consultations/{accepted.json['id']}", headers={"Cookie": cookie}).status == 200


# --- who sees what ----------------------------------------------------------------------------

def test_others_get_404_and_the_assigned_attorney_and_admins_get_the_details(world: World) -> None:
    consultation_id = world.submit(ALICE).json["id"]
    path = f"/api/consultations/{consultation_id}"
    owner_view = world.get(ALICE, path)
    assert owner_view.status == 200 and owner_view.json["personal"]["name"] == "홍길동"
    assert owner_view.headers["cache-control"] == "no-store"
    assert world.audit.access == []  # the owner reading their own data is not a staff access

    assert_error(world.get(BOB, path), 404, "not_found")
    assert_error(world.get(attorney("att-001"), path), 404, "not_found")  # nobody assigned yet

    world.repo.transition(consultation_id, Status.BOOKED, TUESDAY_MORNING, attorney_id="att-001")
    assert_error(world.get(attorney("att-002"), path), 404, "not_found")  # not theirs
    assigned = world.get(attorney("att-001"), path)
    assert assigned.status == 200 and assigned.json["personal"]["phone"] == "+821023456789"
    assert assigned.json["triage"]["dismissal_remedy_days_left"] == 9  # attorneys see the flags
    assert world.get(admin(), path).json["personal"]["description"].startswith("I was dismissed")

    events = world.audit.access
    assert [(e.actor, e.actor_role, e.owner, e.action) for e in events] == [
        (attorney("att-001").subject, "attorney", ALICE.subject, "read"),
        (admin().subject, "admin", ALICE.subject, "read")]
    assert all(e.record == f"consultation:{consultation_id}" and e.at == TUESDAY_MORNING for e in events)


def test_unknown_and_malformed_ids_are_404(world: World) -> None:
    assert_error(world.get(ALICE, f"/api/consultations/{uuid.uuid4()}"), 404, "not_found")
    assert_error(world.get(ALICE, "/api/consultations/not-an-id"), 404, "not_found")


def test_a_resident_lists_only_their_own_newest_first_page_by_page(world: World) -> None:
    times = [TUESDAY_MORNING + timedelta(minutes=m) for m in range(3)]
    ids = []
    for moment in times:
        world.container.clock = lambda moment=moment: moment
        ids.append(world.submit(ALICE).json["id"])
    world.submit(BOB)
    first = world.get(ALICE, "/api/consultations?limit=2")
    assert first.status == 200 and first.headers["cache-control"] == "no-store"
    assert [c["id"] for c in first.json["items"]] == [ids[2], ids[1]]
    assert first.json["items"][0]["personal"] is None  # a list withholds them, even from the owner
    assert first.json["items"][0]["personal_data"] == "withheld"
    cursor = first.json["next"]
    assert cursor and "alice" not in cursor and "kakao" not in cursor
    second = world.get(ALICE, f"/api/consultations?limit=2&next={cursor}")
    assert [c["id"] for c in second.json["items"]] == [ids[0]]
    assert second.json["next"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=51", "limit=ten", "next=bm90LWEtY3Vyc29y", "next=%%%",
                                   "sort=asc", "month=2026-12"])
def test_bad_list_queries_are_400(world: World, query: str) -> None:
    response = world.get(ALICE, f"/api/consultations?{query}")
    assert_error(response, 400)
    assert response.json["error"]["code"] in {"invalid_input", "invalid_cursor"}


def test_staff_lists_withhold_personal_details_and_log_nothing(world: World) -> None:
    assigned = world.submit(ALICE).json["id"]
    other = world.submit(BOB).json["id"]
    world.repo.transition(assigned, Status.BOOKED, TUESDAY_MORNING, attorney_id="att-001")

    theirs = world.get(attorney("att-001"), "/api/consultations").json["items"]
    assert [c["id"] for c in theirs] == [assigned]
    assert theirs[0]["personal"] is None and theirs[0]["personal_data"] == "withheld"
    assert theirs[0]["triage"]["dismissal_remedy_days_left"] == 9

    month = world.get(admin(), "/api/consultations").json["items"]
    assert {c["id"] for c in month} == {assigned, other}
    assert all(c["personal"] is None for c in month)
    assert world.get(admin(), "/api/consultations?month=2026-11").json["items"] == []
    assert world.audit.access == []


# --- the key service, integrity, erasure ------------------------------------------------------

def test_key_service_down_is_503_and_nothing_is_stored(world: World) -> None:
    world.cipher.available = False
    error = assert_error(world.submit(ALICE, key="while-down"), 503, "encryption_unavailable")
    assert "nothing was saved" in error["message"]
    assert not world.repo.items and not world.repo.idempotency and not world.repo.open_counts
    world.cipher.available = True
    assert world.submit(ALICE, key="while-down").status == 201  # the key was not used up


def test_a_ciphertext_copied_onto_another_record_is_refused(world: World) -> None:
    a, b = world.submit(ALICE).json["id"], world.submit(ALICE).json["id"]
    sealed_a = world.repo.items[a].sealed
    world.repo.items[b] = world.repo.items[b].evolve(sealed=sealed_a)
    error = assert_error(world.get(ALICE, f"/api/consultations/{b}"), 409, "record_integrity")
    assert "integrity" in error["message"]
    assert world.get(ALICE, f"/api/consultations/{a}").status == 200
    listed = {c["id"]: c for c in world.get(ALICE, "/api/consultations").json["items"]}
    assert listed[b]["personal_data"] == listed[a]["personal_data"] == "withheld"  # lists do not open them


def test_erasure_removes_the_details_of_all_the_residents_consultations(world: World) -> None:
    ids = [world.submit(ALICE).json["id"] for _ in range(2)]
    bobs = world.submit(BOB).json["id"]
    assert erase_personal_data(world.repo, ALICE.subject, TUESDAY_MORNING + timedelta(hours=1)) == 2
    for consultation_id in ids:
        stored = world.repo.items[consultation_id]
        assert stored.sealed is None and stored.status is Status.CANCELLED and stored.expires_at
        assert_error(world.get(ALICE, f"/api/consultations/{consultation_id}"), 404)
        seen = world.get(admin(), f"/api/consultations/{consultation_id}").json
        assert seen["personal"] is None and seen["personal_data"] == "erased"
    assert world.get(ALICE, "/api/consultations").json["items"] == []
    assert world.get(BOB, f"/api/consultations/{bobs}").json["personal"]["name"] == "홍길동"
    assert world.submit(ALICE).status == 201  # the open count went with them


def test_an_illegal_transition_is_409_naming_the_current_state(world: World) -> None:
    consultation_id = world.submit(ALICE).json["id"]
    with pytest.raises(IllegalTransitionError) as raised:
        world.repo.transition(consultation_id, Status.COMPLETED, TUESDAY_MORNING)
    response = to_response(raised.value)
    assert response.status_code == 409
    error = json.loads(response.body)["error"]
    assert error["code"] == "illegal_transition" and "'submitted'" in error["message"]


# --- consent and the API description ----------------------------------------------------------

def test_the_consent_text_is_public_and_states_the_retention(world: World) -> None:
    response = world.api.get("/api/consent")
    assert response.status == 200
    notice = response.json
    assert notice["retention_days_after_close"] == world.container.settings.policy.retention_days_after_close
    assert "3년" in notice["privacy"]["retention"]["ko"] and "3 years" in notice["privacy"]["retention"]["en"]
    assert notice["privacy"]["purpose"]["ko"] and notice["privacy"]["items_required"]
    assert any("노동조합" in i["ko"] for i in notice["sensitive"]["items_optional"])
    assert notice["fallback_phone"] == "031-8030-4541"


def test_the_openapi_document_describes_intake(world: World) -> None:
    doc = world.api.get("/api/openapi.json").json
    validate(doc)
    post = doc["paths"]["/api/consultations"]["post"]
    assert {p["name"] for p in post["parameters"]} == {"Idempotency-Key"}
    assert {"201", "400", "401", "403", "409", "413", "415", "422", "503"} <= set(post["responses"])
    schema = doc["components"]["schemas"]["IntakeRequest"]
    assert set(schema["required"]) == {"category", "region", "mode", "method", "name", "phone", "description",
                                       "consent_privacy"}
    assert schema["additionalProperties"] is False
    assert "wage_arrears" in schema["properties"]["category"]["enum"]
    assert len(schema["properties"]["region"]["enum"]) == 31
    assert "/api/consultations/{consultation_id}" in doc["paths"] and "/api/consent" in doc["paths"]
