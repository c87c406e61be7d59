"""Helpers shared by the test suites."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.clock import CLOCK_VAR, pinned

# ``make test`` runs the heavy runs (the booking race, the schema fuzz, the load run) at a gate
# size that still exercises every path; ``make test-heavy`` (run by CI too) at full size.
FULL_SCALE = os.environ.get("MAEUL_TEST_SCALE") == "full"


def scaled(gate: int, full: int) -> int:
    """The size of a heavy run: ``full`` under ``make test-heavy``, ``gate`` in ``make test``."""
    return full if FULL_SCALE else gate


@dataclass
class ApiResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class ApiClient:
    """The Chalice app in-process (``chalice.test``'s HTTP client), with the local
    stage's environment applied to every request."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        from chalice.test import TestHTTPClient

        from app import app
        from ops.localstage import chalice_config

        self._http = TestHTTPClient(app, chalice_config(dict(env or {})))

    def request(self, method: str, path: str, *, body: Any = None, headers: Mapping[str, str] | None = None,
                raw: bytes | None = None) -> ApiResponse:
        hdrs = dict(headers or {})
        data = b""
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
        response = self._http.request(method, path, headers=hdrs, body=data)
        return ApiResponse(response.status_code, {k.lower(): v for k, v in response.headers.items()},
                           response.body or b"")

    def get(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("POST", path, **kwargs)


def unverified_subject(access_token: str) -> str:
    """The ``sub`` of one of our access tokens, read without checking it (tests only)."""
    import jwt

    return jwt.decode(access_token, options={"verify_signature": False})["sub"]


def totp_code(container: Any, subject: str, advance: Any = None) -> str:
    """The code ``subject``'s authenticator app shows now on the container's clock. When this
    step's code was used already (a second sign-in within 30 seconds), ``advance(seconds=30)`` is
    called first if given -- a person would wait for the next code."""
    from chalicelib.domain.second_factor import code_at, step_of

    factor = container.second_factors.get(subject)
    assert factor is not None, f"{subject} has no second factor"
    if factor.last_step >= step_of(container.clock()) and advance is not None:
        advance(seconds=30)
    return code_at(factor.secret, container.clock())


def staff_code(container: Any, env: Mapping[str, str], account: str, provider: str = "kakao") -> str:
    """A code of a seeded staff account that the app started with ``env`` accepts now: its clock's
    step, or the next one when this step's code was used already (a second sign-in within 30 s; the
    app accepts one step of drift either side). ``container`` reads the stored factor."""
    from chalicelib.domain.second_factor import STEP_SECONDS, code_at, step_of
    from chalicelib.settings import Settings
    from ops import dev_totp

    subject = dev_totp.subjects_of(account, container.settings.naver_client_id)[provider]
    factor = container.second_factors.get(subject)
    assert factor is not None, f"{account} has no second factor (local_site enrols the seeded staff)"
    clock = Settings.from_env(dict(env)).make_clock()
    now = clock()
    if factor.last_step > step_of(now) + 1:
        # the last code was taken by a site of this stack whose clock ran ahead (another test module):
        # enrol afresh, as an admin's reset would, so this site's clock can be met
        container.second_factors.remove(subject)
        dev_totp.enrol(container, [subject])
        factor = container.second_factors.get(subject)
    step = max(step_of(now), factor.last_step + 1)
    while step > step_of(now) + 1:  # this step's and the next one's codes are spent: wait, as a person would
        time.sleep(STEP_SECONDS - now.timestamp() % STEP_SECONDS + 0.2)
        now = clock()
    return code_at(factor.secret, datetime.fromtimestamp(step * STEP_SECONDS, now.tzinfo))


def verified_staff_session(container: Any, subject: str, provider: Any) -> Any:
    """Tokens of a staff session that has passed its second factor (as after ``POST
    /auth/second-factor``), minted server-side like every test session."""
    tokens = container.sessions.start(subject, provider)
    container.sessions.confirm_second_factor(tokens.session_id)
    return tokens


def assert_error(response: ApiResponse, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status == status, (response.status, response.body[:500])
    assert response.headers.get("content-type", "").startswith("application/json")
    error = response.json["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


# The sites ``local_site`` is serving: URL -> (container, environment), for staff members' codes.
LOCAL_SITES: dict[str, tuple[Any, dict[str, str]]] = {}


@contextlib.contextmanager
def local_site(stack_env: dict[str, str], container: Any, wanted: Any = None,
               at: datetime | None = None) -> Iterator[tuple[str, dict[str, str]]]:
    """The dev identity provider, the dev SENS emulator and the app on free ports against the test stack.

    Seeded attorneys for whom ``wanted(attorney)`` holds (default: attorney-001
    only) are put on the roster first, linked to their dev accounts as the seed does, and they and
    the ``admin`` account are enrolled in the staff second factor (``staff_code`` gives their codes).
    ``at``: the app's clock starts at that instant (``MAEUL_CLOCK``) and advances normally;
    the returned environment carries it, so jobs run with it agree.
    """
    from ops import dev_totp, processes
    from ops.seed import seed_attorneys

    kept = []
    for number, (attorney, contact) in enumerate(seed_attorneys(container.settings.naver_client_id)):
        keep = wanted(attorney) if wanted is not None else number == 0
        if keep and container.attorneys.get(attorney.id) is None:
            container.attorneys.save(attorney, contact)
        if keep:
            kept.append(attorney)
    dev_totp.enrol(container, dev_totp.seeded_staff_subjects(container, kept))  # as ``scripts/seed`` does
    aws_port = stack_env["AWS_ENDPOINT_URL"].rsplit(":", 1)[1]
    app_port, idp_port, sens_port = processes.free_port(), processes.free_port(), processes.free_port()
    translate_port = processes.free_port()
    # the app derives its public base URL (the tokens' issuer) from its port: so does ``env``;
    # residents are told through the SENS emulator (its outbox: ``env["MAEUL_SENS_BASE_URL"]``)
    env = {**stack_env, "MAEUL_AWS_PORT": aws_port, "MAEUL_APP_PORT": str(app_port),
           "MAEUL_IDP_PORT": str(idp_port), "MAEUL_PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
           "MAEUL_SENS_PORT": str(sens_port), "MAEUL_SENS_BASE_URL": f"http://127.0.0.1:{sens_port}",
           "MAEUL_RESIDENT_CHANNEL": "sens",
           # chat between people who share no language goes through the dev translator
           "MAEUL_CHAT_TRANSLATION": "amazon", "MAEUL_TRANSLATE_PORT": str(translate_port),
           "AWS_ENDPOINT_URL_TRANSLATE": f"http://127.0.0.1:{translate_port}"}
    if at is not None:
        env[CLOCK_VAR] = pinned(at)
    artifacts = processes.ROOT / "test-artifacts"
    idp = processes.identity_provider(idp_port, app_port, artifacts / f"idp-{idp_port}.log").start()
    sens = processes.sens(sens_port, artifacts / f"sens-{sens_port}.log").start()
    translator = processes.translator(translate_port, artifacts / f"translate-{translate_port}.log").start()
    app = processes.app_server(app_port, env, artifacts / f"app-{app_port}.log").start()
    url = f"http://127.0.0.1:{app_port}"
    LOCAL_SITES[url] = (container, env)  # what a browser test needs to type a staff member's code
    try:
        yield url, env
        # the outbound-message audit: every resident message is a template with only its variables
        from ops.outbox import sent_sens

        offenders = offending_messages(sent_sens(env["MAEUL_SENS_BASE_URL"]))
        assert offenders == [], offenders
    finally:
        LOCAL_SITES.pop(url, None)
        app.stop()
        sens.stop()
        translator.stop()
        idp.stop()



def offending_messages(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """The SMS and e-mails that are not one of the templates with only a time, a deadline and a
    link filled in, or that carry a mobile number outside their link."""
    import re

    from chalicelib.domain.notifications import template_patterns
    from chalicelib.web.mail import text_patterns

    patterns = [re.compile(p) for p in template_patterns() + text_patterns()]
    mobile = re.compile(r"01[016789]-?\d{3,4}-?\d{4}")
    return [m for m in messages if not any(p.fullmatch(m["text"]) for p in patterns)
            or mobile.search(re.sub(r"https?://\S+", "", m["text"]))]
