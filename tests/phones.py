"""A resident verifies their contact phone the way the intake form does it: ``POST
/api/me/phone-verification``, the code read from the SMS that really went out (the notifier twin,
the emulator's outbox or the SENS emulator's), then ``/confirm``. Resident SMS and 알림톡 go to
verified numbers only (``Policy.sms_to_verified_phones_only``, on by default), so every test that
expects one verifies the number first, through the app."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers

CodeReader = Callable[[str], str]  # E.164 number -> the code in the last SMS it got


def e164(phone: str) -> str:
    return phonenumbers.format_number(phonenumbers.parse(phone, "KR"), phonenumbers.PhoneNumberFormat.E164)


def _code_in(texts: list[str], phone: str) -> str:
    assert texts, f"no SMS went to {phone}"
    codes = re.findall(r"\b\d{6}\b", texts[-1])
    assert len(codes) == 1, texts[-1]
    return codes[0]


def code_from_notifier(notifier: Any) -> CodeReader:
    """The code in the last SMS the notifier twin (``tests/twins/memory.py``) recorded for a number."""
    return lambda phone: _code_in([text for to, text in notifier.sms if to == phone], phone)


def code_from_outbox(endpoint: str) -> CodeReader:
    """The code in the last SMS the emulator's SNS delivered to a number (``ops/outbox.py``)."""
    from ops.outbox import sent_sms

    return lambda phone: _code_in([m["text"] for m in sent_sms(endpoint) if m["to"] == phone], phone)


def code_from_sens(base_url: str) -> CodeReader:
    """The code in the last SMS the SENS emulator took for a number (it keeps domestic numbers)."""
    from chalicelib.adapters.sens_notifier import domestic
    from ops.outbox import sent_sens

    return lambda phone: _code_in([m["text"] for m in sent_sens(base_url) if m["to"] == domestic(phone)], phone)


def verify_phone(post: Callable[..., Any], headers: Mapping[str, str], phone: str, read_code: CodeReader) -> None:
    """``post(path, body=..., headers=...)`` answers with ``.status`` (``tests.support.ApiClient.post``
    or ``HttpApi.post`` below): the code is asked for, read where it went, and entered."""
    sent = post("/api/me/phone-verification", body={"phone": phone}, headers=dict(headers))
    assert sent.status == 202, (sent.status, sent.body)
    code = read_code(e164(phone))
    done = post("/api/me/phone-verification/confirm", body={"phone": phone, "code": code}, headers=dict(headers))
    assert done.status == 200, (done.status, done.body)


def verify_with(service: Any, principal: Any, phone: str, read_code: CodeReader) -> None:
    """The same through the service (``container.phone_verification``), for tests that drive services."""
    service.send_code(principal, e164(phone), "ko")
    service.confirm(principal, e164(phone), read_code(e164(phone)))


class HttpApi:
    """``post`` against a running app server (``local_site``, ``processes.app_server``)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def post(self, path: str, *, body: Any, headers: Mapping[str, str]) -> Any:
        import requests

        response = requests.post(self.base_url + path, json=body, headers=dict(headers), timeout=30)
        return type("Answer", (), {"status": response.status_code, "body": response.content})()


def verify_in_intake_form(page: Any, sens_base_url: str) -> None:
    """In Chromium, on the intake form's contact step with the number typed: '인증번호 받기', the
    code read from the SENS emulator's outbox as the phone would show it, typed, '확인'."""
    page.click("#phone-check-send")
    page.locator("#phone-check-code").wait_for(state="visible")
    code = code_from_sens(sens_base_url)(e164(page.input_value("#phone")))
    page.fill("#phone-check-code", code)
    page.click("#phone-check-confirm")
    page.locator("#phone-check.verified").wait_for()


MOBILE = "010-2345-6789"  # the number ``PhoneVerificationApp`` verifies unless told another


@dataclass
class PhoneVerificationApp:
    """The app through its API, on a container whose sign-in, SMS notifier and verification store are
    twins (``phone_verification_app``); ``clock[0]`` is the container's clock."""

    api: Any  # tests.support.ApiClient
    container: Any
    auth: Any  # tests.fakes.FakeAuthenticator
    notifier: Any  # tests.twins.memory.MemoryNotifier
    store: Any  # tests.twins.memory_phone.MemoryPhoneVerificationStore
    clock: list[datetime]

    def send(self, who: Any, phone: str = MOBILE, lang: str = "ko") -> Any:
        return self.api.post("/api/me/phone-verification", body={"phone": phone},
                             headers={**self.auth.headers_for(who), "Accept-Language": lang})

    def confirm(self, who: Any, code: str, phone: str = MOBILE, lang: str | None = None) -> Any:
        language = {"Accept-Language": lang} if lang else {}
        return self.api.post("/api/me/phone-verification/confirm", body={"phone": phone, "code": code},
                             headers={**self.auth.headers_for(who), **language})

    def state(self, who: Any, phone: str = MOBILE) -> Any:
        return self.api.post("/api/me/phone-verification/status", body={"phone": phone},
                             headers=self.auth.headers_for(who))

    def last_code(self, phone: str = MOBILE) -> str:
        """The code in the last SMS to ``phone``."""
        texts = [text for to, text in self.notifier.sms if to == e164(phone)]
        [code] = re.findall(r"\b\d{6}\b", texts[-1])
        return code


@contextmanager
def phone_verification_app(env: Mapping[str, str], now: datetime) -> Iterator[PhoneVerificationApp]:
    """``PhoneVerificationApp`` on the settings ``env`` gives (stage ``local``), its clock at ``now``,
    installed as the app's container while the block runs."""
    from chalicelib.composition import Container, use_container
    from chalicelib.settings import Settings
    from tests.fakes import FakeAuthenticator
    from tests.support import ApiClient
    from tests.twins.memory import MemoryNotifier
    from tests.twins.memory_phone import MemoryPhoneVerificationStore

    clock = [now]
    container = Container(Settings.from_env({"MAEUL_STAGE": "local", **env}), clock=lambda: clock[0])
    auth, notifier, store = FakeAuthenticator(), MemoryNotifier(), MemoryPhoneVerificationStore()
    container.__dict__.update(authenticator=auth, notifier=notifier, phone_verification_store=store)
    use_container(container)
    try:
        yield PhoneVerificationApp(ApiClient(), container, auth, notifier, store, clock)
    finally:
        use_container(None)
