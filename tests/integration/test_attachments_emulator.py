"""Documents on the emulator: real presigned POST uploads to the stack's bucket, the check on
confirm (type spoofing, oversize, GPS EXIF, PDF JavaScript), links, who may see them, the access
log, a double confirm, erasure with the consultation's owner leaving; and the record store's
contract, on DynamoDB and on its in-memory twin."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from chalicelib.composition import Container
from chalicelib.domain.attachments import (
    Attachment,
    AttachmentBusyError,
    AttachmentStatus,
    AttachmentTooLargeError,
    AttachmentTypeError,
    Rejection,
    TooManyAttachmentsError,
)
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import ConsultationNotFoundError, Intake, Language, PersonalDetails, Status
from chalicelib.services import intake
from chalicelib.services.attachments import AttachmentNotUploadedError
from chalicelib.settings import Settings
from ops import awscalls
from tests import documents
from tests.concurrency import race
from tests.documents import bucket_keys
from tests.fakes import admin, attorney, resident
from tests.identity_fakes import Clock
from tests.twins.memory import MemoryNotifier
from tests.twins.memory_attachments import MemoryAttachmentStore

pytestmark = pytest.mark.emulator

T0 = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
MAX_BYTES = 256 * 1024  # small, so the oversize case is quick


@pytest.fixture(scope="module")
def world(container, stack_env) -> tuple[Container, Clock]:
    clock = Clock(T0)
    env = {**stack_env, "MAEUL_POLICY": json.dumps({"attachment_max_bytes": MAX_BYTES, "attachment_max_files": 4})}
    built = Container(Settings.from_env(env), clock=clock)
    built.tables  # noqa: B018
    built.__dict__["notifier"] = MemoryNotifier()
    return built, clock


def consultation(c: Container, clock: Clock, owner: str, *, attorney_id: str | None = "att-001") -> str:
    personal = PersonalDetails(name="김민수", phone="+821055556666",
                               description="My employer has not paid my wages since October.")
    made = intake.submit(consultations=c.consultations, cipher=c.cipher, calendar=c.calendar,
                         policy=c.settings.policy, owner=owner,
                         intake=Intake("wages", "suwon", Mode.REALTIME, Method.CHAT, Language.KO, personal),
                         idempotency_key=str(uuid.uuid4()), now=clock())
    if attorney_id:
        c.consultations.transition(made.consultation.id, Status.MATCHED, clock(), attorney_id=attorney_id)
    return made.consultation.id


def someone() -> tuple[str, Any]:
    name = f"att-{uuid.uuid4().hex[:8]}"
    return f"kakao:{name}", resident(name)


def upload(c: Container, who: Any, cid: str, body: bytes, filename: str, content_type: str,
           declared_size: int | None = None) -> str:
    """Ask for a form, POST the bytes to the emulator's S3 exactly as a browser does; the id."""
    ticket = c.attachments.request_upload(who, cid, filename=filename, content_type=content_type,
                                          size=declared_size or len(body))
    form = ticket.form
    response = requests.post(str(form["url"]), data=dict(form["fields"]),  # type: ignore[arg-type]
                             files={"file": (filename, body, content_type)}, timeout=30)
    assert response.status_code in (200, 201, 204), response.text[:300]
    return ticket.attachment.id


def uploaded_and_confirmed(c: Container, who: Any, cid: str, body: bytes, filename: str, content_type: str) -> str:
    """``upload`` then confirm (the check runs): the id."""
    aid = upload(c, who, cid, body, filename, content_type)
    c.attachments.confirm(who, cid, aid)
    return aid


def test_the_upload_form_pins_key_type_and_size(world) -> None:
    c, clock = world
    owner, me = someone()
    cid = consultation(c, clock, owner)
    ticket = c.attachments.request_upload(me, cid, filename="급여명세서 2026-11.jpg", content_type="image/jpeg",
                                          size=1000)
    fields = ticket.form["fields"]
    assert isinstance(fields, dict)
    key = fields["key"]
    assert key.startswith(f"incoming/{cid}/") and "급여" not in key and ".jpg" not in key
    assert fields["Content-Type"] == "image/jpeg"
    policy = json.loads(__import__("base64").b64decode(fields["policy"]))
    assert ["content-length-range", 1, MAX_BYTES] in policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in policy["conditions"] and {"key": key} in policy["conditions"]
    # the file name is kept sealed, not in plaintext
    raw = c.boto_session.client("dynamodb").get_item(
        TableName=c.settings.main_table,
        Key={"pk": {"S": f"CONSULTATION#{cid}"}, "sk": {"S": f"ATTACHMENT#{ticket.attachment.id}"}})["Item"]
    assert "급여명세서" not in repr(raw) and "sealed_name" in raw
    with pytest.raises(AttachmentTypeError):
        c.attachments.request_upload(me, cid, filename="page.html", content_type="text/html", size=100)
    with pytest.raises(AttachmentTooLargeError):
        c.attachments.request_upload(me, cid, filename="big.pdf", content_type="application/pdf",
                                     size=MAX_BYTES + 1)


def test_a_phone_photo_is_cleaned_of_its_gps_position_before_anyone_sees_it(world) -> None:
    c, clock = world
    owner, me = someone()
    cid = consultation(c, clock, owner)
    photo = documents.photo_with_gps()
    assert documents.has_gps(photo)
    aid = upload(c, me, cid, photo, "IMG_2041.jpg", "image/jpeg")
    # before the check nobody gets a link, and the attorney does not even see it
    before = c.attachments.list(me, cid)
    assert [(v.attachment.status, v.url) for v in before] == [(AttachmentStatus.PENDING, None)]
    assert c.attachments.list(attorney("att-001"), cid) == []
    view = c.attachments.confirm(me, cid, aid)
    assert view.attachment.status is AttachmentStatus.READY and view.filename == "IMG_2041.jpg"
    listed = c.attachments.list(attorney("att-001"), cid)
    assert len(listed) == 1 and listed[0].url and listed[0].thumbnail_url
    served = requests.get(listed[0].url, timeout=30)
    assert served.status_code == 200 and served.content[:3] == b"\xff\xd8\xff"
    assert not documents.has_gps(served.content)
    thumb = requests.get(listed[0].thumbnail_url, timeout=30)
    assert thumb.status_code == 200 and len(thumb.content) < len(served.content)
    # the upload itself is gone; only the cleaned copy and its thumbnail remain, under random names
    keys = bucket_keys(c, cid)
    assert len(keys) == 2 and all(k.startswith(f"consultations/{cid}/") for k in keys)
    assert "IMG_2041" not in listed[0].url
    # confirming again changes nothing
    again = c.attachments.confirm(me, cid, aid)
    assert again.attachment.key == view.attachment.key and bucket_keys(c, cid) == keys


@pytest.mark.parametrize(("body", "name", "declared", "reason"), [
    (documents.png(), "contract.pdf", "application/pdf", Rejection.TYPE_MISMATCH),
    (documents.HTML, "payslip.jpg", "image/jpeg", Rejection.WRONG_TYPE),
    (documents.pdf(javascript="app.alert('hello')"), "notice.pdf", "application/pdf", Rejection.ACTIVE_CONTENT),
], ids=["png-named-pdf", "html-named-jpg", "pdf-with-javascript"])
def test_spoofed_and_active_files_are_rejected_and_deleted(world, body, name, declared, reason) -> None:
    c, clock = world
    owner, me = someone()
    cid = consultation(c, clock, owner)
    aid = upload(c, me, cid, body, name, declared)
    view = c.attachments.confirm(me, cid, aid)
    assert view.attachment.status is AttachmentStatus.REJECTED and view.attachment.reason is reason
    assert bucket_keys(c, cid) == []
    mine = c.attachments.list(me, cid)
    assert [(v.attachment.status, v.url) for v in mine] == [(AttachmentStatus.REJECTED, None)]
    assert c.attachments.list(attorney("att-001"), cid) == []


def test_an_upload_larger_than_declared_is_caught_by_the_check(world) -> None:
    # moto does not enforce the form's content-length-range; the check reads the real size
    c, clock = world
    owner, me = someone()
    cid = consultation(c, clock, owner)
    big = documents.pdf() + b"%" + b"x" * MAX_BYTES
    aid = upload(c, me, cid, big, "scan.pdf", "application/pdf", declared_size=1000)
    with awscalls.count_calls("s3") as calls:
        view = c.attachments.confirm(me, cid, aid)
    assert view.attachment.reason is Rejection.TOO_LARGE
    assert "s3.GetObject" not in calls.by_operation  # never read, only measured
    assert bucket_keys(c, cid) == []


def test_confirm_before_the_upload_arrives_is_refused_and_changes_nothing(world) -> None:
    c, clock = world
    owner, me = someone()
    cid = consultation(c, clock, owner)
    ticket = c.attachments.request_upload(me, cid, filename="a.pdf", content_type="application/pdf", size=500)
    with pytest.raises(AttachmentNotUploadedError):
        c.attachments.confirm(me, cid, ticket.attachment.id)
    assert c.attachment_store.get(cid, ticket.attachment.id).status is AttachmentStatus.PENDING


def test_two_confirms_at_once_check_the_upload_once(world) -> None:
    c, clock = world
    owner, me = someone()
    cid = consultation(c, clock, owner)
    aid = upload(c, me, cid, documents.photo_with_gps(), "slip.jpg", "image/jpeg")

    def confirm() -> AttachmentStatus | AttachmentBusyError:
        try:
            return c.attachments.confirm(me, cid, aid).attachment.status
        except AttachmentBusyError as exc:
            return exc

    results = race(4, confirm)
    assert AttachmentStatus.READY in results
    assert all(r is AttachmentStatus.READY or isinstance(r, AttachmentBusyError) for r in results), results
    assert len(bucket_keys(c, cid)) == 2  # one cleaned copy and one thumbnail, not one per confirm
    assert c.attachments.confirm(me, cid, aid).attachment.status is AttachmentStatus.READY


def test_only_the_two_parties_see_documents_and_staff_opens_are_logged(world) -> None:
    c, clock = world
    owner, me = someone()
    cid = consultation(c, clock, owner)
    aid = uploaded_and_confirmed(c, me, cid, documents.pdf(), "contract.pdf", "application/pdf")
    other_owner, other = someone()
    other_cid = consultation(c, clock, other_owner)
    for outsider in (other, attorney("att-002"), admin()):
        with pytest.raises(ConsultationNotFoundError):
            c.attachments.list(outsider, cid)
        with pytest.raises(ConsultationNotFoundError):
            c.attachments.confirm(outsider, cid, aid)
        with pytest.raises(ConsultationNotFoundError):
            c.attachments.request_upload(outsider, cid, filename="x.pdf", content_type="application/pdf", size=10)
    # another resident's attachment id under their own consultation: not found either
    from chalicelib.domain.attachments import AttachmentNotFoundError

    with pytest.raises(AttachmentNotFoundError):
        c.attachments.confirm(other, other_cid, aid)
    since = clock()
    clock.advance(seconds=1)
    c.attachments.list(me, cid)
    opened = c.attachments.list(attorney("att-001"), cid, ip="203.0.113.7")
    assert opened[0].url and opened[0].filename == "contract.pdf"
    entries = [e for e in c.audit.accesses(since, clock() + timedelta(seconds=1), owner=owner, limit=50)]
    assert [(e.actor, e.action, e.record, e.ip) for e in entries] == [
        ("kakao:att-001", "open_attachment", f"attachment:{cid}/{aid}", "203.0.113.7")]


def test_places_are_limited_per_consultation_and_a_rejection_gives_its_place_back(world) -> None:
    c, clock = world
    owner, me = someone()
    cid = consultation(c, clock, owner)
    ids = [c.attachments.request_upload(me, cid, filename=f"{n}.pdf", content_type="application/pdf",
                                        size=100).attachment.id for n in range(3)]
    bad = upload(c, me, cid, documents.HTML, "x.jpg", "image/jpeg")
    with pytest.raises(TooManyAttachmentsError):
        c.attachments.request_upload(me, cid, filename="5.pdf", content_type="application/pdf", size=100)
    assert c.attachments.confirm(me, cid, bad).attachment.status is AttachmentStatus.REJECTED
    c.attachments.request_upload(me, cid, filename="5.pdf", content_type="application/pdf", size=100)
    # forms never used stop holding places once they have expired
    with pytest.raises(TooManyAttachmentsError):
        c.attachments.request_upload(me, cid, filename="6.pdf", content_type="application/pdf", size=100)
    clock.advance(hours=1)
    c.attachments.request_upload(me, cid, filename="6.pdf", content_type="application/pdf", size=100)
    assert {c.attachment_store.get(cid, i).reason for i in ids} == {Rejection.NOT_UPLOADED}


def test_leaving_erases_the_documents_from_the_bucket(world) -> None:
    c, clock = world
    owner, me = someone()
    cid = consultation(c, clock, owner)
    uploaded_and_confirmed(c, me, cid, documents.photo_with_gps(), "slip.jpg", "image/jpeg")
    upload(c, me, cid, documents.pdf(), "unconfirmed.pdf", "application/pdf")  # still in incoming/
    assert len(bucket_keys(c, cid)) == 3
    c.accounts  # noqa: B018 - the container's erasers, as DELETE /api/me runs them
    for erase in c.personal_data_erasers:
        erase(owner)
    assert bucket_keys(c, cid) == []
    assert c.attachment_store.list(cid) == []


def test_withdrawing_or_expiring_a_request_erases_its_documents(world) -> None:
    """A request that ends without a consultation keeps no pay slip: withdrawn by its owner
    (DELETE /api/consultations/{id}) or expired by the daily job, its documents leave the bucket."""
    c, clock = world
    owner, me = someone()
    withdrawn = consultation(c, clock, owner, attorney_id=None)
    uploaded_and_confirmed(c, me, withdrawn, documents.pdf(), "contract.pdf", "application/pdf")
    assert len(bucket_keys(c, withdrawn)) == 1
    c.withdrawals.withdraw(me, withdrawn)
    assert bucket_keys(c, withdrawn) == [] and c.attachment_store.list(withdrawn) == []

    stale = consultation(c, clock, owner, attorney_id=None)
    uploaded_and_confirmed(c, me, stale, documents.photo_with_gps(), "slip.jpg", "image/jpeg")
    assert len(bucket_keys(c, stale)) == 2  # the checked photo and its thumbnail
    c.retention.expire_stale(clock() + timedelta(days=c.settings.policy.stale_request_days + 1))
    assert c.consultations.get(stale).status is Status.EXPIRED
    assert bucket_keys(c, stale) == [] and c.attachment_store.list(stale) == []


# --- the record store's contract: DynamoDB and the in-memory twin -----------------------------------

@pytest.fixture(params=["dynamo", "memory"])
def store(request, world) -> Any:
    c, _ = world
    return c.attachment_store if request.param == "dynamo" else MemoryAttachmentStore()


def _pending(cid: str, n: int = 0) -> Attachment:
    return Attachment(id=uuid.uuid4().hex, consultation_id=cid, uploader="kakao:x", side="resident",
                      declared_type="application/pdf", declared_size=10, status=AttachmentStatus.PENDING,
                      created_at=T0 + timedelta(seconds=n), upload_key=f"incoming/{cid}/{n}")


def test_store_contract(store) -> None:
    cid = str(uuid.uuid4())
    first, second = _pending(cid, 0), _pending(cid, 1)
    store.reserve(first, 2, T0 + timedelta(days=1))
    store.reserve(second, 2, T0 + timedelta(days=1))
    with pytest.raises(TooManyAttachmentsError):
        store.reserve(_pending(cid, 2), 2, T0 + timedelta(days=1))
    assert [a.id for a in store.list(cid)] == [first.id, second.id]
    assert store.claim(cid, first.id, T0, T0 - timedelta(minutes=2)) is True
    assert store.claim(cid, first.id, T0, T0 - timedelta(minutes=2)) is False  # held
    assert store.claim(cid, first.id, T0 + timedelta(minutes=5), T0 + timedelta(minutes=3)) is True  # stale
    store.finish(first.evolve(status=AttachmentStatus.REJECTED, reason=Rejection.WRONG_TYPE, checked_at=T0), None)
    with pytest.raises(AttachmentBusyError):
        store.finish(first.evolve(status=AttachmentStatus.READY, checked_at=T0), None)  # not checking any more
    assert store.get(cid, first.id).status is AttachmentStatus.REJECTED
    store.reserve(_pending(cid, 3), 2, T0 + timedelta(days=1))  # the rejection gave its place back
    assert store.claim(cid, first.id, T0, T0) is False  # final
    assert store.erase(cid) == 3 and store.list(cid) == [] and store.get(cid, second.id) is None


# --- the bucket -------------------------------------------------------------------------------------

def test_the_bucket_is_encrypted_private_unversioned_and_expires_with_the_retention(world, local_stack) -> None:
    from ops import stack

    c, _ = world
    s3, bucket = c.boto_session.client("s3"), c.settings.attachments_bucket
    assert bucket and bucket == local_stack.outputs["AttachmentsBucketName"]
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    default = rule["ApplyServerSideEncryptionByDefault"]
    assert default["SSEAlgorithm"] == "aws:kms"
    assert default["KMSMasterKeyID"].split("/")[-1] == local_stack.outputs["DataKeyArn"].split("/")[-1]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block[k] for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls",
                                  "RestrictPublicBuckets"))
    assert s3.get_bucket_versioning(Bucket=bucket).get("Status") != "Enabled"
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    policy = c.settings.policy
    assert rules["consultation-retention"]["Expiration"]["Days"] == policy.retention_days_after_close + 365
    assert rules["forget-unchecked-uploads"]["Expiration"]["Days"] == 1
    cors = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert cors[0]["AllowedOrigins"] == ["http://127.0.0.1:*"] and set(cors[0]["AllowedMethods"]) == {"GET", "POST"}
    # the template: TLS only on AWS (the emulator serves plain HTTP), malware scanning on AWS stages
    resources = stack.load_template()["Resources"]
    statements = resources["AttachmentsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
               for s in statements)
    plan = resources["AttachmentsMalwareProtection"]
    assert plan["Type"] == "AWS::GuardDuty::MalwareProtectionPlan" and plan["Condition"] == "IsAws"
    assert plan["Properties"]["ProtectedResource"]["S3Bucket"]["BucketName"] == {"Ref": "AttachmentsBucket"}
    app = resources["AppRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    s3_actions = sorted(a for st in app for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
                        if a.startswith("s3:"))
    assert s3_actions == ["s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]
