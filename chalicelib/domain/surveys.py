"""The resident's satisfaction survey: when it may be answered, and only once."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

__all__ = ["SurveyAlreadyAnsweredError", "SurveyNotOpenError", "SurveyStore"]


class SurveyNotOpenError(Exception):
    """The consultation is not completed yet."""


class SurveyAlreadyAnsweredError(Exception):
    """This consultation's survey was answered already."""


class SurveyStore(Protocol):
    def save(self, consultation_id: str, rating: int, month: str, sealed_comment: bytes | None,
             now: datetime, expires_at: int | None) -> None:
        """Store the answer once; again → ``SurveyAlreadyAnsweredError``."""
        ...

    def erase_comment(self, consultation_id: str) -> bool:
        """Remove the sealed comment (the person left); the rating stays for the statistics."""
        ...

    def rating_of(self, consultation_id: str) -> int | None: ...
