"""The app's clock: the machine's, or on the ``local`` stage a shifted one.

Every rule takes ``now`` from a clock (a port: ``Callable[[], datetime]``).
In production that is the machine's UTC clock. On the ``local`` stage
``MAEUL_CLOCK`` shifts it, so that a test, or a newcomer on a Sunday, can run
the whole stack as if it were a weekday at 10:00 — every process alike:

- ``2026-12-07T10:00:30+09:00``: the clock reads that instant when the
  process starts and advances normally from there;
- ``2026-12-07T10:00:30+09:00@81234.5``: it read that instant when the
  machine's monotonic clock (seconds since boot, one clock for every process
  of the machine) read the number after the ``@``. ``make run AT=…`` and the
  tests pass this pinned form to every process they start, so all of them
  agree to the millisecond however far apart they start, even when each
  process's wall clock is faked on its own (libfaketime starts every process's
  clock afresh);
- ``+3d``, ``-2h30m``, ``+90s``: an offset from the machine's clock.

Any other stage refuses ``MAEUL_CLOCK`` (see ``Settings``).

A scheduled job run "as of" an instant (``scripts/tick --at``) runs inside
``as_of(instant)``: every clock wrapped in ``FollowsAsOf`` (the container's)
then reads that instant, advancing normally, in that run's context only.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
CLOCK_VAR = "MAEUL_CLOCK"

# when this process began (monotonic), as far as the clock is concerned: an unpinned instant is read then
PROCESS_STARTED = time.monotonic()
# compiled on first use (re caches it): production never sets a clock, so its cold start compiles nothing
_OFFSET = r"^(?P<sign>[+-])(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$"


class ClockSettingError(ValueError):
    """``MAEUL_CLOCK`` is not an instant with offset, a pinned instant or an offset."""


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ShiftedClock:
    """The machine's clock moved by a fixed offset: it advances normally."""

    offset: timedelta

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass(frozen=True)
class PinnedClock:
    """A clock that read ``instant`` when the monotonic clock read ``anchor``: it advances normally."""

    instant: datetime
    anchor: float

    def __call__(self) -> datetime:
        return (self.instant + timedelta(seconds=time.monotonic() - self.anchor)).astimezone(UTC)


_AS_OF: ContextVar[PinnedClock | None] = ContextVar("maeul_as_of", default=None)


@dataclass(frozen=True)
class FollowsAsOf:
    """``base``, except inside ``as_of(instant)``: then the clock that read ``instant`` when it began."""

    base: Clock

    def __call__(self) -> datetime:
        override = _AS_OF.get()
        return override() if override is not None else self.base()

    def __getattr__(self, name: str) -> object:
        """The base clock's own controls pass through (a test clock's ``advance``)."""
        if name == "base":  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self.base, name)


@contextmanager
def as_of(instant: datetime) -> Iterator[None]:
    """Run the block as if the clock read ``instant`` at its start (this context only: other threads'
    requests keep the real clock)."""
    if instant.tzinfo is None:
        raise ClockSettingError(_usage(instant.isoformat()))
    token = _AS_OF.set(PinnedClock(instant.astimezone(UTC), time.monotonic()))
    try:
        yield
    finally:
        _AS_OF.reset(token)


def parse_clock(value: str, *, started: float | None = None) -> ShiftedClock | PinnedClock:
    """The clock ``value`` describes; ``started``: the monotonic reading the process began at."""
    text = value.strip()
    offset = re.match(_OFFSET, text)
    if offset and any(offset.group(unit) for unit in "dhms"):
        parts = {unit: int(offset.group(unit) or 0) for unit in "dhms"}
        delta = timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"])
        return ShiftedClock(-delta if offset.group("sign") == "-" else delta)
    instant_text, _, anchor_text = text.partition("@")
    try:
        instant = datetime.fromisoformat(instant_text)
        anchor = float(anchor_text) if anchor_text else (PROCESS_STARTED if started is None else started)
    except ValueError as exc:
        raise ClockSettingError(_usage(value)) from exc
    if instant.tzinfo is None:
        raise ClockSettingError(_usage(value))
    return PinnedClock(instant, anchor)


def pinned(instant: datetime, *, at: float | None = None) -> str:
    """``MAEUL_CLOCK``'s pinned form: ``instant`` read at the monotonic reading ``at`` (default now)."""
    if instant.tzinfo is None:
        raise ClockSettingError(_usage(instant.isoformat()))
    return f"{instant.isoformat()}@{time.monotonic() if at is None else at:.6f}"


def pinned_now(clock: Callable[[], datetime] = system_clock) -> str:
    """``MAEUL_CLOCK`` for processes that must read this process's clock (a test's servers)."""
    anchor = time.monotonic()
    return pinned(clock(), at=anchor)


def _usage(value: str) -> str:
    return (f"{CLOCK_VAR}={value!r} is not a clock: give an instant with its offset "
            "(2026-12-07T10:00:30+09:00), optionally pinned to a monotonic reading (…@81234.5), "
            "or an offset such as +3d or -2h30m")
