"""EventBridge cron expressions, matched against a UTC minute (for the local scheduler).

Fields: minutes hours day-of-month month day-of-week year; each ``*``, ``?``,
a number or name, a range ``a-b``, a step ``*/n`` or ``a-b/n``, or a list of
those. Day-of-week counts 1 = SUN ... 7 = SAT, as EventBridge does.
"""

from __future__ import annotations

from datetime import datetime

_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}
_BOUNDS = [(0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2199)]


class CronError(ValueError):
    """The expression is not one EventBridge would accept."""


def _value(token: str, names: dict[str, int]) -> int:
    token = token.upper()
    if token in names:
        return names[token]
    if not token.isdigit():
        raise CronError(f"not a number or name: {token!r}")
    return int(token)


def _field(expr: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    values: set[int] = set()
    for part in expr.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise CronError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


def matches(expression: tuple[str, ...] | list[str], moment: datetime) -> bool:
    """Does the cron fire in the UTC minute of ``moment``?"""
    if len(expression) != 6:
        raise CronError("a cron has six fields: minutes hours day-of-month month day-of-week year")
    names = [{}, {}, {}, _MONTHS, _DAYS, {}]
    sets = [_field(str(e), lo, hi, n) for e, (lo, hi), n in zip(expression, _BOUNDS, names, strict=True)]
    dow = (moment.isoweekday() % 7) + 1  # Monday=2 ... Sunday=1
    dom_any = str(expression[2]) in ("*", "?")
    dow_any = str(expression[4]) in ("*", "?")
    day_ok = (moment.day in sets[2] or dom_any) and (dow in sets[4] or dow_any)
    return (moment.minute in sets[0] and moment.hour in sets[1] and day_ok
            and moment.month in sets[3] and moment.year in sets[5])
