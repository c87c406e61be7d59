"""Attorney roster in DynamoDB.

Items (main table):
- profile: ``pk=ATTORNEY#<id>``, ``sk=PROFILE``; ``gsi1pk=ROSTER``, ``gsi1sk=<id>``
  (the admin roster, one query). Contact details sealed in ``contact``.
- coverage: ``pk=COVER#<category>#<region>``, ``sk=ATTORNEY#<id>``, one per
  (category, region) the attorney serves: matching reads one partition per
  region of a ring, whatever the size of the roster.
- account link: ``pk=SUBJECT#<provider>:<id>``, ``sk=ATTORNEY``: which signed-in
  account is this attorney.

A profile and its coverage and links are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.base import MAIN, ConnectedStore, Gsi1, Gsi1Keys, KeyedItem
from chalicelib.adapters.dynamo.loads import LoadItem, load_key, unchanged
from chalicelib.domain.attorneys import Attorney, AttorneyContact
from chalicelib.domain.calendar import DEFAULT_TZ
from chalicelib.domain.sealing import FieldCipher


class AttorneyItem(KeyedItem, Gsi1Keys, table=MAIN):
    roster = Gsi1()

    attorney_id = UnicodeAttribute()
    display_name = UnicodeAttribute()
    categories = UnicodeSetAttribute()
    regions = UnicodeSetAttribute()
    weight = NumberAttribute(default=1)
    annual_cap = NumberAttribute(null=True)
    active = BooleanAttribute(default=True)
    on_duty = BooleanAttribute(default=False)
    subjects = UnicodeSetAttribute(null=True)
    languages = UnicodeSetAttribute(null=True)  # besides Korean; absent: Korean only
    contact = BinaryAttribute(legacy_encoding=False, null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class CoverageItem(KeyedItem, table=MAIN):
    attorney_id = UnicodeAttribute()
    active = BooleanAttribute(default=True)


class SubjectLinkItem(KeyedItem, table=MAIN):
    attorney_id = UnicodeAttribute()


def _profile_key(attorney_id: str) -> tuple[str, str]:
    return f"ATTORNEY#{attorney_id}", "PROFILE"


class DynamoAttorneyRepository(ConnectedStore):
    ENTITY = "attorney"

    def __init__(self, cipher: FieldCipher, connection: Connection | None = None) -> None:
        super().__init__(connection)
        self._cipher = cipher

    def get(self, attorney_id: str) -> Attorney | None:
        item = AttorneyItem.find(*_profile_key(attorney_id), consistent_read=True)
        if item is None:
            return None
        return _to_domain(item)

    def contact(self, attorney_id: str) -> AttorneyContact | None:
        item = AttorneyItem.find(*_profile_key(attorney_id), attributes_to_get=["contact"])
        if item is None:
            return None
        if item.contact is None:
            return None
        return AttorneyContact(**self._cipher.open(self.ENTITY, attorney_id, item.contact))

    def by_subject(self, subject: str) -> str | None:
        link = SubjectLinkItem.find(f"SUBJECT#{subject}", "ATTORNEY")
        return link.attorney_id if link is not None else None

    def roster(self) -> list[Attorney]:
        return [_to_domain(i) for i in AttorneyItem.roster.query("ROSTER")]

    def save(self, attorney: Attorney, contact: AttorneyContact | None,
             now: datetime | None = None) -> None:
        """Create or replace a profile with its coverage and account links, atomically."""
        now = now or datetime.now(UTC)
        existing = self.get(attorney.id)
        sealed = self._cipher.seal(self.ENTITY, attorney.id, contact.as_dict()) if contact else None
        pk, sk = _profile_key(attorney.id)
        item = AttorneyItem(
            pk, sk, gsi1pk="ROSTER", gsi1sk=attorney.id, attorney_id=attorney.id,
            display_name=attorney.display_name, categories=set(attorney.categories),
            regions=set(attorney.regions), weight=attorney.weight, annual_cap=attorney.annual_cap,
            active=attorney.active, on_duty=attorney.on_duty,
            subjects=set(attorney.subjects) or None, languages=set(attorney.languages) or None,
            contact=sealed,
            created_at=existing.created_at if existing and existing.created_at else now, updated_at=now)
        new_cover = {(c, r) for c in attorney.categories for r in attorney.regions}
        old_cover = {(c, r) for c in existing.categories for r in existing.regions} if existing else set()
        old_subjects = set(existing.subjects) if existing else set()
        from chalicelib.adapters.dynamo import ranking  # imports this module: not at the top

        year, load, entries = _index_moves(existing, attorney, now)
        written = (1 + len(new_cover) + len(old_cover - new_cover) + len(attorney.subjects)
                   + len(old_subjects - set(attorney.subjects)))
        inline = entries if written + len(entries) + 1 <= TRANSACT_ITEMS else []
        with TransactWrite(connection=self.connection) as tx:
            if entries:  # the ranking index entries were computed from this counter
                tx.condition_check(LoadItem, *load_key(attorney.id, year), condition=unchanged(load))
            ranking.apply_moves(tx, inline)
            if existing is None:
                tx.save(item, condition=AttorneyItem.pk.does_not_exist())
            else:
                item.version = existing.version
                tx.save(item)
            for cat, reg in new_cover:
                tx.save(CoverageItem(f"COVER#{cat}#{reg}", f"ATTORNEY#{attorney.id}",
                                     attorney_id=attorney.id, active=attorney.active))
            for cat, reg in old_cover - new_cover:
                tx.delete(CoverageItem(f"COVER#{cat}#{reg}", f"ATTORNEY#{attorney.id}"))
            for subject in attorney.subjects:
                tx.save(SubjectLinkItem(f"SUBJECT#{subject}", "ATTORNEY", attorney_id=attorney.id))
            for subject in old_subjects - set(attorney.subjects):
                tx.delete(SubjectLinkItem(f"SUBJECT#{subject}", "ATTORNEY"))
        if entries and not inline:  # too many for the same transaction (wide coverage): right after it
            for start in range(0, len(entries), TRANSACT_ITEMS):
                with TransactWrite(connection=self.connection) as tx:
                    ranking.apply_moves(tx, entries[start:start + TRANSACT_ITEMS])

    def import_new(self, entries: Sequence[tuple[Attorney, AttorneyContact | None]],
                   now: datetime, joined: datetime | None = None) -> None:
        """Bulk-load attorneys who are not on the roster yet, each with its contact: profiles, coverage
        and account links in batches of 25 (BatchWriteItem) instead of one transaction each. Not atomic
        and unconditioned: for filling a new stack's roster (the local seed) while nothing else writes
        to it; ``save`` for everything else.
        ``joined``: when they count as having joined (``created_at``; default ``now``). Their ranking
        index entries of the year of ``now`` are written too, at level zero."""
        profiles, covers, links = [], [], []
        for attorney, contact in entries:
            pk, sk = _profile_key(attorney.id)
            sealed = self._cipher.seal(self.ENTITY, attorney.id, contact.as_dict()) if contact else None
            profiles.append(AttorneyItem(
                pk, sk, gsi1pk="ROSTER", gsi1sk=attorney.id, attorney_id=attorney.id,
                display_name=attorney.display_name, categories=set(attorney.categories),
                regions=set(attorney.regions), weight=attorney.weight, annual_cap=attorney.annual_cap,
                active=attorney.active, on_duty=attorney.on_duty, subjects=set(attorney.subjects) or None,
                languages=set(attorney.languages) or None,
                contact=sealed, created_at=joined or now, updated_at=now, version=1))
            covers += [CoverageItem(f"COVER#{c}#{r}", f"ATTORNEY#{attorney.id}", attorney_id=attorney.id,
                                    active=attorney.active) for c in attorney.categories for r in attorney.regions]
            links += [SubjectLinkItem(f"SUBJECT#{subject}", "ATTORNEY", attorney_id=attorney.id)
                      for subject in attorney.subjects]
        from chalicelib.adapters.dynamo import ranking

        year = now.astimezone(ZoneInfo(DEFAULT_TZ)).year  # new attorneys: their entries at level zero
        ranks = [item for attorney, _ in entries for _, item in ranking.moves(
            attorney, None, ranking.entry_key(attorney, None, year), year)]
        for model, items in ((AttorneyItem, profiles), (CoverageItem, covers), (SubjectLinkItem, links),
                             (ranking.RankItem, ranks)):
            with model.batch_write() as batch:
                for item in items:
                    batch.save(item)

    def covering(self, category: str, region: str) -> list[str]:
        """Ids of active attorneys serving (category, region): one query."""
        return [i.attorney_id for i in CoverageItem.query(f"COVER#{category}#{region}")
                if i.active]


TRANSACT_ITEMS = 100  # TransactWriteItems' limit


def _index_moves(existing: Attorney | None, attorney: Attorney, now: datetime) -> tuple[int, Any, list[Any]]:
    """(year, load counter, ranking index items to delete / put) when a profile's weight or coverage
    changes: the entries of the year of ``now`` move with it (``ranking.moves``)."""
    from chalicelib.adapters.dynamo import ranking
    from chalicelib.domain.ranking_index import entry_key

    year = now.astimezone(ZoneInfo(DEFAULT_TZ)).year
    if existing is not None and (existing.weight, existing.categories, existing.regions) == (
            attorney.weight, attorney.categories, attorney.regions):
        return year, None, []
    _profile, load = ranking.current(attorney.id, year)
    old_key = entry_key(existing, load, year) if existing is not None else None
    return year, load, ranking.moves(attorney, old_key, entry_key(attorney, load, year), year, existing)


def _to_domain(item: AttorneyItem) -> Attorney:
    return Attorney(
        id=item.attorney_id, display_name=item.display_name,
        categories=frozenset(item.categories or ()), regions=frozenset(item.regions or ()),
        weight=float(item.weight or 1), annual_cap=int(item.annual_cap) if item.annual_cap else None,
        active=bool(item.active), on_duty=bool(item.on_duty),
        subjects=frozenset(item.subjects or ()), languages=frozenset(item.languages or ()),
        created_at=item.created_at,
        version=int(item.version or 0))


__all__: list[Any] = ["AttorneyItem", "CoverageItem", "DynamoAttorneyRepository", "SubjectLinkItem"]
