"""The resident's satisfaction survey: when it may be answered, and only once."""

from __future__ import annotations

__all__ = ["SurveyAlreadyAnsweredError", "SurveyNotOpenError"]


class SurveyNotOpenError(Exception):
    """The consultation is not completed yet."""


class SurveyAlreadyAnsweredError(Exception):
    """This consultation's survey was answered already."""
