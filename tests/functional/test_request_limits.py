"""New consultation requests per identity in 30 days (Policy.new_requests_per_identity_per_30_days):
counted in the intake transaction under a keyed hash of the provider identity, so that leaving and
signing up again does not reset it."""

from __future__ import annotations

import uuid

from chalicelib.domain.consultations import Status
from tests.fakes import resident
from tests.functional.conftest import TUESDAY_MORNING
from tests.functional.test_intake_api import MINIMAL, World, world  # noqa: F401
from tests.support import assert_error


def test_new_requests_per_identity_survive_leaving_and_are_keyed_by_a_keyed_hash(world: World) -> None:
    w = world
    limit = w.container.settings.policy.new_requests_per_identity_per_30_days
    alice = resident("limit-alice")
    for _ in range(limit):
        made = w.submit(alice, MINIMAL)
        assert made.status == 201, made.body
        w.repo.transition(made.json["id"], Status.CANCELLED, TUESDAY_MORNING)  # frees the open cap
    error = assert_error(w.submit(alice, MINIMAL), 429, "too_many_new_requests")
    assert f"{limit} consultation requests in the last 30 days" in error["message"]
    # leaving erases the consultations and the open count; the limit stays
    w.container.consultation_eraser(alice.subject)
    assert w.repo.open_counts.get(alice.subject) is None
    assert_error(w.submit(alice, MINIMAL), 429, "too_many_new_requests")
    # the counter's key is a keyed hash, never the provider id
    assert w.repo.quotas and all(alice.subject not in key and "limit-alice" not in key for key, _ in w.repo.quotas)
    assert w.submit(resident("limit-bob"), MINIMAL).status == 201  # someone else is unaffected
    # a replay of a stored request is not a new request
    key = str(uuid.uuid4())
    first = w.submit(resident("limit-carol"), MINIMAL, key=key)
    again = w.submit(resident("limit-carol"), MINIMAL, key=key)
    assert first.status == 201 and again.status == 201 and again.json["id"] == first.json["id"]
    assert sum(used for (k, _), used in w.repo.quotas.items()) == limit + 1 + 1
