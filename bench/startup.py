"""Cold starts of the API function for each runtime option, from the cold-import figures of the same
``make bench`` run and the prices in ``bench/prices.json``.

Measured (``bench/run.cold_import``, fresh interpreters on the extracted package): the interpreter's
start, ``import app`` (Lambda's init: with the route table the package carries, no blueprint module is
loaded yet), ``import app`` plus the blueprint module of a consultation's first request (what an
on-demand cold start adds before it answers), ``import app`` plus every blueprint module (what a
SnapStart snapshot holds), and the after-restore hook. Not measurable here and
named as such: arm64's speed (this machine is x86_64; its init is taken as x86's) and Lambda's own
restore of a snapshot (only AWS's ``Restore Duration`` shows it).

Cost per 1,000 consultations: the measured Lambda compute of the cost model at the option's price, plus
what cold starts cost: on demand, the init at the duration price (billed since 2025-08-01); with
SnapStart, a restore per cold start and the snapshot's cache for the month.
"""

from __future__ import annotations

from typing import Any

COLD_STARTS_PER_1000 = 100  # assumption: one new execution environment per ten consultations
CONSULTATIONS_PER_MONTH = 30_000  # a day of the province (1,000) every day
SECONDS_PER_MONTH = 30 * 24 * 3600
COLD_START_TARGET_MS = 1000  # what a person may wait for a new environment, on top of the request
SNAPSTART_FUNCTIONS = 1  # the API function (ops/deploy.SNAPSTART_FUNCTIONS)


def options(
    cold: dict[str, Any], cost: dict[str, Any], prices: dict[str, Any], memory_mb: int
) -> dict[str, Any]:
    gb = memory_mb / 1024
    lam = prices["lambda"]
    snap = prices["lambda_snapstart_python"]
    x86, arm = lam["per_gb_second_x86"], lam["per_gb_second_arm64"]
    compute_x86 = cost["items"].get("lambda_compute", 0.0)
    others = cost["usd"] - compute_x86
    init_s = (cold["interpreter_ms"] + cold["app_ms"]) / 1000
    # a consultation's first request in a new environment: the interpreter, app and its blueprint module
    waits_on_demand = cold["interpreter_ms"] + max(cold["first_request_ms"].values())
    restore_hook_ms = cold["after_restore_ms"]

    def option(
        name: str, price: float, cold_cost: float, waits_ms: float | None, note: str
    ) -> dict[str, Any]:
        lambda_usd = compute_x86 * price / x86 + cold_cost
        return {
            "name": name,
            "init_ms": round(init_s * 1000, 1),
            "cold_start_wait_ms": None if waits_ms is None else round(waits_ms, 1),
            "lambda_usd": round(lambda_usd, 4),
            "usd": round(others + lambda_usd, 4),
            "note": note,
        }

    on_demand_init = COLD_STARTS_PER_1000 * init_s * gb
    cache = (
        SNAPSTART_FUNCTIONS
        * gb
        * SECONDS_PER_MONTH
        * snap["cache_per_gb_second"]
        / (CONSULTATIONS_PER_MONTH / 1000)
    )
    restores = COLD_STARTS_PER_1000 * gb * snap["restore_per_gb"]
    rows = [
        option(
            "x86_64, on demand",
            x86,
            on_demand_init * x86,
            waits_on_demand,
            "init measured; the first request adds its blueprint module (consultations or reservations, "
            "the slower counted)",
        ),
        option(
            "arm64, on demand",
            arm,
            on_demand_init * arm,
            waits_on_demand,
            "init taken as x86_64's (not measurable on this machine); 20% lower GB-second price",
        ),
        option(
            "arm64 + SnapStart",
            arm,
            cache + restores,
            None,
            f"no init at a cold start: Lambda restores the snapshot (its restore time is not measurable "
            f"here) and runs the after-restore hook ({restore_hook_ms} ms measured); the snapshot holds "
            f"every module; cache {round(cache, 4)} $ + restores {round(restores, 4)} $ per 1,000",
        ),
    ]
    baseline = rows[0]["usd"]
    for row in rows:
        row["cost_target"] = f"≤ x86_64 on demand (${baseline})"
        row["cost_met"] = row["usd"] <= baseline + 1e-9
        wait = row["cold_start_wait_ms"]
        row["cold_start_met"] = None if wait is None else wait <= COLD_START_TARGET_MS
    chosen = "arm64 + SnapStart (API function); arm64, on demand (scheduled and mail-event functions)"
    why = (
        f"arm64 runs every wheel (all have manylinux aarch64 builds) at 20% less per GB-second: "
        f"${rows[1]['usd']} vs ${rows[0]['usd']} per 1,000 consultations. On demand, a new environment "
        f"makes the person wait up to {round(waits_on_demand)} ms (init {round(init_s * 1000)} ms and "
        f"the first request's modules); SnapStart takes all of it out of the wait for "
        f"${round(rows[2]['usd'] - rows[1]['usd'], 4)} more per 1,000 consultations, so the API function "
        f"uses it. The scheduled jobs keep on-demand starts: nobody waits for them and each SnapStart "
        f"function pays its cache all month."
    )
    return {
        "options": rows,
        "chosen": chosen,
        "why": why,
        "assumptions": {
            "cold_starts_per_1000_consultations": COLD_STARTS_PER_1000,
            "consultations_per_month": CONSULTATIONS_PER_MONTH,
            "memory_mb": memory_mb,
            "cold_start_target_ms": COLD_START_TARGET_MS,
            "prices_as_of": snap["as_of"],
        },
    }


def print_options(startup: dict[str, Any] | None) -> None:
    if not startup:
        return
    a = startup["assumptions"]
    print(
        f"\nruntime options for the API function (python3.13, {a['memory_mb']} MB; "
        f"{a['cold_starts_per_1000_consultations']} cold starts per 1,000 consultations assumed; prices as of "
        f"{a['prices_as_of']}):"
    )
    for row in startup["options"]:
        wait = row["cold_start_wait_ms"]
        wait_text = (
            f"cold start waits ≤ {wait} ms (target ≤ {a['cold_start_target_ms']}: "
            f"{'met' if row['cold_start_met'] else 'NOT met'})"
            if wait is not None
            else "cold start waits: Lambda's restore (not measurable here), init none"
        )
        print(
            f"- {row['name']}: init {row['init_ms']} ms, {wait_text}; ${row['usd']} per 1,000 consultations "
            f"(Lambda ${row['lambda_usd']}; target {row['cost_target']}: "
            f"{'met' if row['cost_met'] else 'NOT met'})"
        )
        print(f"    {row['note']}")
    print(f"chosen: {startup['chosen']}\n    {startup['why']}")
