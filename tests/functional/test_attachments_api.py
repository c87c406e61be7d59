"""Document routes through the app (chalice.test, in-memory twins): the contract's shapes, and a
clear 4xx in the one error shape for each thing a person can get wrong."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.composition import use_container
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Intake, Language, PersonalDetails, Status
from chalicelib.services import intake
from tests import documents
from tests.fakes import FakeAuthenticator, attorney, resident
from tests.identity_fakes import Clock, signin_container
from tests.support import ApiClient, assert_error
from tests.twins.memory_attachments import MemoryAttachmentStore, MemoryObjectStore

NOW = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)


@pytest.fixture
def world() -> Any:
    container = signin_container({"MAEUL_POLICY": '{"attachment_max_files": 2}'}, Clock(NOW))
    auth = FakeAuthenticator()
    objects = MemoryObjectStore()
    container.__dict__.update(authenticator=auth, attachment_store=MemoryAttachmentStore(), object_store=objects)
    use_container(container)
    me = resident("doc-owner")
    made = intake.submit(consultations=container.consultations, cipher=container.cipher,
                         calendar=container.calendar, policy=container.settings.policy, owner=me.subject,
                         intake=Intake("wages", "suwon", Mode.REALTIME, Method.CHAT, Language.KO,
                                       PersonalDetails(name="홍길동", phone="+821023456789",
                                                       description="Unpaid wages for two months.")),
                         idempotency_key=str(uuid.uuid4()), now=NOW)
    cid = made.consultation.id
    container.consultations.transition(cid, Status.MATCHED, NOW, attorney_id="att-001")
    yield ApiClient(), auth, me, cid, objects
    use_container(None)


def test_upload_confirm_and_list_follow_the_contract(world) -> None:
    api, auth, me, cid, objects = world
    base = f"/api/consultations/{cid}/attachments"
    photo = documents.photo_with_gps()
    made = api.post(base, body={"filename": "급여명세서.jpg", "content_type": "image/jpeg", "size": len(photo)},
                    headers=auth.headers_for(me))
    assert made.status == 201, made.body
    assert made.headers["cache-control"] == "no-store"
    body = made.json
    assert set(body) >= {"id", "upload"} and set(body["upload"]) == {"url", "fields"}
    key = body["upload"]["fields"]["key"]
    objects.put(key, photo, "image/jpeg")
    confirmed = api.post(f"{base}/{body['id']}/confirm", headers=auth.headers_for(me))
    assert confirmed.status == 200 and confirmed.json["status"] == "ready"
    assert confirmed.json["type"] == "image/jpeg" and confirmed.json["url"] is None  # links come from the list
    listed = api.get(base, headers=auth.headers_for(attorney("att-001"))).json
    assert listed["max_files"] == 2 and listed["types"] == ["image/jpeg", "image/png", "image/heic",
                                                            "application/pdf"]
    [item] = listed["items"]
    assert item["filename"] == "급여명세서.jpg" and item["url"] and item["thumbnail_url"] and item["mine"] is False


@pytest.mark.parametrize(("body", "status", "code", "words"), [
    ({"filename": "page.html", "content_type": "text/html", "size": 10}, 400, "attachment_type_not_allowed",
     "JPEG, PNG, HEIC, PDF"),
    ({"filename": "scan.pdf", "content_type": "application/pdf", "size": 10 * 1024 * 1024 + 1}, 400,
     "attachment_too_large", "10 MB"),
    ({"filename": "scan.pdf", "content_type": "application/pdf", "size": "big"}, 400, "invalid_input", "size"),
    ({"filename": "scan.pdf", "content_type": "application/pdf", "size": 0}, 400, "invalid_input", "size"),
    ({"filename": "", "content_type": "application/pdf", "size": 10}, 400, "invalid_input", "filename"),
    ({"filename": "a.pdf", "content_type": "application/pdf", "size": 10, "key": "x"}, 400, "invalid_input",
     "key"),
])
def test_a_wrong_request_gets_a_clear_error(world, body, status, code, words) -> None:
    api, auth, me, cid, objects = world
    response = api.post(f"/api/consultations/{cid}/attachments", body=body, headers=auth.headers_for(me))
    error = assert_error(response, status, code)
    assert words in error["message"] or words in str(error.get("details"))
    assert objects.objects == {}


def test_limits_and_order_mistakes_get_a_clear_409_or_404(world) -> None:
    api, auth, me, cid, _ = world
    base = f"/api/consultations/{cid}/attachments"
    doc = {"filename": "a.pdf", "content_type": "application/pdf", "size": 100}
    first = api.post(base, body=doc, headers=auth.headers_for(me)).json["id"]
    early = api.post(f"{base}/{first}/confirm", headers=auth.headers_for(me))
    assert "Upload it" in assert_error(early, 409, "attachment_not_uploaded")["message"]
    api.post(base, body=doc, headers=auth.headers_for(me))
    full = api.post(base, body=doc, headers=auth.headers_for(me))
    assert "at most 2 documents" in assert_error(full, 409, "too_many_attachments")["message"]
    assert_error(api.post(f"{base}/{uuid.uuid4().hex}/confirm", headers=auth.headers_for(me)), 404, "not_found")
    assert_error(api.post(f"{base}/not-an-id/confirm", headers=auth.headers_for(me)), 404, "not_found")
