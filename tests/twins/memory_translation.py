"""In-memory twin of the ``Translator`` port (unit and functional tests): it marks the text with its
direction instead of translating, counts what would be billed, and can be told to fail."""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.domain.translation import MACHINE_CODES, TranslationUnavailableError


@dataclass
class MemoryTranslator:
    calls: list[tuple[str, str, int]] = field(default_factory=list)  # (source, target, characters): no text
    failing: bool = False

    def translate(self, text: str, source: str, target: str) -> str:
        if self.failing:
            raise TranslationUnavailableError("memory translator told to fail")
        if source not in MACHINE_CODES or target not in MACHINE_CODES:
            raise TranslationUnavailableError(f"no machine translation between {source!r} and {target!r}")
        self.calls.append((source, target, len(text)))
        return f"[{source}→{target}] {text}"
