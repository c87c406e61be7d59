"""The satisfaction survey: only the resident, only once, only after completion; the comment sealed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from chalicelib.domain.consultations import Status
from chalicelib.domain.identity import Provider
from tests.support import ApiClient, assert_error

pytestmark = pytest.mark.emulator
COMMENT = "상담사님 덕분에 체불임금 진정을 넣을 수 있었습니다"


def bearer(container, subject: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {container.sessions.start(subject, Provider.KAKAO).access_token}"}


def test_the_resident_answers_once_after_completion(container, stack_env, boto_session) -> None:
    api = ApiClient(stack_env)
    owner = bearer(container, f"kakao:survey-{uuid.uuid4().hex[:8]}")
    created = api.post("/api/consultations", headers={**owner, "Idempotency-Key": uuid.uuid4().hex}, body={
        "category": "wage_arrears", "region": "suwon", "mode": "realtime", "method": "chat",
        "name": "설문 주민", "phone": "010-4444-0202", "consent_privacy": True,
        "description": "My employer has not paid my wages for two months now."})
    assert created.status == 201, created.body
    cid = created.json["id"]
    assert_error(api.post(f"/api/consultations/{cid}/survey", headers=owner, body={"rating": 5}),
                 409, "survey_not_open")
    now = datetime.now(UTC)
    container.consultations.transition(cid, Status.MATCHED, now, attorney_id="att-001")
    container.consultations.transition(cid, Status.IN_PROGRESS, now)
    container.consultations.transition(cid, Status.COMPLETED, now)

    stranger = bearer(container, f"kakao:stranger-{uuid.uuid4().hex[:8]}")
    assert_error(api.post(f"/api/consultations/{cid}/survey", headers=stranger, body={"rating": 1}), 404)
    assert_error(api.post(f"/api/consultations/{cid}/survey", headers=owner, body={"rating": 9}), 400)
    answered = api.post(f"/api/consultations/{cid}/survey", headers=owner, body={"rating": 4, "comment": COMMENT})
    assert answered.status == 201, answered.body
    assert_error(api.post(f"/api/consultations/{cid}/survey", headers=owner, body={"rating": 5}),
                 409, "survey_answered")
    assert container.surveys.rating_of(cid) == 4
    assert container.consultations.get(cid).satisfaction == 4  # noted once, for the month statistics
    raw = boto_session.client("dynamodb").get_item(
        TableName=container.settings.main_table,
        Key={"pk": {"S": f"CONSULTATION#{cid}"}, "sk": {"S": "SURVEY"}})["Item"]
    assert COMMENT.encode() not in raw["comment"]["B"]
    page = api.get(f"/consultations/{cid}/survey")
    assert page.status == 200 and "survey.js" in page.body.decode()
