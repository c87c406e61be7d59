"""Structured logs (Powertools Logger), without personal data.

Log events, ids and counts, never names, phone numbers, e-mails, problem
descriptions, tokens, codes or secrets. ``scrub`` is a last line of defence
for free text that must be logged (e.g. a provider's error description).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any

_PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "<email>"),
    (re.compile(r"\+?\d[\d\s-]{8,}\d"), "<number>"),
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+"), "<jwt>"),
    (re.compile(r"(?i)(code|token|secret|state|password)=([^&\s]+)"), r"\1=<redacted>"),
]


def scrub(text: str, limit: int = 200) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text[:limit]


class _CurrentStdout(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the process's standard output as it is when a line is logged, not as it was when the
    logger was made: a stream swapped and closed since (a test's captured output, a local server's
    redirect) must not turn every later log line into a logging error."""

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


@lru_cache(maxsize=1)
def logger() -> Any:
    from aws_lambda_powertools import Logger

    return Logger(service="maeul", use_rfc3339=True, logger_handler=_CurrentStdout())


def best_effort[T](step: Callable[[], T], what: str, **fields: str | int | None) -> T | None:
    """Run a step whose failure must not undo what came before it (an alert after a booking, a clean-up
    after a withdrawal): a failure is logged as "<what> failed" with its type and ``fields`` (ids and
    codes only, never personal data) and gives None; the caller decides what None means."""
    try:
        return step()
    except Exception as exc:  # noqa: BLE001 - that is the point: the step is second to what came before
        logger().warning(f"{what} failed", extra={"error": type(exc).__name__, **fields})
        return None
