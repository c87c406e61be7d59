"""Satisfaction survey answers: ``pk=CONSULTATION#<id>``, ``sk=SURVEY``.

The rating and the month stay plaintext (statistics); a free-text comment is
sealed. One answer per consultation (conditional put).
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.adapters.dynamo.base import MAIN, KeyedItem
from chalicelib.domain.surveys import SurveyAlreadyAnsweredError

SK = "SURVEY"



class SurveyItem(KeyedItem, table=MAIN):
    rating = NumberAttribute()
    month = UnicodeAttribute()
    comment = BinaryAttribute(legacy_encoding=False, null=True)
    answered_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute(null=True)


class DynamoSurveyStore:
    def save(self, consultation_id: str, rating: int, month: str, sealed_comment: bytes | None,
             now: datetime, expires_at: int | None) -> None:
        item = SurveyItem(f"CONSULTATION#{consultation_id}", SK, rating=rating, month=month,
                          comment=sealed_comment, answered_at=now, expires_at=expires_at)
        try:
            item.save(condition=SurveyItem.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise SurveyAlreadyAnsweredError() from None
            raise

    def erase_comment(self, consultation_id: str) -> bool:
        """Remove the sealed comment (the person left); the rating stays for the statistics."""
        try:
            SurveyItem(f"CONSULTATION#{consultation_id}", SK).update(
                actions=[SurveyItem.comment.remove()], condition=SurveyItem.comment.exists())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False  # no answer, no comment, or erased already
            raise
        return True

    def rating_of(self, consultation_id: str) -> int | None:
        item = SurveyItem.find(f"CONSULTATION#{consultation_id}", SK)
        return int(item.rating) if item is not None else None
