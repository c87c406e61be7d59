"""Machine translation of chat messages between a resident and an attorney who share no language.

Pure rules, no AWS: which of our languages a machine translator can handle (the codes Amazon
Translate uses for them), when a message needs translating and in which direction, and the
``Translator`` port an adapter implements. The original is always what was written and is kept;
a translation is an addition, always labelled as machine translation.

Amazon Translate (2026) has no Nepali, Khmer or Burmese: for those the thread stays untranslated,
the page says so, and the interpreter lines of the consultation (settings) are the way across.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.domain.attorneys import KOREAN

# our language code -> the translator's (Amazon Translate: ISO 639-1, Filipino is "tl");
# easy Korean is Korean to a machine
MACHINE_CODES: dict[str, str] = {"ko": "ko", "ko-x-easy": "ko", "en": "en", "vi": "vi", "zh": "zh",
                                 "th": "th", "id": "id", "uz": "uz", "fil": "tl"}
STAFF_LANGUAGE = "ko"  # what a message is translated into for an attorney who does not speak the resident's


class TranslationUnavailableError(Exception):
    """The translator could not translate now (down, throttled, refused the pair): the message
    goes out untranslated, the original is never lost."""


class Translator(Protocol):
    def translate(self, text: str, source: str, target: str) -> str:
        """``text`` from our language ``source`` into ``target`` (codes of ``languages.LANGUAGES``)."""
        ...


@dataclass(frozen=True, slots=True)
class Translation:
    """A machine translation of one message (never the original)."""

    text: str
    source: str  # our code of the language written
    target: str  # our code of the language it was translated into
    machine: bool = True

    def to_sealable(self) -> dict[str, Any]:
        return {"text": self.text, "source": self.source, "target": self.target, "machine": self.machine}

    @classmethod
    def from_sealed(cls, data: Any) -> Translation | None:
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            return None
        return cls(data["text"], str(data.get("source", "")), str(data.get("target", "")),
                   bool(data.get("machine", True)))


@dataclass(frozen=True, slots=True)
class Direction:
    source: str
    target: str


def can_translate(language: str) -> bool:
    return language in MACHINE_CODES


def needs_translation(resident_language: str, attorney_speaks_it: bool) -> bool:
    """A thread is translated when the resident writes a language other than Korean that the
    assigned attorney does not speak (matching prefers one who does)."""
    return resident_language not in KOREAN and not attorney_speaks_it


def direction(resident_language: str, from_resident: bool) -> Direction | None:
    """Which way one message goes (resident's language ↔ Korean), or None when no machine
    translator handles the resident's language (the thread then relies on an interpreter)."""
    if resident_language in KOREAN or not can_translate(resident_language):
        return None
    if from_resident:
        return Direction(resident_language, STAFF_LANGUAGE)
    return Direction(STAFF_LANGUAGE, resident_language)
