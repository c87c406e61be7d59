"""Documents in a real browser against the emulator: a phone photo of a pay slip attached at intake
(camera input), a PDF in the chat, both straight to the bucket; the assigned attorney sees how many
wait, opens both (the photo without its GPS position), the staff access log shows it; when the
resident leaves, the objects are gone from the bucket."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.consultations import Status
from devtools.idp import accounts
from ops.tick import local_now
from tests import documents
from tests.documents import bucket_keys
from tests.e2e.browser import DESKTOP, PHONE, chromium, journey_site, screenshot, serious_violations, sign_in
from tests.e2e.intake_form import UUID_PATH, consent_and_review, fill_up_to_contact

pytestmark = pytest.mark.browser

SITE_OPENS = datetime(2027, 3, 2, 10, 5, tzinfo=ZoneInfo("Asia/Seoul"))  # a Tuesday morning


live = journey_site(at=SITE_OPENS)


def test_pay_slip_at_intake_pdf_in_chat_attorney_opens_both_and_leaving_erases_them(live, container) -> None:
    site, env = live
    account = f"docs-{uuid.uuid4().hex[:6]}"
    owner = f"kakao:{accounts.kakao_id(account)}"
    photo = documents.photo_with_gps()
    paper = documents.pdf(pages=2)
    with chromium() as browser:
        resident = sign_in(browser.new_context(viewport=PHONE), site, account, "/consultations/new")
        fill_up_to_contact(resident, mode="realtime", method="chat", phone="010-3434-5656",
                           description="지난 두 달 치 월급을 받지 못했습니다. 급여명세서를 첨부합니다.")
        consent_and_review(resident, optional=False)  # the review step, where documents are added before sending
        camera = resident.locator("#documents-camera")
        assert camera.get_attribute("capture") == "environment" and camera.get_attribute("accept") == "image/*"
        assert "application/pdf" in resident.locator("#documents-file").get_attribute("accept")
        # a wrong type is refused on the spot, in Korean
        resident.set_input_files("#documents-file", files=[{"name": "payslip.html", "mimeType": "text/html",
                                                            "buffer": documents.HTML}])
        resident.locator("#documents-error", has_text="사진(JPEG, PNG, HEIC)과 PDF").wait_for()
        # the phone's camera: a photo of the pay slip, GPS position and all
        resident.set_input_files("#documents-camera", files=[{"name": "IMG_0412.jpg", "mimeType": "image/jpeg",
                                                              "buffer": photo}])
        resident.locator("#documents-progress li", has_text="IMG_0412.jpg").wait_for()
        resident.click("#submit")
        resident.wait_for_url(UUID_PATH, timeout=60000)
        match = UUID_PATH.search(resident.url)
        assert match is not None
        cid = match.group(1)
        assert "IMG_0412" not in resident.url
        # the request view shows its thumbnail
        thumb = resident.locator("#documents-list img.documents-thumb")
        thumb.wait_for(timeout=20000)
        resident.wait_for_function("() => document.querySelector('#documents-list img').naturalWidth > 0")
        assert serious_violations(resident) == []
        screenshot(resident, "documents-request-360")

        # an attorney takes it (as the offer flow would), and the resident sends a PDF in the chat
        now = container.clock()
        container.consultations.transition(cid, Status.MATCHED, now, attorney_id="att-001")
        resident.goto(f"{site}/consultations/{cid}/room")
        resident.wait_for_selector("#messages:not([hidden])")
        resident.set_input_files("#documents-file", files=[{"name": "근로계약서.pdf", "mimeType": "application/pdf",
                                                            "buffer": paper}])
        resident.locator("#documents-list li", has_text="근로계약서.pdf").wait_for(timeout=20000)
        assert resident.locator("#documents-list li.documents-item").count() == 2
        assert serious_violations(resident) == []
        assert resident.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
        screenshot(resident, "documents-room-360")

        # the attorney's console says how many documents wait; the room shows both
        lawyer = sign_in(browser.new_context(viewport=DESKTOP), site, "attorney-001", "/attorney")
        lawyer.locator("#assigned .documents-count", has_text="읽을 서류 2건").wait_for(timeout=20000)
        since = local_now(env) - timedelta(seconds=5)  # the site's clock
        lawyer.goto(f"{site}/consultations/{cid}/room")
        image = lawyer.locator("#documents-list button.documents-open")
        image.wait_for(timeout=20000)
        image.click()
        viewer = lawyer.locator("#documents-viewer")
        viewer.wait_for(state="visible")
        lawyer.wait_for_function("() => document.getElementById('documents-viewer-image').naturalWidth === 1200")
        src = lawyer.get_attribute("#documents-viewer-image", "src")
        served = lawyer.request.get(src)
        assert served.ok and served.body()[:3] == b"\xff\xd8\xff" and not documents.has_gps(served.body())
        screenshot(lawyer, "documents-viewer-attorney")
        lawyer.keyboard.press("Escape")
        pdf_link = lawyer.locator("#documents-list a.documents-open", has_text="근로계약서.pdf")
        href = pdf_link.get_attribute("href")
        assert pdf_link.get_attribute("target") == "_blank" and "근로계약서" not in href
        with lawyer.context.expect_page() as opened:
            pdf_link.click()
        assert opened.value is not None
        fetched = lawyer.request.get(href)
        assert fetched.ok and fetched.body() == paper
        assert lawyer.script_errors == [] and resident.script_errors == []  # type: ignore[attr-defined]

        # the staff access log: the attorney opened the resident's two documents
        entries = container.audit.accesses(since, local_now(env) + timedelta(minutes=1), owner=owner, limit=50)
        opened_docs = {(e.actor_role, e.record.split("/")[0]) for e in entries if e.action == "open_attachment"}
        assert opened_docs == {("attorney", f"attachment:{cid}")}
        assert len({e.record for e in entries if e.action == "open_attachment"}) == 2

        # the resident leaves: the documents are gone from the bucket
        assert len(bucket_keys(container, cid)) == 3  # the photo, its thumbnail, the PDF
        left = resident.evaluate("""async () => {
            const csrf = document.cookie.split('; ').find(c => c.startsWith('csrf=')).slice(5);
            const r = await fetch('/api/me', {method: 'DELETE', credentials: 'same-origin',
                                              headers: {'X-CSRF-Token': decodeURIComponent(csrf)}});
            return r.status;
        }""")
        assert left == 200
    assert bucket_keys(container, cid) == []
