"""``scripts/load``: a bounded load run of the whole reservation journey on the local stack.

Each simulated resident, on its own HTTP session (cookies, CSRF header), does what a person
does in the browser, against the app's real HTTP server:

1. signs in with Kakao through the dev identity provider (``login_hint``, real codes and state);
2. submits a consultation (``POST /api/consultations`` with an ``Idempotency-Key``);
3. lists the open slots of the next service days;
4. books one of the first ``choices`` open starts (people pick the earliest, so they
   collide); on 409 ``slot_taken`` it lists again and picks another (four tries);
5. reads its consultation back.

Requests go to 127.0.0.1 only. The run is bounded by the number of residents and of parallel
workers. It reports throughput, latency per step, statuses and errors, and checks from the
answers alone that no (attorney, start) pair was given twice and that every consultation
answered 201 can be read back (tests cross-check the same in DynamoDB).

    scripts/load --residents 40 --workers 8      # against a running `make run`
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

STEPS = ("sign_in", "intake", "slots", "booking", "read_back")


class JourneyError(Exception):
    """A step answered something the journey cannot go on from."""

    def __init__(self, step: str, status: int, body: str) -> None:
        super().__init__(f"{step}: HTTP {status}")
        self.step, self.status, self.body = step, status, body


@dataclass(frozen=True)
class Resident:
    """What one simulated resident types in: fake, but unique, so a log scan can look for it."""

    index: int
    account: str
    name: str
    phone: str
    email: str
    description: str


@dataclass
class Journey:
    resident: Resident
    consultation_id: str | None = None
    booking: dict[str, Any] | None = None
    read_back: dict[str, Any] | None = None
    slot_taken: int = 0
    error: JourneyError | None = None
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    secrets: list[str] = field(default_factory=list)  # codes, states, tokens seen on the way


@dataclass
class LoadReport:
    residents: int
    workers: int
    seconds: float
    journeys: list[Journey]

    @property
    def completed(self) -> list[Journey]:
        return [j for j in self.journeys if j.error is None]

    @property
    def requests(self) -> int:
        return sum(sum(j.statuses.values()) for j in self.journeys)

    def statuses(self) -> Counter:
        total: Counter = Counter()
        for journey in self.journeys:
            total.update(journey.statuses)
        return total

    def double_bookings(self) -> list[tuple[str, str]]:
        """(attorney, start) pairs answered to more than one consultation."""
        given = Counter((j.booking["attorney"]["id"], j.booking["start"])
                        for j in self.completed if j.booking)
        return [pair for pair, n in given.items() if n > 1]

    def lost(self) -> list[str]:
        """Consultations answered 201 that could not be read back as they were booked."""
        return [j.consultation_id or "?" for j in self.journeys
                if j.consultation_id and (j.read_back is None or j.read_back.get("id") != j.consultation_id)]

    def latency(self) -> dict[str, dict[str, float]]:
        merged: dict[str, list[float]] = defaultdict(list)
        for journey in self.journeys:
            for step, values in journey.timings.items():
                merged[step].extend(values)
        return {step: {"n": len(values), "p50_ms": round(statistics.median(values) * 1000, 1),
                       "p95_ms": round(sorted(values)[max(0, round(0.95 * (len(values) - 1)))] * 1000, 1)}
                for step in STEPS if (values := merged.get(step))}

    def summary(self) -> dict[str, Any]:
        errors = Counter(f"{j.error.step} {j.error.status}" for j in self.journeys if j.error)
        return {
            "residents": self.residents, "workers": self.workers, "seconds": round(self.seconds, 2),
            "completed": len(self.completed), "errors": dict(errors),
            "journeys_per_second": round(len(self.completed) / self.seconds, 2) if self.seconds else None,
            "requests": self.requests,
            "requests_per_second": round(self.requests / self.seconds, 2) if self.seconds else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses().items())},
            "slot_taken_retries": sum(j.slot_taken for j in self.journeys),
            "double_bookings": len(self.double_bookings()), "lost_consultations": len(self.lost()),
            "latency": self.latency(),
        }


def residents(count: int, run: str | None = None) -> list[Resident]:
    run = run or uuid.uuid4().hex[:6]
    return [Resident(index=i, account=f"load-{run}-{i:04d}", name=f"부하{run}{i:04d}",
                     phone=f"010-7{int(run[:3], 16) % 1000:03d}-{i:04d}",
                     email=f"load.{run}.{i}@example.invalid",
                     description=f"Load-run {run} case {i}: October wages were not paid at the warehouse.")
            for i in range(count)]


def _loopback(base_url: str) -> str:
    host = urlsplit(base_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load {host}: the load run targets 127.0.0.1 only")
    return base_url.rstrip("/")


class _Client:
    def __init__(self, base_url: str, journey: Journey, timeout: float) -> None:
        self.base, self.journey, self.timeout = base_url, journey, timeout
        self.http = requests.Session()

    def call(self, step: str, method: str, url: str, **kw: Any) -> requests.Response:
        headers = dict(kw.pop("headers", {}))
        csrf = self.http.cookies.get("csrf")  # the local stage's plain names (CONTRACT.md "Sessions")
        if csrf and method not in ("GET", "HEAD"):
            headers["X-CSRF-Token"] = csrf
        began = time.perf_counter()
        response = self.http.request(method, url if "://" in url else self.base + url, headers=headers,
                                     allow_redirects=False, timeout=self.timeout, **kw)
        self.journey.timings[step].append(time.perf_counter() - began)
        self.journey.statuses[response.status_code] += 1
        return response

    def expect(self, step: str, response: requests.Response, *statuses: int) -> requests.Response:
        if response.status_code not in statuses:
            raise JourneyError(step, response.status_code, response.text[:300])
        return response


def _journey(base_url: str, resident: Resident, *, attempts: int, choices: int, timeout: float,
             intake: Callable[[Resident], dict[str, Any]]) -> Journey:
    journey = Journey(resident)
    client = _Client(base_url, journey, timeout)
    try:
        # 1. sign in: app → dev IdP (login_hint skips the page) → callback sets the session
        start = client.expect("sign_in", client.call("sign_in", "GET", "/auth/kakao/login?next=/api/me"), 302)
        authorize = start.headers["Location"] + f"&login_hint={resident.account}"
        back = client.expect("sign_in", client.call("sign_in", "GET", authorize), 302).headers["Location"]
        journey.secrets += [v for k, v in _query(back).items() if k in ("code", "state")]
        client.expect("sign_in", client.call("sign_in", "GET", back), 302)
        journey.secrets += [c.value for c in client.http.cookies if c.value]
        # 2. intake
        created = client.expect("intake", client.call(
            "intake", "POST", "/api/consultations", json=intake(resident),
            headers={"Idempotency-Key": uuid.uuid4().hex}), 201).json()
        journey.consultation_id = created["id"]
        # 3. + 4. slots, then booking; a taken slot sends the resident back to the list
        for attempt in range(attempts):
            query = {"consultation_id": journey.consultation_id}
            answer = client.expect("slots", client.call("slots", "GET", "/api/slots", params=query), 200)
            listed = answer.json()
            if not listed:
                raise JourneyError("slots", 200, "no open slot left")
            pick = listed[(resident.index + attempt) % min(choices, len(listed))]
            booked = client.call("booking", "POST", f"/api/consultations/{journey.consultation_id}/booking",
                                 json={"start": pick["start"]})
            if booked.status_code == 409 and booked.json().get("error", {}).get("code") == "slot_taken":
                journey.slot_taken += 1
                continue
            journey.booking = client.expect("booking", booked, 201).json()
            break
        else:
            raise JourneyError("booking", 409, f"slot taken {attempts} times")
        # 5. read back
        journey.read_back = client.expect("read_back", client.call(
            "read_back", "GET", f"/api/consultations/{journey.consultation_id}"), 200).json()
    except JourneyError as exc:
        journey.error = exc
    except requests.RequestException as exc:
        journey.error = JourneyError("network", 0, type(exc).__name__)
    return journey


def _query(url: str) -> dict[str, str]:
    from urllib.parse import parse_qs

    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def reservation_intake(category: str, region: str) -> Callable[[Resident], dict[str, Any]]:
    def body(resident: Resident) -> dict[str, Any]:
        return {"category": category, "region": region, "mode": "reservation", "method": "phone",
                "name": resident.name, "phone": resident.phone, "email": resident.email,
                "description": resident.description, "consent_privacy": True}
    return body


def run(base_url: str, people: list[Resident], *, workers: int = 8, attempts: int = 4, choices: int = 2,
        timeout: float = 60.0,
        category: str = "wage_arrears", region: str = "suwon") -> LoadReport:
    base_url = _loopback(base_url)
    intake = reservation_intake(category, region)
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        journeys = list(pool.map(lambda r: _journey(base_url, r, attempts=attempts, choices=choices,
                                                    timeout=timeout, intake=intake), people))
    return LoadReport(len(people), workers, time.perf_counter() - began, journeys)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=None, help="the app (default: the local stage's, 127.0.0.1 only)")
    parser.add_argument("--residents", type=int, default=40)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--category", default="wage_arrears")
    parser.add_argument("--region", default="suwon")
    args = parser.parse_args(argv)
    if not 1 <= args.residents <= 1000 or not 1 <= args.workers <= 64:
        parser.error("--residents must be 1..1000 and --workers 1..64 (a bounded run)")
    from ops.localstage import Ports

    url = args.url or f"http://127.0.0.1:{Ports.from_env().app}"
    report = run(url, residents(args.residents), workers=args.workers, category=args.category,
                 region=args.region)
    print(json.dumps(report.summary(), ensure_ascii=False, indent=2))
    return 0 if not report.double_bookings() and not report.lost() else 1


if __name__ == "__main__":
    sys.exit(main())
