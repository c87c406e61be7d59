"""Translated chat through the app (chalice.test, the translator's in-memory twin): between a resident
writing Vietnamese and an attorney who does not speak it, each message carries its original and a
labelled machine translation the other way (sealed together); an attorney who speaks the language
gets no translation; Nepali (no machine translator) says so; a failing translator loses nothing."""

from __future__ import annotations

import uuid

from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Intake, Language, PersonalDetails, Status
from chalicelib.services import intake
from tests.fakes import attorney, resident
from tests.functional.test_messages_api import PHONE, World, world  # noqa: F401 - the fixture

ME, LAWYER = resident("res-1"), attorney("att-001")


def consultation_in(w: World, language: Language, *, attorney_speaks: frozenset[str] = frozenset()) -> str:
    c = w.container
    c.attorney_speaks = lambda attorney_id, code: attorney_id == "att-001" and code in attorney_speaks
    personal = PersonalDetails(name="Nguyễn Văn An", phone=PHONE, description="Tôi chưa được trả lương.")
    made = intake.submit(consultations=w.consultations, cipher=c.cipher, calendar=c.calendar,
                         policy=c.settings.policy, owner="kakao:res-1",
                         intake=Intake("wages", "ansan", Mode.REALTIME, Method.CHAT, language, personal),
                         idempotency_key=str(uuid.uuid4()), now=w.clock[0])
    w.consultations.transition(made.consultation.id, Status.MATCHED, w.clock[0], attorney_id="att-001")
    return made.consultation.id


def test_vietnamese_and_korean_each_get_a_labelled_machine_translation(world: World) -> None:  # noqa: F811
    cid = consultation_in(world, Language.VI)
    path = f"/api/consultations/{cid}/messages"
    sent = world.api.post(path, body={"text": "Tôi chưa được trả lương hai tháng."}, headers=world.h(ME))
    assert sent.status == 201
    assert sent.json["text"] == "Tôi chưa được trả lương hai tháng."  # the original, as written
    assert sent.json["translation"] == {"text": "[vi→ko] Tôi chưa được trả lương hai tháng.", "source": "vi",
                                        "target": "ko", "machine": True}
    assert world.api.post(path, body={"text": "언제부터 못 받으셨어요?"}, headers=world.h(LAWYER)).status == 201
    seen = world.api.get(path, headers=world.h(LAWYER)).json["items"]
    assert [(m["text"], m["translation"]["target"]) for m in seen] == [
        ("Tôi chưa được trả lương hai tháng.", "ko"), ("언제부터 못 받으셨어요?", "vi")]
    assert seen[1]["translation"]["text"] == "[ko→vi] 언제부터 못 받으셨어요?"
    assert world.container.translator.calls == [("vi", "ko", 34), ("ko", "vi", 13)]  # once each, at posting
    # stored sealed: neither the original nor the translation is readable in the store
    for item in world.store.messages(cid, None, 10):
        assert b"hai th" not in item.sealed and "언제부터".encode() not in item.sealed


def test_no_translation_when_the_attorney_speaks_the_language_or_both_speak_korean(world: World) -> None:  # noqa: F811
    for language, speaks in ((Language.VI, frozenset({"vi"})), (Language.KO_X_EASY, frozenset())):
        cid = consultation_in(world, language, attorney_speaks=speaks)
        sent = world.api.post(f"/api/consultations/{cid}/messages", body={"text": "Xin chào"}, headers=world.h(ME))
        assert sent.json["translation"] is None and sent.json["untranslated"] is None
    assert world.container.translator.calls == []


def test_nepali_has_no_machine_translator_and_the_thread_says_so(world: World) -> None:  # noqa: F811
    cid = consultation_in(world, Language.NE)
    sent = world.api.post(f"/api/consultations/{cid}/messages", body={"text": "मलाई तलब दिइएन।"}, headers=world.h(ME))
    assert sent.status == 201 and sent.json["text"] == "मलाई तलब दिइएन।"
    assert sent.json["translation"] is None and sent.json["untranslated"] == "unsupported"
    assert world.container.translator.calls == []


def test_a_failing_translator_sends_the_original_untranslated(world: World, capfd, caplog) -> None:  # noqa: F811
    # capfd: whatever reached the process's output; caplog: the log records themselves
    cid = consultation_in(world, Language.TH)
    world.container.translator.failing = True
    capfd.readouterr()
    sent = world.api.post(f"/api/consultations/{cid}/messages", body={"text": "ยังไม่ได้รับเงินเดือน"},
                          headers=world.h(ME))
    assert sent.status == 201 and sent.json["untranslated"] == "unavailable"
    captured = capfd.readouterr()
    logged = captured.out + captured.err + "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "message sent untranslated" in logged  # said, with the consultation's id
    assert "ยังไม่ได้รับ" not in logged  # never the text
    (item,) = world.api.get(f"/api/consultations/{cid}/messages", headers=world.h(LAWYER)).json["items"]
    assert item["text"] == "ยังไม่ได้รับเงินเดือน" and item["translation"] is None
