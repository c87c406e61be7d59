"""The resident's satisfaction survey: when it may be answered, and only once."""

from __future__ import annotations

__all__ = ["SurveyAlreadyAnsweredError", "SurveyNotOpenError"]


class SurveyNotOpenError(Exception):
    """The consultation is not completed yet."""

    def __init__(self) -> None:
        super().__init__("The survey opens once your consultation has been completed.")


class SurveyAlreadyAnsweredError(Exception):
    """This consultation's survey was answered already."""

    def __init__(self) -> None:
        super().__init__("Thank you — this survey was already answered.")
