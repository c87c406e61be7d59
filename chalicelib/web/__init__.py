"""Server-rendered pages: Jinja2 templates, a message catalogue per language, static files.

Every string a person reads is in ``i18n/<lang>/*.json`` (Korean first; the languages are
listed once, in ``chalicelib.domain.languages``; another language is one more folder and one
more line there; each feature keeps its strings in its own file). Templates never build URLs
that carry personal data, and no page stores anything in browser storage.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from chalicelib.domain import languages

HERE = Path(__file__).resolve().parent
LANGUAGES = languages.CODES
DEFAULT_LANGUAGE = languages.DEFAULT
catalogue = languages.catalogue


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._messages = catalogue(self.lang)

    def __call__(self, key: str, **values: Any) -> str:
        text = self._messages.get(key)
        if text is None:
            raise KeyError(f"message {key!r} is missing from the {self.lang} catalogue")
        return text.format(**values) if values else text


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(HERE / "templates")),
                       autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def render(template: str, lang: str, **context: Any) -> str:
    t = Translator(lang)
    return environment().get_template(template).render(t=t, lang=t.lang, languages=languages.LANGUAGES,
                                                       **context)


STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".svg": "image/svg+xml"}


def static_file(name: str) -> tuple[str, str] | None:
    """(content, content type) of a file in ``static/``, or None (no path tricks)."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    path = HERE / "static" / name
    content_type = STATIC_TYPES.get(path.suffix)
    if content_type is None or not path.is_file():
        return None
    return path.read_text(encoding="utf-8"), content_type
