"""A day of the province on paper, from the call counts measured on the emulator (``make bench``).

Inputs, all measured in the same run: each operation's AWS calls and the writes it made (the
recorded request parameters: items, transaction items, item sizes, the keys written), the
messages per booked consultation (the SENS emulator's outbox). Inputs that are assumptions are
named here and printed with the figures: the journey of a consultation (the same as the cost
model's), the busiest ten minutes' share of a day, the attorneys' number.

Out: DynamoDB write units, Lambda invocations and messages per day, and each limit's headroom at
the busiest ten minutes: API Gateway's rate limit, the API function's reserved concurrency, the
per-partition write limit of the hottest item (a shared item every request writes, an attorney's
own items), the per-IP WAF limit. The first limit is the one with the least headroom.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from typing import Any

# a consultation's requests (the cost model's journey): intake, two slot listings, booking, a list
JOURNEY = {"intake": 1, "slots_one_day": 2, "booking": 1, "list_50": 1}
REQUESTS_PER_DAY = 1000  # consultations a day in the province (the "day of the province")
ROSTERS = (120, 1200)
PEAK_SHARE = 0.2  # assumption: a fifth of a day's requests in its busiest ten minutes (opening at 10:00)
PEAK_SECONDS = 600
PARTITION_WRITE_UNITS = 1000  # DynamoDB: write units per second one partition (one item) takes at most
REMINDERS_PER_BOOKING = 4  # two to the resident, two to the attorney (24 h and 1 h before)

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ATTORNEY = re.compile(r"att-[0-9a-z]+")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,}")
_NUMBER = re.compile(r"\d+")


def _is_word(token: str) -> bool:
    """A long token that names something rather than identifying it: a word, or a category's code
    (``workplace_harassment``, in the ranking index's partition keys)."""
    from chalicelib.domain.categories import CATEGORIES

    return token.isalpha() or token in {category.code for category in CATEGORIES}


def key_class(pk: str) -> tuple[str, str]:
    """A written partition key as its class and whose it is: ``attorney`` (one item per attorney),
    ``entity`` (a consultation's, a resident's, a session's...), ``partition`` (a partition of many
    items, the ranking index's: every attorney covering its category × region has an entry there)
    or ``shared`` (one item for all)."""
    text = _UUID.sub("{id}", pk)
    text = _ATTORNEY.sub("{attorney}", text)
    text = _TOKEN.sub(lambda m: m.group(0) if _is_word(m.group(0)) else "{id}", text)
    text = _NUMBER.sub("{n}", text)
    if "{attorney}" in text:
        return text, "attorney"
    if text.startswith("RANK#"):
        return text, "partition"
    if "{id}" in text or text.startswith(("SUBJECT#", "USER#", "OWNER#", "LOGIN#", "SESSION#", "REFRESH#")):
        return text, "entity"
    return text, "shared"


def _size_units(item: dict[str, Any]) -> int:
    """Write units of an item: 1 per started KB (DynamoDB's size: names and values; the request's
    JSON is a close upper bound)."""
    return max(1, math.ceil(len(json.dumps(item, default=str).encode("utf-8")) / 1024))


def _pk(key_or_item: dict[str, Any]) -> str:
    value = key_or_item.get("pk") or key_or_item.get("PK") or next(iter(key_or_item.values()), {})
    return str(value.get("S", value)) if isinstance(value, dict) else str(value)


def write_profile(recorded: list[tuple[str, str, dict]]) -> dict[str, Any]:
    """The writes of one run of an operation: write units, items and the key classes written."""
    units = 0
    items = 0
    keys: Counter = Counter()
    for service, operation, params in recorded:
        if service != "dynamodb":
            continue
        writes: list[tuple[dict[str, Any], int]] = []  # (item or key, multiplier)
        if operation == "PutItem":
            writes.append((params.get("Item", {}), 1))
        elif operation in ("UpdateItem", "DeleteItem"):
            writes.append((params.get("Key", {}), 1))
        elif operation == "BatchWriteItem":
            for requests in params.get("RequestItems", {}).values():
                for request in requests:
                    body = request.get("PutRequest", {}).get("Item") or request.get("DeleteRequest", {}).get(
                        "Key", {}
                    )
                    writes.append((body, 1))
        elif operation == "TransactWriteItems":
            for entry in params.get("TransactItems", []):
                for body in entry.values():  # Put, Update, Delete, ConditionCheck: 2 units each
                    writes.append((body.get("Item") or body.get("Key") or {}, 2))
        for body, multiplier in writes:
            units += multiplier * _size_units(body)
            items += 1
            keys[key_class(_pk(body))] += 1
    return {
        "write_units": units,
        "items": items,
        "keys": [{"key": k, "whose": whose, "writes": n} for (k, whose), n in sorted(keys.items())],
    }


def runs_per_day(cron: tuple[str, ...]) -> int:
    """How often a job's EventBridge cron (minutes, hours, ...) fires in a day."""

    def values(field: str, top: int) -> set[int]:
        chosen: set[int] = set()
        for part in field.split(","):
            step = 1
            if "/" in part:
                part, step_text = part.split("/")
                step = int(step_text)
            if part in ("*", "?"):
                low, high = 0, top - 1
            elif "-" in part:
                low, high = map(int, part.split("-"))
            else:
                low = high = int(part)
            chosen.update(range(low, high + 1, step))
        return chosen

    return len(values(cron[0], 60)) * len(values(cron[1], 24))


def day_of_the_province(
    operations: dict[str, dict[str, Any]],
    mix: dict[str, float] | None,
    stage: dict[str, Any],
    jobs: list[tuple[str, tuple[str, ...]]],
) -> dict[str, Any]:
    """Per day and at the busiest ten minutes, for each roster size."""
    missing = [name for name in JOURNEY if name not in operations]
    if missing:
        return {"missing": missing}
    requests = {name: REQUESTS_PER_DAY * times for name, times in JOURNEY.items()}
    api_requests = sum(requests.values())
    write_units = sum(n * operations[name]["writes"]["write_units"] for name, n in requests.items())
    write_requests = sum(
        n * count
        for name, n in requests.items()
        for call, count in operations[name]["calls"].items()
        if call.split(".", 1)[1]
        in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
    )
    scheduled = {name: runs_per_day(cron) for name, cron in jobs}
    messages_per_booking = sum((mix or {}).values()) + REMINDERS_PER_BOOKING
    peak_rps = api_requests * PEAK_SHARE / PEAK_SECONDS
    latency_s = max(operations[name]["p50_ms"] for name in JOURNEY) / 1000
    # every key class with its writes a day, and the busiest item's writes per second at the peak
    classes: dict[tuple[str, str], float] = Counter()
    for name, n in requests.items():
        for key in operations[name]["writes"]["keys"]:
            classes[(key["key"], key["whose"])] += n * key["writes"]
    rosters = []
    for attorneys in ROSTERS:
        items = []
        for (key, whose), per_day in classes.items():
            if whose == "entity":
                continue
            per_item = per_day / attorneys if whose == "attorney" else per_day
            items.append(
                {
                    "key": key,
                    "whose": whose,
                    "writes_per_day_per_item": round(per_item, 1),
                    "peak_writes_per_s_per_item": round(per_item * PEAK_SHARE / PEAK_SECONDS, 3),
                }
            )
        items.sort(key=lambda i: -i["peak_writes_per_s_per_item"])
        hottest = items[0] if items else None
        limits = {
            "api_rate_limit": {
                "limit": stage["api_rate_limit"],
                "use": round(peak_rps, 2),
                "unit": "requests/s",
            },
            "lambda_reserved_concurrency": {
                "limit": stage["api_reserved_concurrency"],
                "use": round(peak_rps * latency_s, 2),
                "unit": "concurrent executions",
            },
            "waf_per_ip": {
                "limit": stage["waf_requests_per_5_minutes"],
                "use": round(api_requests * PEAK_SHARE / 2, 1),
                "unit": "requests per 5 min from one IP (all of the peak from one address, the worst case)",
            },
        }
        if hottest:
            limits["hottest_item_writes"] = {
                "limit": PARTITION_WRITE_UNITS,
                "use": round(hottest["peak_writes_per_s_per_item"] * 2, 3),
                "unit": f"write units/s on {hottest['key']} (transactional: 2 a write)",
            }
        for figure in limits.values():
            figure["headroom"] = round(figure["limit"] / figure["use"], 1) if figure["use"] else None
        first = min((k for k in limits if limits[k]["headroom"]), key=lambda k: limits[k]["headroom"])
        rosters.append(
            {
                "attorneys": attorneys,
                "shared_and_attorney_items": items[:8],
                "limits": limits,
                "first_limit": first,
            }
        )
    return {
        "requests_per_day": REQUESTS_PER_DAY,
        "journey": JOURNEY,
        "peak_share": PEAK_SHARE,
        "api_invocations_per_day": api_requests,
        "scheduled_invocations_per_day": scheduled,
        "lambda_invocations_per_day": api_requests + sum(scheduled.values()),
        "dynamodb_write_requests_per_day": write_requests,
        "dynamodb_write_units_per_day": write_units,
        "messages_per_day": round(REQUESTS_PER_DAY * messages_per_booking),
        "messages_per_booking": round(messages_per_booking, 2),
        "peak_requests_per_s": round(peak_rps, 2),
        "rosters": rosters,
        "note": (
            "every consultation assumed booked (the upper bound for messages and writes); writes per item "
            "a day: shared items take every request's write, an attorney's items 1/attorneys of them "
            "(the fair choice spreads bookings evenly)"
        ),
    }


def print_day(day: dict[str, Any] | None) -> None:
    if not day:
        return
    if "missing" in day:
        print(f"\na day of the province: not computed (operations not measured: {', '.join(day['missing'])})")
        return
    print(
        f"\na day of the province ({day['requests_per_day']:,} consultations, each "
        f"{', '.join(f'{k}×{v}' for k, v in day['journey'].items())}; calls measured on the emulator):"
    )
    print(
        f"- DynamoDB: {day['dynamodb_write_requests_per_day']:,} write requests, "
        f"{day['dynamodb_write_units_per_day']:,} write units a day"
    )
    jobs = ", ".join(f"{k} {v}" for k, v in day["scheduled_invocations_per_day"].items())
    print(
        f"- Lambda: {day['lambda_invocations_per_day']:,} invocations a day ({day['api_invocations_per_day']:,} "
        f"API; scheduled: {jobs})"
    )
    print(
        f"- messages: {day['messages_per_day']:,} a day ({day['messages_per_booking']} per booked consultation)"
    )
    print(
        f"- busiest ten minutes ({day['peak_share']:.0%} of the day): {day['peak_requests_per_s']} requests/s"
    )
    for roster in day["rosters"]:
        print(f"  {roster['attorneys']:,} attorneys: first limit: {roster['first_limit']}")
        for name, f in roster["limits"].items():
            print(f"    {name}: {f['use']} of {f['limit']} {f['unit']} (headroom ×{f['headroom']})")
        for item in roster["shared_and_attorney_items"][:4]:
            print(
                f"    {'partition' if item['whose'] == 'partition' else 'item'} {item['key']} ({item['whose']}): "
                f"{item['writes_per_day_per_item']} writes a day, "
                f"{item['peak_writes_per_s_per_item']}/s at the peak"
            )
