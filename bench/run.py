"""``make bench``: how fast and how cheap Maeul is, measured in one run on the local stack.

Starts its own emulator (free port), deploys the stack, seeds, then measures:

- per operation: AWS calls by service (botocore hooks), in-process latency
  p50/p95 through ``chalice.test`` and the *floor*: the very same AWS calls,
  recorded during the operation and replayed directly with boto3 in the same
  run, the two interleaved repetition by repetition; the median of the
  repetitions' ratios operation/floor (with its interquartile spread) is what
  the app adds, and a busy machine slows both sides alike;
- cold import of ``app`` against a bare import of the third-party packages it
  imports, each in fresh interpreters, in interleaved rounds (median ratio and
  spread), on the venv's Python, which is the Lambda runtime's;
- the deployment package from ``chalice package`` (zipped size);
- peak memory (tracemalloc) per operation;
- cost per 1,000 consultations from the counted calls and ``bench/prices.json``;
- scale invariance, last and on an emulator of its own (``bench/scale.py``): matching
  calls with 120 and 12,000 attorneys, reminders-run calls with 1,000 and 100,000
  historical bookings.

Prints one table and writes ``bench/results.json``. Targets that are not met
are printed as such.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ops import awscalls  # noqa: E402

awscalls.install()  # before any botocore session exists

from bench import load, startup  # noqa: E402
from chalicelib.clock import CLOCK_VAR, pinned  # noqa: E402
from ops import processes, stack  # noqa: E402
from ops.localstage import Ports, local_environment  # noqa: E402

KOREA = ZoneInfo("Asia/Seoul")

RESULTS = ROOT / "bench" / "results.json"
PRICES = ROOT / "bench" / "prices.json"


@dataclass
class Measured:
    name: str
    calls: dict[str, int]
    p50_ms: float
    p95_ms: float
    floor_p50_ms: float | None
    peak_kib: float
    iterations: int
    note: str = ""
    targets: dict[str, Any] = field(default_factory=dict)
    ratio: float | None = None  # median of the per-repetition ratios operation / floor
    ratio_spread: tuple[float, float] | None = None  # their 25th and 75th percentiles
    writes: dict[str, Any] = field(default_factory=dict)  # DynamoDB writes of one run (bench/load.py)


@dataclass
class Operation:
    name: str
    run: Callable[[], Any]
    iterations: int = 30
    targets: dict[str, Any] = field(default_factory=dict)


OVERHEAD_TARGET = 1.3  # the app's time over the same AWS calls made directly


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _replay(recorded: list[tuple[str, str, dict]], clients: dict[str, Any]) -> None:
    from botocore import xform_name

    for service, operation, params in recorded:
        try:
            getattr(clients[service], xform_name(operation))(**params)
        except Exception:  # noqa: BLE001 - conditional failures cost the same round trip
            pass


def spread(ratios: list[float]) -> tuple[float, tuple[float, float]]:
    """Median and interquartile range of repeated ratios."""
    return statistics.median(ratios), (_percentile(ratios, 0.25), _percentile(ratios, 0.75))


def measure(op: Operation, session: Any) -> Measured:
    """The operation and its floor (the same AWS calls made directly), interleaved.

    Each repetition times the operation and then the floor (the order alternating), so a machine
    that gets busy slows both sides of a ratio alike; the ratio is the median of the repetitions'
    ratios, reported with its interquartile spread.
    """
    with awscalls.count_calls() as counted, awscalls.record_calls() as recorded:
        op.run()  # warm-up run: counted and recorded
    calls = dict(sorted(Counter({k: v for k, v in counted.by_operation.items()}).items()))
    clients = {svc: session.client(svc) for svc in {r[0] for r in recorded}}
    if recorded:
        _replay(recorded, clients)  # warm the direct clients

    def timed(run: Callable[[], Any]) -> float:
        started = time.perf_counter()
        run()
        return (time.perf_counter() - started) * 1000

    durations: list[float] = []
    floors: list[float] = []
    for i in range(op.iterations):
        if not recorded:
            durations.append(timed(op.run))
            continue
        if i % 2:
            floors.append(timed(lambda: _replay(recorded, clients)))
            durations.append(timed(op.run))
        else:
            durations.append(timed(op.run))
            floors.append(timed(lambda: _replay(recorded, clients)))
    tracemalloc.start()
    for _ in range(3):
        op.run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ratio = ratio_spread = None
    if floors:
        ratio, ratio_spread = spread([d / max(f, 1e-6) for d, f in zip(durations, floors, strict=True)])
    from bench.load import write_profile

    return Measured(op.name, calls, statistics.median(durations), _percentile(durations, 0.95),
                    statistics.median(floors) if floors else None, peak / 1024, op.iterations,
                    targets=op.targets, ratio=ratio, ratio_spread=ratio_spread, writes=write_profile(recorded))


def package() -> Path:
    """``chalice package`` for prod (what Lambda runs), into a temporary directory, with its compiled
    modules for this machine's architecture (Lambda's is arm64), so that its imports can be timed here."""
    import platform

    from ops.deploy import package_app

    outputs = {"AppRoleArn": "arn:aws:iam::111122223333:role/maeul-prod-app"}
    out = Path(tempfile.mkdtemp(prefix="maeul-bench-package-"))
    package_app("prod", outputs, out / "prod",
                architecture={"aarch64": "arm64"}.get(platform.machine(), platform.machine()))
    return out / "prod" / "deployment.zip"


def package_size(bundle: Path) -> dict[str, Any]:
    mb = bundle.stat().st_size / 1024 / 1024
    return {"zipped_mb": round(mb, 2), "target_mb": 30, "met": mb <= 30}


# the blueprints of a consultation's requests (intake and list; slots and booking)
FIRST_REQUEST_MODULES = ("api.consultations", "api.reservations")


def cold_import(bundle: Path, runs: int = 25) -> dict[str, Any]:
    """A Lambda cold start's import, from the deployment package itself.

    Fresh interpreters isolated from this machine's site-packages (``-I -S``, only the
    extracted bundle on the path, ``-B`` so no run leaves bytecode for the next): ``import app``
    against importing, bare, every third-party module that ``import app`` loads (the floor: the
    same dependency code, without the app's own). Also reported: the same import when the bundle
    carries no bytecode (what every cold start paid before ``ops/deploy.add_bytecode``).
    """
    import zipfile

    python = sys.executable
    root = Path(tempfile.mkdtemp(prefix="maeul-bench-bundle-"))
    zipfile.ZipFile(bundle).extractall(root)
    env = {"MAEUL_STAGE": "prod", "AWS_DEFAULT_REGION": "ap-northeast-2"}
    prefix = f"import sys; sys.path.insert(0, {str(root)!r}); "
    probe = prefix + ("import app; own = ('app', 'chalicelib'); "
                      "print(' '.join(sorted(m for m, mod in list(sys.modules.items()) "
                      f"if str(getattr(mod, '__file__', None) or '').startswith({str(root)!r}) "
                      "and m.split('.')[0] not in own)))")
    deps = subprocess.run([python, "-I", "-S", "-B", "-c", probe], cwd=root, capture_output=True, text=True,
                          env=env, check=True).stdout.split()

    def once(code: str, where: Path = root) -> float:
        started = time.perf_counter()
        subprocess.run([python, "-I", "-S", "-B", "-c", prefix.replace(str(root), str(where)) + code],
                       cwd=where, env=env, check=True, capture_output=True)
        return (time.perf_counter() - started) * 1000

    # rounds of interpreter, app and dependencies interleaved: a busy spell slows all three alike
    import_deps = f"import importlib\nfor m in {deps!r}: importlib.import_module(m)"
    rounds = [(once("pass"), once("import app"), once(import_deps)) for _ in range(runs)]
    baseline = statistics.median(r[0] for r in rounds)
    app_ms = statistics.median(r[1] for r in rounds)
    deps_ms = statistics.median(r[2] for r in rounds)
    round_ratios = [(a - b) / max(d - b, 1e-6) for b, a, d in rounds]
    # what a SnapStart snapshot holds (before_snapshot: every module a request may import) and the
    # after-restore hook's time
    everything = ("import app, time\nfrom chalicelib import snapstart\n"
                  "snapstart.before_snapshot()\nstarted = time.perf_counter()\nsnapstart.after_restore()\n"
                  "print((time.perf_counter() - started) * 1000)")
    all_ms, hook_ms = [], []
    first_ms: dict[str, list[float]] = {module: [] for module in FIRST_REQUEST_MODULES}
    for _ in range(max(3, runs // 2)):
        started = time.perf_counter()
        printed = subprocess.run([python, "-I", "-S", "-B", "-c", prefix + everything], cwd=root, env=env,
                                 check=True, capture_output=True, text=True).stdout
        all_ms.append((time.perf_counter() - started) * 1000)
        hook_ms.append(float(printed.split()[-1]))
        for module in FIRST_REQUEST_MODULES:  # a first request on demand: import app, then its blueprint
            first = f"import app\nfrom chalicelib.api import routing\nrouting.load_all([{module!r}])"
            first_ms[module].append(once(first))
    for cache in list(root.rglob("__pycache__")):
        shutil.rmtree(cache)
    source_only_ms = statistics.median(once("import app") for _ in range(runs))
    shutil.rmtree(root)
    ratio, (low, high) = spread(round_ratios)
    return {"app_ms": round(app_ms, 1), "deps_ms": round(deps_ms, 1), "interpreter_ms": round(baseline, 1),
            "app_all_ms": round(statistics.median(all_ms) - baseline, 1),
            "first_request_ms": {module: round(statistics.median(ms) - baseline, 1)
                                 for module, ms in first_ms.items()},
            "after_restore_ms": round(statistics.median(hook_ms), 2),
            "app_without_bytecode_ms": round(source_only_ms, 1), "ratio": round(ratio, 3),
            "ratio_spread": [round(low, 3), round(high, 3)], "rounds": runs, "target": 1.2,
            "met": ratio <= 1.2, "dependency_modules": len(deps),
            "python": f"{sys.version_info.major}.{sys.version_info.minor}"}


def message_mix(sent: list[dict[str, Any]]) -> dict[str, float]:
    """Messages per booked consultation by SENS channel (alimtalk, sms, lms), from the SENS emulator's
    outbox of the measured run: what the residents who booked were sent (request received, booking
    confirmed), plus the attorneys' booking alerts per booking (their registered template on the
    alert channel they chose: 알림톡 or its failover by default, plain SMS/LMS on ``sms``; past the
    hourly alert limit one "schedule changed" alert stands for several bookings)."""
    def template(m: dict[str, Any]) -> str:
        return str(m.get("template") or "")

    booked = {m["to"] for m in sent if template(m).startswith("MAEUL_BOOKED")}
    if not booked:
        return {}
    counted = Counter(m["channel"] for m in sent if m["to"] in booked)
    bookings = sum(1 for m in sent if template(m).startswith("MAEUL_BOOKED"))
    counted.update(m["channel"] for m in sent if m["to"] not in booked  # booked, or several changes at once
                   and (template(m).startswith(("MAEUL_ATT_BOOKING", "MAEUL_ATT_CHANGED"))
                        or (not template(m) and "예약 상담이 배정" in m["text"])))
    return {channel: round(n / bookings, 3) for channel, n in sorted(counted.items())}


def message_costs(mix: dict[str, float], prices: dict[str, Any]) -> dict[str, Any]:
    """Messaging per 1,000 booked consultations: before (every message a plain SNS SMS, as before the
    SENS channel) and after (the measured SENS mix plus the four reminders: two 알림톡 to the
    resident, two to the attorney on the default alert channel, 알림톡)."""
    sns = prices["sns_sms_korea"]["per_message_transactional"]
    sens = prices["sens_korea"]
    per = {k: sens[k] * sens["usd_per_krw"] for k in ("alimtalk", "sms", "lms")}
    after_mix = Counter(mix)
    after_mix["alimtalk"] += 4
    after = {f"sens_{k}": round(1000 * n * per[k], 4) for k, n in after_mix.items() if k in per}
    before_messages = sum(after_mix.values())
    return {"messages_per_consultation": dict(after_mix), "before_usd": round(1000 * before_messages * sns, 4),
            "after_usd": round(sum(after.values()), 4), "after_items": after,
            "sens_prices_as_of": sens["as_of"]}


def cost_per_1000(measured: dict[str, Measured], prices: dict[str, Any],
                  memory_mb: int = 1024, mix: dict[str, float] | None = None) -> dict[str, Any]:
    """Cost of 1,000 consultations from the counted calls of the operations they go through.

    With ``mix`` (the measured messages per consultation on the SENS channel) the messages are
    priced at SENS rates and SNS publishes are the attorneys' e-mails; without it, as before: every
    publish and the booking's five messages are SNS SMS."""
    journey = {"intake": 1, "slots_one_day": 2, "booking": 1, "list_50": 1, "reminders_run": 0}
    items: Counter = Counter()
    lam, api = prices["lambda"], prices["api_gateway_rest"]
    ddb, kms = prices["dynamodb_on_demand"], prices["kms"]
    for name, times in journey.items():
        m = measured.get(name)
        if m is None:
            continue
        n = 1000 * times
        items["api_gateway"] += n * api["per_request"]
        items["lambda_requests"] += n * lam["per_request"]
        items["lambda_compute"] += n * (m.p50_ms / 1000) * (memory_mb / 1024) * lam["per_gb_second_x86"]
        for call, count in m.calls.items():
            service, operation = call.split(".", 1)
            if service == "dynamodb":
                if operation in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"):
                    items["dynamodb"] += n * count * ddb["per_write_request_unit"]
                elif operation == "TransactWriteItems":
                    items["dynamodb"] += n * count * 3 * ddb["transactional_multiplier"] * ddb["per_write_request_unit"]
                else:
                    items["dynamodb"] += n * count * ddb["per_read_request_unit"]
            elif service == "kms":
                items["kms"] += n * count * kms["per_request"]
            elif service == "sns" and operation == "Publish":
                if mix is None:
                    items["sns_sms"] += n * count * prices["sns_sms_korea"]["per_message_transactional"]
                else:
                    items["sns_email"] += n * count * prices["sns_email"]["per_notification"]
    messaging = message_costs(mix, prices) if mix else None
    if messaging is not None:
        for name, usd in messaging["after_items"].items():
            items[name] += usd
    elif "booking" in measured:
        # Each booking sends the attorney an SMS alert and two reminders each to attorney and resident.
        items["sns_sms"] += 1000 * 4 * prices["sns_sms_korea"]["per_message_transactional"]
    total = sum(items.values())
    biggest = max(items, key=items.get) if items else None
    return {"usd": round(total, 4), "items": {k: round(v, 4) for k, v in items.most_common()},
            "biggest": biggest, "operations_counted": [n for n in journey if n in measured],
            "prices_as_of": prices["as_of"], "messaging": messaging}


def operations(env: dict[str, str]) -> list[Operation]:
    """The operations to measure; those whose feature is not built yet are skipped with a note."""
    from tests.support import ApiClient

    client = ApiClient(env)
    ops = [
        Operation("health", lambda: client.get("/api/health"), 200),
        Operation("meta", lambda: client.get("/api/meta"), 100),
    ]
    try:
        from bench import scenarios
    except ImportError:
        return ops
    return ops + scenarios.operations(client, env)


def _next_weekday_morning(now: datetime) -> datetime:
    """10:05 in Korea on the next Monday-to-Friday after ``now``."""
    day = now.astimezone(KOREA).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time_of_day(10, 5), tzinfo=KOREA)


def main() -> int:
    import boto3

    port, sens_port, translate_port = processes.free_port(), processes.free_port(), processes.free_port()
    emulator = processes.emulator(port).start()
    sens = processes.sens(sens_port).start()  # resident messages go out on the SENS channel, counted
    translator = processes.translator(translate_port).start()  # chat translation: TranslateText, counted
    try:
        os.environ.update({"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_DEFAULT_REGION": "ap-northeast-2",
                           "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"})
        session = boto3.session.Session(region_name="ap-northeast-2")
        from ops.deploy import provision_local_secrets

        deployment = stack.deploy(session, "local", log=lambda _m: None)
        provision_local_secrets(session, deployment)
        from ops.outbox import ensure_outbox

        ensure_outbox(session, deployment)  # the attorneys' e-mail alerts need the verified mail domain
        env = local_environment(Ports(aws=port, app=processes.free_port(), idp=processes.free_port(),
                                      sens=sens_port, translate=translate_port), stack_env=deployment.environment())
        env["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # the app's info lines would drown the table
        # residents' messages wait out the quiet hours (21:00-08:00 in Korea): the measured run happens on the
        # next weekday morning, so the message mix does not depend on the hour make bench is run at
        env[CLOCK_VAR] = pinned(_next_weekday_morning(datetime.now(UTC)))
        # the list_50 operation's resident holds 50 consultations: more than one person may ask for online
        policy = json.loads(env.get("MAEUL_POLICY") or "{}")
        env["MAEUL_POLICY"] = json.dumps({**policy, "new_requests_per_identity_per_30_days": 100})
        os.environ.update(env)
        from chalicelib.composition import Container, use_container
        from chalicelib.settings import Settings
        from ops import seed

        container = Container(Settings.from_env(env))
        use_container(container)
        seed.run_and_open(container)  # as make run: the ranking index's year open, as in production
        measured = {op.name: measure(op, session) for op in operations(env)}
        from ops.outbox import sent_sens

        mix = message_mix(sent_sens(env["MAEUL_SENS_BASE_URL"]))
    finally:
        translator.stop()
        sens.stop()
        emulator.stop()
    from bench import scale, translation

    # --skip-scale: the scale figures (about five minutes) are left out
    scaling = None if "--skip-scale" in sys.argv else scale.run_isolated()  # last, on an emulator of its own
    from bench import ranking_scale

    # in process: the ranking index's call counts at 120 to 120,000 attorneys (a scale figure too)
    ranking = None if "--skip-scale" in sys.argv else ranking_scale.run()
    bundle = package()
    prices = json.loads(PRICES.read_text())
    cost = cost_per_1000(measured, prices, mix=mix)
    operations_out = {name: dict(m.__dict__) for name, m in measured.items()}
    cold = cold_import(bundle)
    results = {
        "operations": operations_out,
        "scale_invariance": scaling,
        "cold_import": cold,
        "ranking_index": ranking,
        "package": package_size(bundle),
        "cost_per_1000_consultations": cost,
        "translated_chat_per_consultation": translation.cost_per_consultation(measured, prices),
        "runtime_options": startup.options(cold, cost, prices, memory_mb=1024),
        "day_of_the_province": day(operations_out, mix),
    }
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    print_table(results)
    return 0


def day(operations_out: dict[str, dict[str, Any]], mix: dict[str, float] | None) -> dict[str, Any]:
    from chalicelib.jobs import JOBS
    from ops import stages

    return load.day_of_the_province(operations_out, mix, stages.settings("prod"), [(j.name, j.cron) for j in JOBS])


def print_table(results: dict[str, Any]) -> None:
    print(f"\n{'operation':<18}{'AWS calls':<52}{'p50 ms':>8}{'p95 ms':>8}{'floor':>8}{'ratio':>7}"
          f"{'(IQR)':>13}{'peak KiB':>10}")
    for name, m in results["operations"].items():
        calls = ", ".join(f"{k.split('.', 1)[1]}×{v}" for k, v in m["calls"].items()) or "none"
        floor = f"{m['floor_p50_ms']:.1f}" if m["floor_p50_ms"] else "-"
        ratio = f"{m['ratio']:.2f}" if m["ratio"] else "-"
        iqr = f"{m['ratio_spread'][0]:.2f}–{m['ratio_spread'][1]:.2f}" if m["ratio_spread"] else "-"
        print(f"{name:<18}{calls[:50]:<52}{m['p50_ms']:>8.1f}{m['p95_ms']:>8.1f}{floor:>8}{ratio:>7}"
              f"{iqr:>13}{m['peak_kib']:>10.0f}")
    overheads = {name: m for name, m in results["operations"].items() if m["ratio"]}
    if overheads:
        name, worst = max(overheads.items(), key=lambda item: item[1]["ratio"])
        print(f"in-process overhead over the floor: worst median ratio {worst['ratio']:.2f} ({name}, IQR "
              f"{worst['ratio_spread'][0]:.2f}–{worst['ratio_spread'][1]:.2f}; target ≤ {OVERHEAD_TARGET}: "
              f"{'met' if worst['ratio'] <= OVERHEAD_TARGET else 'NOT met'})")
    print_scale(results.get("scale_invariance"))
    from bench.ranking_scale import print_rows

    print_rows(results.get("ranking_index"))
    ci = results["cold_import"]
    print(f"\ncold import (from the package): app {ci['app_ms']} ms vs its {ci['dependency_modules']} "
          f"dependency modules {ci['deps_ms']} ms (interpreter {ci['interpreter_ms']} ms, Python {ci['python']}): "
          f"ratio {ci['ratio']} (IQR {ci['ratio_spread'][0]}–{ci['ratio_spread'][1]} over {ci['rounds']} rounds) "
          f"(target ≤ 1.2: {'met' if ci['met'] else 'NOT met'}); without bytecode in the package: "
          f"{ci['app_without_bytecode_ms']} ms")
    first = ", ".join(f"{module} {ms} ms" for module, ms in ci["first_request_ms"].items())
    print(f"cold import with the first request's blueprint (on demand): {first}; with every blueprint module "
          f"(what a SnapStart snapshot holds): {ci['app_all_ms']} ms; after-restore hook {ci['after_restore_ms']} ms")
    startup.print_options(results.get("runtime_options"))
    load.print_day(results.get("day_of_the_province"))
    pkg = results["package"]
    print(f"deployment package: {pkg['zipped_mb']} MB zipped (target ≤ 30: {'met' if pkg['met'] else 'NOT met'})")
    cost = results["cost_per_1000_consultations"]
    print(f"cost per 1,000 consultations: ${cost['usd']} (biggest: {cost['biggest']}; prices as of "
          f"{cost['prices_as_of']}; operations counted: {', '.join(cost['operations_counted']) or 'none yet'})")
    messaging = cost.get("messaging")
    if messaging:
        mix = ", ".join(f"{k} {v:g}" for k, v in messaging["messages_per_consultation"].items())
        print(f"messages per booked consultation: {mix}; messaging per 1,000 consultations: before (all SNS SMS) "
              f"${messaging['before_usd']}, after (SENS) ${messaging['after_usd']} "
              f"(SENS prices as of {messaging['sens_prices_as_of']})")
    translated = results.get("translated_chat_per_consultation")
    if translated:
        print(f"translated chat per consultation ({translated['messages']} messages of "
              f"{translated['characters_per_message']} characters, assumed): {translated['translate_calls']} "
              f"TranslateText calls, {translated['characters_translated']:,} characters, ${translated['usd']} "
              f"(translation ${translated['usd_translation']}; Amazon Translate price as of "
              f"{translated['prices_as_of']})")
    print(f"written to {RESULTS.relative_to(ROOT)}")


def print_scale(scaling: dict[str, Any] | None) -> None:
    """The scale-invariance rows: the same operation's AWS calls at a small and a large scale."""
    if not scaling:
        return
    titles = {"matching_realtime": "matching calls per consultation, real-time offer",
              "slot_listing": "slot listing calls (one day's open slots) per consultation",
              "matching_booking": "matching calls per consultation, booking",
              "reminders_run": "reminders-run calls (same due set) by historical bookings"}
    print(f"\nscale invariance (AWS calls by service and API; {scaling['seconds']:.0f} s in all):")

    def listed(calls: dict[str, int]) -> str:
        return ", ".join(f"{k}×{v}" for k, v in calls.items()) or "none"

    for name, f in scaling["figures"].items():
        print(f"- {titles.get(name, name)}: {f['small_label']}: {f['small_total']} calls, {f['large_label']}: "
              f"{f['large_total']} calls, equal: {'yes' if f['equal'] else 'no'} "
              f"(target {f['target']}: {'met' if f['met'] else 'NOT met'})")
        print(f"    {f['small_label']:>7}: {listed(f['small'])}")
        print(f"    {f['large_label']:>7}: {listed(f['large'])}")
        if f.get("control"):
            control = f["control"]
            print(f"    control, {control['label']}: {sum(control['calls'].values())} calls, equal to "
                  f"{f['small_label']}: {'yes' if control['equal_to_small'] else 'no'}")
        print(f"    note: {f['note']}")


if __name__ == "__main__":
    sys.exit(main())
