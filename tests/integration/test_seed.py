"""Seeding the roster: 120 attorneys over 31 regions, twice without duplicates.

On a stack of the module's own, as ``make run`` seeds a fresh one (and because the emulator copies
a whole table on every transaction, seeding the shared, well-filled stack would be slow)."""

from __future__ import annotations

import pytest

from chalicelib.domain.categories import CATEGORIES
from chalicelib.domain.regions import REGIONS
from devtools.idp import accounts
from ops import seed

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def seeded(private_stack):
    """The module's stack, seeded once; each test seeds again (idempotent) where it says so."""
    seed.run(private_stack.container)
    return private_stack.container


def test_seed_writes_120_attorneys_then_nothing(private_stack) -> None:
    container = private_stack.container
    first = seed.run(container)
    second = seed.run(container)
    assert first["attorneys_written"] + first["attorneys_unchanged"] == 120
    assert second == {"attorneys_written": 0, "attorneys_unchanged": 120, "factors_enrolled": 0}
    roster = [a.id for a in container.attorneys.roster()]  # other tests may add attorneys of their own
    assert len(roster) == len(set(roster))
    assert {f"att-{n:03d}" for n in range(1, 121)} <= set(roster)


def test_a_fresh_stack_gets_the_ranking_index_of_its_year_open(private_stack) -> None:
    """As ``make run`` and ``make bench`` prepare a stack: listing, booking and offers then read the
    index, as in production, rather than ranking the whole pool."""
    container = private_stack.container
    year = container.calendar.local_date(container.clock()).year
    seeded_now, opened = seed.run_and_open(container)
    assert seeded_now["attorneys_written"] + seeded_now["attorneys_unchanged"] == 120
    assert opened["year"] == year and container.ranking_keeper.index.is_open(year)
    assert seed.run_and_open(container)[1] == {"year": year, "entries": 0}  # open already: nothing written


def test_every_region_and_category_is_served_at_home(seeded) -> None:
    repo = seeded.attorneys
    for region in REGIONS:
        for category in CATEGORIES:
            assert repo.covering(category.code, region.code), (category.code, region.code)


def test_contacts_are_fake_sealed_and_linked_to_dev_accounts(seeded) -> None:
    container, boto_session = seeded, seeded.boto_session
    contact = container.attorneys.contact("att-007")
    assert contact is not None
    assert contact.phone == "+821000000007"
    assert contact.email == "attorney-007@example.invalid"
    subject = f"kakao:{accounts.kakao_id('attorney-007')}"
    assert container.attorneys.by_subject(subject) == "att-007"
    raw = boto_session.client("dynamodb").get_item(
        TableName="maeul-local-main", Key={"pk": {"S": "ATTORNEY#att-007"}, "sk": {"S": "PROFILE"}})["Item"]
    assert "B" in raw["contact"]
    assert b"example.invalid" not in raw["contact"]["B"]


def test_seeded_staff_are_enrolled_and_dev_totp_prints_their_current_code(seeded, boto_session) -> None:
    from chalicelib.domain.second_factor import matching_step, step_of
    from ops import dev_totp

    container = seeded
    for account in ("admin", "attorney-001", "attorney-120"):
        subject = f"kakao:{accounts.kakao_id(account)}"
        factor = container.second_factors.get(subject)
        assert factor is not None and factor.enrolled, account
        code = dev_totp.current_code(container, account)
        assert matching_step(factor.secret, code, container.clock()) == step_of(container.clock())
    naver = f"naver:{accounts.naver_id('attorney-007', container.settings.naver_client_id)}"
    assert container.second_factors.get(naver).enrolled
    assert dev_totp.current_code(container, "attorney-007", "naver").isdigit()
    assert container.second_factors.get(f"kakao:{accounts.kakao_id('resident-kim')}") is None
    # the secret is stored sealed
    subject = f"kakao:{accounts.kakao_id('attorney-007')}"
    raw = boto_session.client("dynamodb").get_item(
        TableName="maeul-local-main", Key={"pk": {"S": f"FACTOR#{subject}"}, "sk": {"S": "TOTP"}})["Item"]
    secret = container.second_factors.get(subject).secret
    assert "B" in raw["secret"] and secret.encode() not in raw["secret"]["B"]


def test_dev_totp_refuses_any_stage_but_local(seeded) -> None:
    from ops import dev_totp

    class Prod:
        settings = seeded.settings.model_copy(update={"stage": "prod"})

    with pytest.raises(SystemExit, match="only the local stage"):
        dev_totp.current_code(Prod(), "admin")
    with pytest.raises(SystemExit, match="only the local stage"):
        dev_totp.enrol(Prod(), ["kakao:1"])
