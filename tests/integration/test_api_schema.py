"""Schemathesis against the running app: every operation of ``/api/openapi.json``, as a resident,
an attorney and an admin, then a stateful run along the links schemathesis infers between them.

The app is a real HTTP server (``ops.processes.app_server``, with the dev identity provider) on a
stack deployed into an emulator of this module's own (``private_stack``): the run creates
consultations, attorneys, invites and sessions at random, and none of that may reach other tests.

Each operation is run by the roles that can get past its guard, with real session tokens: a
resident everything but ``/api/admin`` and ``/api/attorney``; an attorney ``/api/attorney``, a
consultation's pages and ``/api/me``; an admin ``/api/admin``, the consultation reads and
``/api/me``. Together they cover every operation of the document (checked below): none is
excluded. The sign-in routes run too: a generated ``state`` is refused before the identity
provider is asked anything. Generated ids rarely name anything, so path and query parameters are
drawn either as generated or from ids that exist (the role's own consultations, an attorney, the
two providers), and the handlers behind the 404s run as well.

Every check schemathesis has runs on every response (no 5xx, status codes, content types, headers
and bodies as declared, schema-invalid input rejected, authentication not ignored, 405 with
``Allow`` for undeclared methods, required headers...), except ``positive_data_acceptance``: see
``CHECKS``. A test fails with every problem found, each with a ``curl`` line to replay it.

Why schemathesis' engine (what ``st run`` runs) and not ``schema.parametrize()``: the schema
exists only once the server runs, and the lazy pytest loader (``schemathesis.pytest.from_fixture``)
does not work with pytest 9.2 (it assigns ``Node._nodeid``, which pytest 9.2's slotted nodes no
longer have). The engine runs the same phases (coverage, fuzzing, stateful) with the same config.

Cost is bounded, the emulator serving one request at a time: ``MAX_EXAMPLES`` fuzzed cases per
operation and role besides the coverage phase's, deterministic generation (the same cases every
run), ``STATEFUL_SCENARIOS`` scenarios of at most ``STATEFUL_STEPS`` calls.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from chalicelib.composition import Container
from chalicelib.domain.attorneys import Attorney, AttorneyContact
from chalicelib.domain.availability import Availability
from chalicelib.domain.identity import Provider
from chalicelib.settings import Settings
from devtools.idp import accounts
from tests.integration.conftest import PrivateStack
from tests.support import local_site, scaled, verified_staff_session

pytestmark = pytest.mark.emulator

# fuzzed examples per operation and role, besides the coverage phase's cases (make test / make test-heavy)
MAX_EXAMPLES = scaled(4, 15)
STATEFUL_SCENARIOS, STATEFUL_STEPS = 20, 8  # the stateful run is short: the same in both
CATEGORY, REGION = "wage_arrears", "yeoju"
SCHEMA_ATTORNEY = "att-schema-1"  # the attorney of the booked consultations, linked to the attorney's account

# ``positive_data_acceptance`` says a request the schema allows must not get a 400. The API has rules
# a JSON schema cannot state, and answers them with a 400 a person can act on: a phone number valid in
# the Korean numbering plan, a ``next`` cursor the API gave out, dates in the past... Every other
# check is on.
# use_after_free expects a DELETE to remove its resource; DELETE /api/consultations/{id} withdraws the request,
# which stays readable to its owner as "withdrawn" with its room's transcript (CONTRACT "withdrawing"), so the
# check would flag the designed behaviour. Withdrawal's own rules are held by tests/functional/test_withdraw_api.py.
CHECKS: dict[str, Any] = {"positive_data_acceptance": {"enabled": False}, "use_after_free": {"enabled": False}}

Role = str  # "resident" | "attorney" | "admin"


def _is_admin_path(path: str) -> bool:
    return path.startswith("/api/admin/")


def _is_attorney_path(path: str) -> bool:
    return path.startswith("/api/attorney/")


REACHABLE: dict[Role, Callable[[str, str], bool]] = {
    "resident": lambda method, path: not (_is_admin_path(path) or _is_attorney_path(path)),
    "attorney": lambda method, path: _is_attorney_path(path) or path.startswith("/api/consultations/{")
    or (method, path) == ("GET", "/api/me"),
    "admin": lambda method, path: _is_admin_path(path) or (path.startswith("/api/consultations")
                                                          and method in ("GET", "DELETE"))
    or (method, path) == ("GET", "/api/me"),
}

# These end the session they are sent with: each case gets a session of its own. Leaving
# (``DELETE /api/me``) erases the person's data, so it is done by a throwaway resident.
SESSION_ENDING = {("POST", "/auth/logout"), ("DELETE", "/api/me")}
# "My sessions" lists the caller's session ids, and the stateful run feeds one to DELETE: run both
# as a resident of their own, so that the roles' sessions stay up.
OWN_SESSIONS = "/api/me/sessions"


@dataclass
class Site:
    url: str
    minting: Container
    tokens: dict[Role, str]
    known: dict[Role, dict[str, list[str]]]
    subjects: dict[Role, str] = field(default_factory=dict)

    def disposable_token(self, role: Role, method: str, path: str) -> str:
        """A fresh session: the role's own for a logout, a throwaway resident's for leaving."""
        if (method, path) == ("DELETE", "/api/me") or role not in self.subjects:
            subject = f"kakao:{accounts.kakao_id('schema-leaver-' + uuid.uuid4().hex[:10])}"
        else:
            subject = self.subjects[role]
            if role in ("attorney", "admin"):
                return verified_staff_session(self.minting, subject, Provider.KAKAO).access_token
        return self.minting.sessions.start(subject, Provider.KAKAO).access_token


def _subject(account: str) -> str:
    return f"kakao:{accounts.kakao_id(account)}"


def _intake(mode: str) -> dict[str, Any]:
    return {"category": CATEGORY, "region": REGION, "mode": mode, "method": "phone", "name": "홍길동",
            "phone": "010-2345-6789", "consent_privacy": True,
            "description": "My employer has not paid my wages for two months."}


def _call(method: str, url: str, token: str, expected: int, **kwargs: Any) -> Any:
    response = requests.request(method, url, headers={"Authorization": f"Bearer {token}",
                                                      **kwargs.pop("headers", {})}, timeout=60, **kwargs)
    assert response.status_code == expected, (method, url, response.status_code, response.text[:300])
    return response.json()


def _booked_consultation(site_url: str, token: str) -> tuple[str, str]:
    """A reservation consultation booked on the first open slot: (consultation id, attorney id)."""
    made = _call("POST", f"{site_url}/api/consultations", token, 201, json=_intake("reservation"),
                 headers={"Idempotency-Key": str(uuid.uuid4())})
    slots = _call("GET", f"{site_url}/api/slots", token, 200, params={"consultation_id": made["id"]})
    assert slots, "no open slot for the schema run's consultation"
    booking = _call("POST", f"{site_url}/api/consultations/{made['id']}/booking", token, 201,
                    json={"start": slots[0]["start"]})
    return made["id"], booking["attorney"]["id"]


@pytest.fixture(scope="module")
def site(private_stack: PrivateStack) -> Iterator[Site]:
    """The app and the identity provider on the private stack, with a resident, an attorney and an
    admin signed in, and consultations of theirs that exist."""
    container = private_stack.container
    now = container.clock()
    # the attorney of the booked consultations, and another one for the admin's roster operations
    attorney = Attorney(id=SCHEMA_ATTORNEY, display_name="스키마 노무사", categories=frozenset({CATEGORY}),
                        regions=frozenset({REGION}), subjects=frozenset({_subject("schema-attorney")}))
    roster = Attorney(id="att-schema-2", display_name="명부 노무사", categories=frozenset({"dismissal"}),
                      regions=frozenset({"suwon"}))
    for n, person in enumerate((attorney, roster)):
        container.attorneys.save(person, AttorneyContact(phone=f"+82100009990{n}",
                                                         email=f"schema-{n}@example.invalid"), now)
    container.bookings.save_availability(attorney.id, Availability.full(container.calendar), now)
    with local_site(private_stack.env, container, wanted=lambda _a: False) as (url, env):
        minting = Container(Settings.from_env(env))  # issues tokens for the server's own origin
        subjects = {"resident": _subject("schema-resident"), "attorney": _subject("schema-attorney"),
                    "admin": _subject("admin")}
        tokens = {role: (verified_staff_session(minting, subject, Provider.KAKAO) if role != "resident"
                         else minting.sessions.start(subject, Provider.KAKAO)).access_token
                  for role, subject in subjects.items()}
        other = minting.sessions.start(_subject("schema-other-resident"), Provider.KAKAO).access_token
        mine, assigned = _booked_consultation(url, tokens["resident"])
        # the attorney's consultation: not the resident's, so the resident's run cannot cancel it
        theirs, assigned_too = _booked_consultation(url, other)
        assert assigned == assigned_too == attorney.id
        queued = _call("POST", f"{url}/api/consultations", tokens["resident"], 201, json=_intake("realtime"),
                       headers={"Idempotency-Key": str(uuid.uuid4())})["id"]
        _call("POST", f"{url}/api/consultations/{theirs}/messages", other, 201, json={"text": "안녕하세요"})
        providers = [p.value for p in Provider]
        known = {
            "resident": {"consultation_id": [mine, queued], "provider": providers},
            "attorney": {"consultation_id": [theirs]},
            "admin": {"consultation_id": [mine, theirs, queued], "attorney_id": [roster.id]},
        }
        yield Site(url, minting, tokens, known, subjects)


def _config(stateful: bool) -> SchemathesisConfig:
    """Per-operation phases for the role runs; the stateful phase alone for the stateful run."""
    return SchemathesisConfig.from_dict({
        "generation": {"max-examples": STATEFUL_SCENARIOS if stateful else MAX_EXAMPLES,
                       "deterministic": True, "database": "none",
                       # strings a client can send: a lone surrogate is not text, and JSON turns
                       # two of them into one character, which no length limit can account for
                       "codec": "utf-8"},
        "checks": CHECKS,
        "phases": {"examples": {"enabled": not stateful}, "coverage": {"enabled": not stateful},
                   "fuzzing": {"enabled": not stateful},
                   "stateful": {"enabled": stateful, "max-steps": STATEFUL_STEPS}},
        "request-timeout": 60,
        "workers": 1,
    })


def _role_of(method: str, path: str) -> Role:
    """For the stateful run: the role an operation is meant for."""
    if _is_admin_path(path):
        return "admin"
    if _is_attorney_path(path):
        return "attorney"
    return "resident"


def _load(site: Site, role_of: Callable[[str, str], Role], known: dict[str, list[str]], *,
          stateful: bool) -> Any:
    schema = schemathesis.openapi.from_url(f"{site.url}/api/openapi.json", config=_config(stateful))

    @schema.auth(refresh_interval=None)
    class RoleAuth:
        """The role's Bearer token where security is declared; a fresh session where a call ends one."""

        def get(self, case: Any, context: Any) -> str | None:
            method, path = case.operation.method.upper(), case.operation.path
            if (method, path) in SESSION_ENDING:
                return site.disposable_token(role_of(method, path), method, path)
            if path.startswith(OWN_SESSIONS):
                return site.minting.sessions.start(_subject("schema-sessions-owner"), Provider.KAKAO).access_token
            if "security" not in case.operation.definition.raw:
                return None
            return site.tokens[role_of(method, path)]

        def set(self, case: Any, data: str | None, context: Any) -> None:
            if data is not None:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    def existing(generated: dict[str, Any] | None) -> Any:
        choices = {name: known[name] for name in generated or {} if known.get(name)}
        if not choices or not isinstance(generated, dict):
            return st.just(generated)
        replaced = st.fixed_dictionaries({name: st.sampled_from(ids) for name, ids in choices.items()})
        return st.one_of(st.just(generated), replaced.map(lambda ids: {**generated, **ids}))

    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
        return existing(path_parameters)

    @schema.hook
    def flatmap_query(context: Any, query: dict[str, Any] | None) -> Any:
        return existing(query)

    return schema


@dataclass
class Report:
    """What one engine run did and every problem it found."""

    phases: dict[str, str] = field(default_factory=dict)
    operations: set[str] = field(default_factory=set)
    cases: Counter[str] = field(default_factory=Counter)  # by phase
    statuses: Counter[int] = field(default_factory=Counter)
    linked: Counter[bool] = field(default_factory=Counter)  # steps that followed a link, by 2xx or not
    problems: dict[tuple[str, str, str], str] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [f"{len(self.operations)} operations, cases {dict(self.cases)}, "
                 f"linked steps {dict(self.linked)}, {self.seconds:.1f}s; phases {self.phases}; "
                 f"statuses {dict(sorted(self.statuses.items()))}"]
        for (label, code, title), detail in sorted(self.problems.items()):
            lines.append(f"\n[{code}] {label}: {title}\n{detail}")
        return "\n".join(lines)


def run_engine(schema: Any) -> Report:
    """Run schemathesis' engine (what ``st run`` runs) and collect every check failure and error."""
    report = Report()
    started = time.monotonic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseFinished):
            report.phases[event.phase.name.value] = event.status.value
        elif isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            report.operations.update(node.value.operation.label for node in recorder.cases.values())
            report.cases[event.phase.value] += len(recorder.cases)
            report.statuses.update(answer.response.status_code for answer in recorder.interactions.values()
                                   if answer.response is not None)
            for case_id, node in recorder.cases.items():
                answer = recorder.interactions.get(case_id)
                if node.transition is not None and answer is not None and answer.response is not None:
                    report.linked[answer.response.status_code < 300] += 1
            for checks in recorder.checks.values():
                for check in checks:
                    if check.status is Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        key = (failure.operation or event.label or "?", failure.code, failure.title)
                        detail = f"{failure.message}\n{check.failure_info.code_sample}"
                        report.problems.setdefault(key, detail)
        elif isinstance(event, events.NonFatalError):
            key = (event.label, "error", type(event.value).__name__)
            report.problems.setdefault(key, event.info.format())
        elif isinstance(event, events.FatalError):
            key = ("run", "fatal", type(event.exception).__name__)
            report.problems.setdefault(key, repr(event.exception))
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                key = (failure.operation or "run", failure.code, failure.title)
                report.problems.setdefault(key, failure.message)
    report.seconds = time.monotonic() - started
    return report


def _operations(site: Site) -> set[tuple[str, str]]:
    document = requests.get(f"{site.url}/api/openapi.json", timeout=30).json()
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def _fresh_staff_tokens(site: Site) -> None:
    """Staff tokens whose second factor is minutes old at most: roster changes need a recent one
    (step-up), and the module's runs take longer than that together. An earlier run's admin may have
    unlinked the attorney's account (the accounts listed by ``GET …/accounts`` feed ``DELETE``) or
    deactivated the profile (``PATCH`` with ``active: false``): the fixture's link and the active
    profile are put back first, so the attorney's token carries the attorney role again."""
    from dataclasses import replace

    profile = site.minting.attorneys.get(SCHEMA_ATTORNEY)
    if site.subjects["attorney"] not in profile.subjects or not profile.active:
        site.minting.attorneys.save(replace(profile, subjects=profile.subjects | {site.subjects["attorney"]},
                                            active=True),
                                    site.minting.attorneys.contact(SCHEMA_ATTORNEY))
    for role in ("attorney", "admin"):
        tokens = verified_staff_session(site.minting, site.subjects[role], Provider.KAKAO)
        site.tokens[role] = tokens.access_token


def _still_signed_in(site: Site, role: Role, *, admin_may_end_it: bool = False) -> None:
    """The run ended no session of the role's (or its checks would have met 401s and little else).
    ``admin_may_end_it``: the admin's calls may have deactivated the attorney, reset their second
    factor or unlinked their account, which ends the attorney's sessions at once, as it should."""
    if admin_may_end_it:
        import jwt

        sid = jwt.decode(site.tokens[role], options={"verify_signature": False})["sid"]
        session = site.minting.session_store.get(sid)
        if session.revoked_at is not None:
            assert session.revoked_reason in ("attorney_deactivated", "second_factor_reset", "account_unlinked"), \
                session
            return
    me = _call("GET", f"{site.url}/api/me", site.tokens[role], 200)
    assert me["role"] == role and me["id"] == site.subjects[role], me


def test_every_operation_is_run_by_some_role(site: Site) -> None:
    operations = _operations(site)
    assert len(operations) >= 45
    assert not {op for op in operations if not any(reachable(*op) for reachable in REACHABLE.values())}


@pytest.mark.parametrize("role", ["resident", "attorney", "admin"])
def test_every_operation_conforms_for(site: Site, role: Role) -> None:
    reachable = REACHABLE[role]
    _fresh_staff_tokens(site)
    expected = {f"{method} {path}" for method, path in _operations(site) if reachable(method, path)}
    schema = _load(site, lambda _method, _path: role, site.known[role], stateful=False)
    schema = schema.include(lambda ctx: reachable(ctx.operation.method.upper(), ctx.operation.path))
    report = run_engine(schema)
    print(f"{role}: {report.summary()}")
    assert not report.problems, report.summary()
    assert report.phases["coverage"] == report.phases["fuzzing"] == "success", report.summary()
    assert report.operations == expected, sorted(expected ^ report.operations)
    # past the guards: the role's calls succeeded too, not only 4xx
    assert sum(n for status, n in report.statuses.items() if 200 <= status < 300) >= 20, report.summary()
    _still_signed_in(site, role)


def test_stateful_run_follows_inferred_links(site: Site) -> None:
    """Sequences of calls where one response feeds the next request (ids of consultations made,
    bookings, messages), each call by the role the operation is meant for."""
    known = {name: ids for role in ("resident", "admin") for name, ids in site.known[role].items()}
    _fresh_staff_tokens(site)
    report = run_engine(_load(site, _role_of, known, stateful=True))
    print(f"stateful: {report.summary()}")
    assert not report.problems, report.summary()
    assert report.phases["stateful"] == "success", report.summary()
    assert report.linked[True] > 0, report.summary()  # a step fed by an earlier response, answered 2xx
    for role in ("resident", "attorney", "admin"):
        _still_signed_in(site, role, admin_may_end_it=role == "attorney")
    _attorney_back(site)


def _attorney_back(site: Site) -> None:
    """Undo what the admin's steps may have done to the attorney (deactivation, a factor reset), so
    the attorney's own run, in whatever order it comes, has a working session."""
    from dataclasses import replace

    attorneys = site.minting.attorneys
    profile = attorneys.get("att-schema-1")
    if not profile.active:
        attorneys.save(replace(profile, active=True), attorneys.contact(profile.id), site.minting.clock())
    site.tokens["attorney"] = verified_staff_session(site.minting, site.subjects["attorney"],
                                                     Provider.KAKAO).access_token
