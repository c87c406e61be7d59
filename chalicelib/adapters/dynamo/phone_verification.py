"""Contact-phone verification codes and verified numbers (``chalicelib/domain/phone_verification.py``).

Items (main table), keyed by keyed hashes only (never a number, a subject or a code):
- waiting code: ``pk=PHONECODE#<subject key>``, ``sk=PHONECODE``; ``phone_key``, ``code_hash``,
  ``attempts_left``; TTL ``expires_at`` (a new code overwrites it).
- verified number: ``pk=PHONEOK#<subject key>``, ``sk=NUMBER#<phone key>``; ``verified_at``; TTL
  ``expires_at`` (one query finds a person's numbers, to forget them when they leave).
- codes sent per account and per number per Korean day: ``QUOTA#phone_codes#…`` counters
  (``adapters/dynamo/limits.py``).

An attempt is a conditional update (``attempts_left > 0`` and not expired) that returns the item,
so attempts are spent before any comparison; the right code deletes the challenge (only if it is
still the same code) and puts the verified number in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import limits
from chalicelib.adapters.dynamo.base import MAIN, ConnectedStore, KeyedItem
from chalicelib.domain.limits import Quota
from chalicelib.domain.phone_verification import PhoneChallenge


class PhoneCodeItem(KeyedItem, table=MAIN):
    phone_key = UnicodeAttribute()
    code_hash = UnicodeAttribute()
    attempts_left = NumberAttribute()
    expires_at = NumberAttribute()


class VerifiedPhoneItem(KeyedItem, table=MAIN):
    verified_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


def _code_key(subject_key: str) -> tuple[str, str]:
    return f"PHONECODE#{subject_key}", "PHONECODE"


def _verified_key(subject_key: str, phone_key: str) -> tuple[str, str]:
    return f"PHONEOK#{subject_key}", f"NUMBER#{phone_key}"


def _challenge(subject_key: str, item: PhoneCodeItem) -> PhoneChallenge:
    return PhoneChallenge(subject_key, item.phone_key, item.code_hash,
                          datetime.fromtimestamp(int(item.expires_at), UTC), int(item.attempts_left))


class DynamoPhoneVerificationStore(ConnectedStore):
    def replace_challenge(self, challenge: PhoneChallenge) -> None:
        PhoneCodeItem(*_code_key(challenge.subject_key), phone_key=challenge.phone_key, code_hash=challenge.code_hash,
                      attempts_left=challenge.attempts_left, expires_at=int(challenge.expires_at.timestamp())).save()

    def spend_attempt(self, subject_key: str, now: datetime) -> PhoneChallenge | None:
        item = PhoneCodeItem(*_code_key(subject_key))
        try:
            item.update(actions=[PhoneCodeItem.attempts_left.add(-1)],
                        condition=PhoneCodeItem.pk.exists() & (PhoneCodeItem.attempts_left > 0)
                        & (PhoneCodeItem.expires_at > int(now.timestamp())))
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        return _challenge(subject_key, item)

    def finish(self, challenge: PhoneChallenge, now: datetime, until: datetime) -> bool:
        try:
            with TransactWrite(connection=self.connection) as tx:
                tx.delete(PhoneCodeItem(*_code_key(challenge.subject_key)),
                          condition=PhoneCodeItem.code_hash == challenge.code_hash)
                tx.save(VerifiedPhoneItem(*_verified_key(challenge.subject_key, challenge.phone_key),
                                          verified_at=now, expires_at=int(until.timestamp())))
        except TransactWriteError as exc:
            codes = [r.code if r is not None else None for r in exc.cancellation_reasons or []]
            if codes and codes[0] == "ConditionalCheckFailed":
                return False
            raise
        return True

    def is_verified(self, subject_key: str, phone_key: str, now: datetime) -> bool:
        try:
            item = VerifiedPhoneItem.get(*_verified_key(subject_key, phone_key), consistent_read=True)
        except DoesNotExist:
            return False
        return int(item.expires_at) > now.timestamp()

    def erase(self, subject_key: str) -> int:
        gone = 0
        for item in VerifiedPhoneItem.query(f"PHONEOK#{subject_key}", consistent_read=True):
            item.delete()
            gone += 1
        try:
            PhoneCodeItem.get(*_code_key(subject_key), consistent_read=True).delete()
            gone += 1
        except DoesNotExist:
            pass
        return gone

    def take_send(self, key: str, window: str, limit: int, expires_at: datetime) -> bool:
        return limits.take(Quota(key, window, limit, expires_at)) is not None
