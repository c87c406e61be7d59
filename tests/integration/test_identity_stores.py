"""Sign-in storage: one contract, run against DynamoDB on the emulator and the in-memory twins.

Also: the JWT key set in Secrets Manager (first key, rotation) and the whole
session service against the real stack.
"""

from __future__ import annotations

import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.field_cipher import LocalFieldCipher
from chalicelib.adapters.jwt_tokens import KeySet, SecretsManagerKeySource
from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.identity import Provider
from chalicelib.domain.second_factor import Factor, new_secret
from chalicelib.domain.sessions import RefreshError, RefreshReuseError, Session, token_hash
from chalicelib.domain.users import InvalidInviteError, UserProfile
from ops import awscalls, jwt_keys
from tests.twins.memory_identity import (
    MemoryAttorneyLinks,
    MemoryFactorStore,
    MemoryInviteStore,
    MemorySessionStore,
    MemoryUserStore,
)

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def uid() -> str:
    return secrets.token_hex(6)


@pytest.fixture(params=["dynamodb", "memory"])
def sessions(request):
    return MemorySessionStore() if request.param == "memory" else request.getfixturevalue("container").session_store


@pytest.fixture(params=["dynamodb", "memory"])
def factors(request):
    return MemoryFactorStore(LocalFieldCipher()) if request.param == "memory" else \
        request.getfixturevalue("container").second_factors


@pytest.fixture(params=["dynamodb", "memory"])
def users(request):
    return MemoryUserStore(LocalFieldCipher()) if request.param == "memory" else \
        request.getfixturevalue("container").users


def new_session(subject: str | None = None) -> tuple[Session, str]:
    session = Session(id=f"s-{uid()}", subject=subject or f"kakao:{uid()}", provider=Provider.KAKAO,
                      created_at=T0, expires_at=T0 + timedelta(days=14))
    return session, f"r-{uid()}"


def test_rotation_swaps_the_current_token(sessions) -> None:
    session, first = new_session()
    sessions.create(session, token_hash(first))
    rotated = sessions.rotate(token_hash(first), token_hash("second" + first), T0 + timedelta(minutes=5))
    assert rotated.id == session.id and rotated.generation == 1
    again = sessions.rotate(token_hash("second" + first), token_hash("third" + first), T0 + timedelta(minutes=6))
    assert again.generation == 2
    assert sessions.session_of(token_hash("third" + first)).id == session.id


def test_reuse_revokes_the_family(sessions) -> None:
    session, first = new_session()
    sessions.create(session, token_hash(first))
    sessions.rotate(token_hash(first), token_hash("b" + first), T0)
    with pytest.raises(RefreshReuseError) as caught:
        sessions.rotate(token_hash(first), token_hash("c" + first), T0)
    assert caught.value.subject == session.subject
    with pytest.raises(RefreshError) as after:
        sessions.rotate(token_hash("b" + first), token_hash("d" + first), T0)
    assert after.value.reason == "session_revoked"
    assert sessions.get(session.id).revoked_reason == "refresh_reuse"


def test_unknown_and_expired_refresh_tokens(sessions) -> None:
    with pytest.raises(RefreshError) as unknown:
        sessions.rotate(token_hash("never-issued"), token_hash("x"), T0)
    assert unknown.value.reason == "refresh_unknown" and unknown.value.subject is None
    session, first = new_session()
    sessions.create(session, token_hash(first))
    with pytest.raises(RefreshError) as expired:
        sessions.rotate(token_hash(first), token_hash("y" + first), T0 + timedelta(days=15))
    assert expired.value.reason == "refresh_expired"


def test_concurrent_use_of_one_refresh_token_leaves_at_most_one_winner(sessions) -> None:
    session, first = new_session()
    sessions.create(session, token_hash(first))

    def attempt(n: int) -> str:
        try:
            sessions.rotate(token_hash(first), token_hash(f"{n}-{first}"), T0)
            return "won"
        except RefreshError as exc:
            return exc.reason

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert outcomes.count("won") <= 1
    assert sessions.get(session.id).revoked_at is not None  # a token used twice ends the family


def test_revoke_one_and_revoke_all(sessions) -> None:
    subject = f"naver:{uid()}"
    a, b, other = new_session(subject), new_session(subject), new_session()
    for session, token in (a, b, other):
        sessions.create(session, token_hash(token))
    assert sessions.revoke(a[0].id, T0, "logout").revoked_reason == "logout"
    assert sessions.revoke(a[0].id, T0, "again").revoked_reason == "logout"  # first reason stays
    assert sessions.revoke("no-such-session", T0, "logout") is None
    assert sessions.revoke_all(subject, T0, "account_deleted") == 1
    assert not sessions.get(b[0].id).is_live(T0)
    assert sessions.get(other[0].id).is_live(T0)


def test_a_second_factor_is_confirmed_on_a_live_session_only(sessions) -> None:
    session, _ = new_session()
    sessions.create(session, uid())
    assert sessions.get(session.id).second_factor_at is None
    confirmed = sessions.confirm_second_factor(session.id, T0 + timedelta(seconds=5))
    stored = sessions.get(session.id).second_factor_at
    assert confirmed.second_factor_at == stored == T0 + timedelta(seconds=5)
    sessions.revoke(session.id, T0, "logout")
    assert sessions.confirm_second_factor(session.id, T0) is None
    assert sessions.confirm_second_factor("never", T0) is None


def test_a_sign_in_state_is_spent_once_also_when_two_callbacks_race(sessions, request) -> None:
    state_hash = token_hash(f"state-{uid()}")
    ends = T0 + timedelta(minutes=10)
    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(lambda _: sessions.spend_login_state(state_hash, ends), range(6)))
    assert outcomes.count(True) == 1
    assert sessions.spend_login_state(state_hash, ends) is False
    assert sessions.spend_login_state(token_hash(f"state-{uid()}"), ends) is True
    if "dynamodb" in request.node.callspec.id:  # kept only as long as its login cookie could be used
        from chalicelib.adapters.dynamo.sessions import SpentLoginStateItem

        item = SpentLoginStateItem.get(f"LOGINSTATE#{state_hash}", "LOGINSTATE", consistent_read=True)
        assert int(ends.timestamp()) < item.expires_at <= int(ends.timestamp()) + 60


def test_a_factor_begins_once_and_each_step_is_accepted_once(factors) -> None:
    subject = f"kakao:{uid()}"
    secret = new_secret()
    first = factors.begin(Factor(subject, secret, T0))
    assert first.secret == secret and not first.enrolled
    again = factors.begin(Factor(subject, new_secret(), T0))  # a second page load shows the same secret
    assert again.secret == secret
    assert factors.accept(subject, 100, T0 + timedelta(minutes=1)) is True
    stored = factors.get(subject)
    assert stored.enrolled and stored.enrolled_at == T0 + timedelta(minutes=1) and stored.last_step == 100
    assert factors.accept(subject, 100, T0) is False and factors.accept(subject, 99, T0) is False
    assert factors.accept(subject, 101, T0 + timedelta(minutes=2)) is True
    assert factors.get(subject).enrolled_at == T0 + timedelta(minutes=1)  # enrolment keeps its moment
    assert factors.accept(f"kakao:{uid()}", 5, T0) is False  # nobody's factor
    assert factors.remove(subject) is True and factors.remove(subject) is False
    assert factors.get(subject) is None


def test_concurrent_uses_of_one_code_are_accepted_once(factors) -> None:
    subject = f"kakao:{uid()}"
    factors.begin(Factor(subject, new_secret(), T0))
    with ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(lambda _: factors.accept(subject, 42, T0), range(8))) == 1


def test_users_keep_their_first_sign_in_and_a_sealed_profile(users) -> None:
    subject = f"kakao:{uid()}"
    first = users.signed_in(subject, Provider.KAKAO, UserProfile("홍길동", "+821012345678"), T0)
    later = users.signed_in(subject, Provider.KAKAO, UserProfile("홍길동", None), T0 + timedelta(days=1))
    assert first.created_at == later.created_at == T0 and later.last_login_at == T0 + timedelta(days=1)
    assert users.profile(subject) == UserProfile("홍길동", None)
    assert users.erase(subject) is True and users.erase(subject) is False
    assert users.get(subject) is None and users.profile(subject) is None


def test_the_profile_is_never_stored_in_plaintext(container) -> None:
    from chalicelib.adapters.dynamo.users import UserItem

    subject = f"naver:{uid()}"
    container.users.signed_in(subject, Provider.NAVER, UserProfile("김민지", "+821099998888"), T0)
    raw = container.client("dynamodb").get_item(TableName=container.settings.main_table,
                                                Key={"pk": {"S": f"USER#{subject}"}, "sk": {"S": "PROFILE"}})["Item"]
    text = json.dumps(raw, default=str, ensure_ascii=False)
    assert "김민지" not in text and "99998888" not in text and "profile" in raw
    assert UserItem.get(f"USER#{subject}", "PROFILE").profile  # and it is there, sealed


@pytest.fixture
def scratch_attorney(container):
    """A throwaway attorney profile, removed afterwards (the roster is shared with other tests)."""
    from chalicelib.adapters.dynamo.attorneys import AttorneyItem, CoverageItem, SubjectLinkItem

    made: list[str] = []

    def make() -> str:
        attorney_id = f"test-{uid()}"
        container.attorneys.save(Attorney(id=attorney_id, display_name="테스트 노무사",
                                          categories=frozenset({"wage_arrears"}), regions=frozenset({"suwon"})),
                                 None, T0)
        made.append(attorney_id)
        return attorney_id

    yield make
    for attorney_id in made:
        profile = container.attorneys.get(attorney_id)
        for subject in profile.subjects if profile else ():
            SubjectLinkItem(f"SUBJECT#{subject}", "ATTORNEY").delete()
        CoverageItem("COVER#wage_arrears#suwon", f"ATTORNEY#{attorney_id}").delete()
        AttorneyItem(f"ATTORNEY#{attorney_id}", "PROFILE").delete(add_version_condition=False)


@pytest.fixture(params=["dynamodb", "memory"])
def invite_world(request):
    """(invite store, attorney id, how to tell who is linked)."""
    if request.param == "memory":
        links = MemoryAttorneyLinks(attorneys={"att-mem"})
        return MemoryInviteStore(links), "att-mem", links.by_subject
    container = request.getfixturevalue("container")
    attorney_id = request.getfixturevalue("scratch_attorney")()
    return container.invites, attorney_id, container.attorneys.by_subject


def test_an_invite_links_one_account_once(invite_world) -> None:
    invites, attorney_id, linked = invite_world
    code_hash = uid()
    invites.create(code_hash, attorney_id, "kakao:admin", T0, T0 + timedelta(days=7))
    subject = f"kakao:{uid()}"
    assert invites.redeem(code_hash, subject, T0 + timedelta(days=1)) == attorney_id
    assert linked(subject) == attorney_id
    with pytest.raises(InvalidInviteError) as used:
        invites.redeem(code_hash, f"kakao:{uid()}", T0)
    assert used.value.reason == "invite_used"
    with pytest.raises(InvalidInviteError) as unknown:
        invites.redeem("nope", subject, T0)
    assert unknown.value.reason == "invite_unknown"


def test_expired_invites_and_linked_accounts_are_refused(invite_world) -> None:
    invites, attorney_id, _ = invite_world
    old, fresh = uid(), uid()
    invites.create(old, attorney_id, "kakao:admin", T0, T0 + timedelta(days=7))
    with pytest.raises(InvalidInviteError) as expired:
        invites.redeem(old, f"kakao:{uid()}", T0 + timedelta(days=8))
    assert expired.value.reason == "invite_expired"
    invites.create(fresh, attorney_id, "kakao:admin", T0, T0 + timedelta(days=7))
    subject = f"kakao:{uid()}"
    invites.redeem(fresh, subject, T0)
    second = uid()
    invites.create(second, attorney_id, "kakao:admin", T0, T0 + timedelta(days=7))
    with pytest.raises(InvalidInviteError) as again:
        invites.redeem(second, subject, T0)
    assert again.value.reason == "already_linked"


def test_the_linked_attorney_profile_lists_the_account(container, scratch_attorney) -> None:
    attorney_id = scratch_attorney()
    code_hash, subject = uid(), f"naver:{uid()}"
    container.invites.create(code_hash, attorney_id, "kakao:admin", T0, T0 + timedelta(days=1))
    container.invites.redeem(code_hash, subject, T0)
    assert subject in container.attorneys.get(attorney_id).subjects


def test_jwt_key_set_first_key_and_rotation(container) -> None:
    with awscalls.unaudited():  # a key set of this test's own, not the stack's
        _first_key_and_rotation(container)


def _first_key_and_rotation(container) -> None:
    sm = container.client("secretsmanager")
    name = f"maeul/test/jwt-keys-{uid()}"
    arn = sm.create_secret(Name=name, SecretString='{"active": null, "keys": []}')["ARN"]
    assert jwt_keys.ensure_key(sm, arn) is True
    assert jwt_keys.ensure_key(sm, arn) is False
    first = KeySet.from_document(json.loads(sm.get_secret_value(SecretId=arn)["SecretString"]))
    kids = [jwt_keys.rotate(sm, arn) for _ in range(3)]
    doc = json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])
    assert doc["active"] == kids[-1] and len(doc["keys"]) == jwt_keys.KEEP
    assert first.active.kid not in {k["kid"] for k in doc["keys"]}
    source = SecretsManagerKeySource(sm, arn)
    assert source.current().active.kid == kids[-1] and kids[-2] in source.current().keys


def test_the_deployed_stack_signs_and_checks_real_sessions(container) -> None:
    """Sign-in storage, key set and session service on the stack: start, check, refresh, reuse, logout."""
    from chalicelib.domain.login import Client
    from chalicelib.domain.sessions import TokenRejectedError

    client = Client("198.51.100.23", "pytest")
    subject = f"kakao:{uid()}"
    tokens = container.sessions.start(subject, Provider.KAKAO)
    principal = container.sessions.authenticate(tokens.access_token)
    assert principal.subject == subject and principal.role.value == "resident"
    refreshed = container.sessions.refresh(tokens.refresh_token, client)
    with pytest.raises(RefreshReuseError):
        container.sessions.refresh(tokens.refresh_token, client)
    with pytest.raises(TokenRejectedError) as revoked:
        container.sessions.authenticate(refreshed.access_token)
    assert revoked.value.reason == "session_revoked"
    reasons = [e.reason for e in container.audit.logins_of(subject)]
    assert reasons == ["refresh_reuse", "refreshed"]
