"""Users and attorney invites in DynamoDB.

Items (main table):
- user: ``pk=USER#<subject>``, ``sk=PROFILE``; the provider's name and phone
  sealed together in ``profile`` (one envelope per record).
- attorney invite: ``pk=INVITE#<sha256(code)>``, ``sk=INVITE`` → the attorney
  it links; TTL ``expires_at``. Redeeming it is one transaction: the invite is
  marked used, the account link ``SUBJECT#<subject>``/``ATTORNEY`` is created
  and the subject added to the profile (version-checked).
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.attorneys import AttorneyItem, SubjectLinkItem
from chalicelib.adapters.dynamo.base import MAIN, ConnectedStore, KeyedItem
from chalicelib.domain.identity import Provider
from chalicelib.domain.sealing import FieldCipher
from chalicelib.domain.users import InvalidInviteError, User, UserProfile

ENTITY = "user"


class UserItem(KeyedItem, table=MAIN):
    subject = UnicodeAttribute()
    provider = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    last_login_at = UTCDateTimeAttribute()
    profile = BinaryAttribute(legacy_encoding=False, null=True)
    language = UnicodeAttribute(null=True)  # the account's language (not personal: a code)


class InviteItem(KeyedItem, table=MAIN):
    attorney_id = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    used_at = UTCDateTimeAttribute(null=True)
    used_by = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()


def _user_key(subject: str) -> tuple[str, str]:
    return f"USER#{subject}", "PROFILE"


class DynamoUserStore:
    def __init__(self, cipher: FieldCipher) -> None:
        self._cipher = cipher

    def signed_in(self, subject: str, provider: Provider, profile: UserProfile, now: datetime) -> User:
        sealed = self._cipher.seal(ENTITY, subject, profile.as_dict())
        item = UserItem(*_user_key(subject))
        item.update(actions=[UserItem.subject.set(subject), UserItem.provider.set(provider.value),
                             UserItem.created_at.set(UserItem.created_at | now),
                             UserItem.last_login_at.set(now), UserItem.profile.set(sealed)])
        return User(subject, Provider(item.provider), item.created_at, item.last_login_at)

    def get(self, subject: str) -> User | None:
        item = UserItem.find(*_user_key(subject), consistent_read=True,
                             attributes_to_get=["subject", "provider", "created_at", "last_login_at"])
        if item is None:
            return None
        return User(item.subject, Provider(item.provider), item.created_at, item.last_login_at)

    def profile(self, subject: str) -> UserProfile | None:
        item = UserItem.find(*_user_key(subject), attributes_to_get=["profile"])
        if item is None:
            return None
        if item.profile is None:
            return None
        fields = self._cipher.open(ENTITY, subject, item.profile)
        return UserProfile(name=fields.get("name"), phone=fields.get("phone"))

    def erase(self, subject: str) -> bool:
        try:
            UserItem(*_user_key(subject)).delete(condition=UserItem.pk.exists())
        except DeleteError:
            return False
        return True

    def language(self, subject: str) -> str | None:
        return DynamoAccountLanguages().language(subject)

    def set_language(self, subject: str, language: str) -> bool:
        return DynamoAccountLanguages().set_language(subject, language)


class DynamoAccountLanguages:
    """The ``language`` attribute of user items, alone: read by every signed-in page, so it needs
    neither the field cipher nor the sealed profile."""

    def language(self, subject: str) -> str | None:
        item = UserItem.find(*_user_key(subject), attributes_to_get=["language"])
        if item is None:
            return None
        return item.language

    def set_language(self, subject: str, language: str) -> bool:
        try:
            UserItem(*_user_key(subject)).update(actions=[UserItem.language.set(language)],
                                                 condition=UserItem.pk.exists())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True


class DynamoInviteStore(ConnectedStore):
    def create(self, code_hash: str, attorney_id: str, created_by: str, now: datetime,
               expires_at: datetime) -> None:
        InviteItem(f"INVITE#{code_hash}", "INVITE", attorney_id=attorney_id, created_by=created_by,
                   created_at=now, expires_at=int(expires_at.timestamp())
                   ).save(condition=InviteItem.pk.does_not_exist())

    def redeem(self, code_hash: str, subject: str, now: datetime) -> str:
        try:
            invite = InviteItem.get(f"INVITE#{code_hash}", "INVITE", consistent_read=True)
        except InviteItem.DoesNotExist:
            raise InvalidInviteError("invite_unknown") from None
        _check_usable(invite, now)
        try:
            SubjectLinkItem.get(f"SUBJECT#{subject}", "ATTORNEY", consistent_read=True)
            raise InvalidInviteError("already_linked")
        except SubjectLinkItem.DoesNotExist:
            pass
        try:
            attorney = AttorneyItem.get(f"ATTORNEY#{invite.attorney_id}", "PROFILE", consistent_read=True)
        except AttorneyItem.DoesNotExist:
            raise InvalidInviteError("invite_orphaned") from None
        try:
            with TransactWrite(connection=self.connection) as tx:
                tx.update(InviteItem(f"INVITE#{code_hash}", "INVITE"),
                          actions=[InviteItem.used_at.set(now), InviteItem.used_by.set(subject)],
                          condition=InviteItem.pk.exists() & InviteItem.used_at.does_not_exist())
                tx.save(SubjectLinkItem(f"SUBJECT#{subject}", "ATTORNEY", attorney_id=attorney.attorney_id),
                        condition=SubjectLinkItem.pk.does_not_exist())
                tx.update(attorney, actions=[AttorneyItem.subjects.add({subject}),
                                             AttorneyItem.updated_at.set(now)])
        except TransactWriteError:
            raise InvalidInviteError("invite_conflict") from None
        return attorney.attorney_id


def _check_usable(invite: InviteItem, now: datetime) -> None:
    if invite.used_at is not None:
        raise InvalidInviteError("invite_used")
    if now.timestamp() >= invite.expires_at:
        raise InvalidInviteError("invite_expired")
