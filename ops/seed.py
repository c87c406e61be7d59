"""Seed the local stage: 120 attorneys over the 31 cities/counties, deterministic.

``scripts/seed`` (run by ``make run``). Running it twice changes nothing:
attorneys have fixed ids and are written only when they differ. Contact
details are obviously fake (``+8210000001xx``-style numbers in the unassigned
010-0000 block, ``attorney-NNN@example.invalid``) and stored sealed. Each
``attorney-NNN`` account of the dev identity provider is linked to attorney
NNN; the ``admin`` account is an admin through the local stage's
``MAEUL_ADMIN_SUBJECTS``. The admin and the attorneys' accounts are enrolled
in the staff second factor (``ops/dev_totp.py``; ``scripts/dev-totp <account>``
prints an account's current code).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from chalicelib.domain.attorneys import Attorney, AttorneyContact
from chalicelib.domain.categories import CATEGORIES
from chalicelib.domain.regions import ADJACENCY, REGIONS
from devtools.idp import accounts
from ops import dev_totp

ATTORNEY_COUNT = 120
_FAMILY = "김이박최정강조윤장임한오서신권황안송류홍"
_GIVEN = ["민준", "서연", "도윤", "지우", "하준", "서윤", "시우", "지민", "주원", "하은",
          "예준", "수아", "지호", "채원", "현우", "지유", "준서", "윤서", "건우", "다은"]


# The seeded roster counts as on the roster since before any year a local stack runs in: no pro-rata
# join credit, so the ranking index settles their choices (docs/DATA.md, "Ranking index").
SEEDED_SINCE = datetime(2024, 1, 1, tzinfo=UTC)


def seed_attorneys(naver_client_id: str) -> Iterator[tuple[Attorney, AttorneyContact]]:
    """The demo roster: every region has at least three attorneys, who between
    them cover every category; most also take wage arrears (43% of cases)."""
    others = [c.code for c in CATEGORIES if c.code != "wage_arrears"]
    regions = [r.code for r in REGIONS]
    for n in range(1, ATTORNEY_COUNT + 1):
        i = n - 1
        home = regions[i % len(regions)]
        k = i // len(regions)  # 0..3: the attorney's rank within the home region
        neighbour = sorted(ADJACENCY[home])[k % len(ADJACENCY[home])]
        cats = {others[(2 * k) % 6], others[(2 * k + 1) % 6]}
        if n % 5 != 0:
            cats.add("wage_arrears")
        account = f"attorney-{n:03d}"
        name = _FAMILY[i % len(_FAMILY)] + _GIVEN[(i * 7) % len(_GIVEN)]
        yield (
            Attorney(id=f"att-{n:03d}", display_name=f"{name} 노무사", categories=frozenset(cats),
                     regions=frozenset({home, neighbour}), weight=1.0, active=True,
                     subjects=frozenset({f"kakao:{accounts.kakao_id(account)}",
                                         f"naver:{accounts.naver_id(account, naver_client_id)}"})),
            AttorneyContact(phone=f"+82100000{n:04d}", email=f"{account}@example.invalid"),
        )


def _same(a: Attorney, b: Attorney | None) -> bool:
    if b is None:
        return False
    keys = ("display_name", "categories", "regions", "weight", "annual_cap", "active", "subjects")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def run(container, wanted: Callable[[Attorney], bool] | None = None) -> dict[str, int]:
    """Seed the roster (``container``: chalicelib.composition.Container); ``wanted`` picks a part of it."""
    repo = container.attorneys
    on_roster = {a.id: a for a in repo.roster()}  # one query, not one read per attorney
    new: list[tuple[Attorney, AttorneyContact]] = []
    seeded: list[Attorney] = []
    written = unchanged = 0
    for attorney, contact in seed_attorneys(container.settings.naver_client_id):
        if wanted is not None and not wanted(attorney):
            continue
        seeded.append(attorney)
        existing = on_roster.get(attorney.id)
        if existing is None:  # a fresh stack: loaded in bulk below
            new.append((attorney, contact))
            continue
        if _same(attorney, existing):
            unchanged += 1
            continue
        repo.save(attorney, contact, container.clock())
        written += 1
    repo.import_new(new, container.clock(), joined=SEEDED_SINCE)
    factors = dev_totp.enrol(container, dev_totp.seeded_staff_subjects(container, seeded))
    return {"attorneys_written": written + len(new), "attorneys_unchanged": unchanged,
            "factors_enrolled": factors}


def run_and_open(container) -> tuple[dict[str, int], dict[str, int]]:
    """What a fresh local stack gets (``make run``, ``make bench``): the roster seeded, then the ranking
    index's year opened at once (the daily job's work), so that listing, booking and offers read the
    index as in production rather than ranking the whole pool."""
    return run(container), container.ranking_keeper.open_year()


def main() -> int:
    from ops.localstage import local_environment

    os.environ.update(local_environment())
    from chalicelib.composition import get_container

    container = get_container()
    result, opened = run_and_open(container)
    print(f"seed: {result['attorneys_written']} attorneys written, "
          f"{result['attorneys_unchanged']} already up to date, "
          f"{result['factors_enrolled']} staff second factors enrolled (scripts/dev-totp <account>), "
          f"ranking index of {opened['year']}: {opened['entries']} entries written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
