"""SnapStart hooks (chalicelib/snapstart.py): registered only when Lambda initialises for a snapshot;
after a restore the environment draws its own random numbers and makes its own connections."""

from __future__ import annotations

import random
import sys
import types

import pytest

from chalicelib import composition, snapstart
from chalicelib.adapters.dynamo import attorneys, base

SNAPSHOT = {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}


@pytest.fixture
def runtime(monkeypatch) -> dict[str, list]:
    """``snapshot_restore_py`` as Lambda's Python runtime provides it: it records the hooks."""
    registered: dict[str, list] = {"before": [], "after": []}
    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = lambda func, *a, **kw: registered["before"].append(func)
    module.register_after_restore = lambda func, *a, **kw: registered["after"].append(func)
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    return registered


def test_hooks_are_registered_only_when_lambda_initialises_for_a_snapshot(runtime) -> None:
    assert snapstart.prepare({}) is False
    assert snapstart.prepare({"AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand"}) is False
    assert runtime == {"before": [], "after": []}
    assert snapstart.prepare(SNAPSHOT) is True
    assert runtime == {"before": [snapstart.before_snapshot], "after": [snapstart.after_restore]}


def test_without_the_runtimes_library_nothing_is_registered(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # importing it raises ImportError
    assert snapstart.prepare(SNAPSHOT) is False


def test_after_a_restore_randomness_is_reseeded_and_clients_and_connections_are_made_anew() -> None:
    snapshot_state = random.getstate()
    restored_draws = []
    for _ in range(2):  # two environments restored from the same snapshot
        random.setstate(snapshot_state)
        composition.use_container(object())  # type: ignore[arg-type] - stands for the snapshot's container
        attorneys.AttorneyItem._connection = object()  # the snapshot's connection
        snapstart.after_restore()
        restored_draws.append([random.random() for _ in range(4)])
        assert composition._container is None  # built anew, with new boto3 clients, at first use
        assert all(cls._connection is None for _, cls in base._REGISTRY)
    random.setstate(snapshot_state)
    assert restored_draws[0] != restored_draws[1]
    assert restored_draws[0] != [random.random() for _ in range(4)]  # not the snapshot's sequence


def test_the_snapshot_holds_every_module_so_a_restore_imports_nothing() -> None:
    """What ``before_snapshot`` loads is what a restored environment starts with: neither the
    after-restore hook nor a request's container then imports anything (a fresh interpreter)."""
    import subprocess
    from pathlib import Path

    code = ("import sys\nfrom chalicelib import snapstart\nsnapstart.before_snapshot()\n"
            "before = set(sys.modules)\nsnapstart.after_restore()\n"
            "from chalicelib.composition import Container\nfrom chalicelib.settings import Settings\n"
            "c = Container(Settings.from_env({'MAEUL_STAGE': 'local', 'MAEUL_KMS_KEY_ARN': 'arn:aws:kms:"
            "ap-northeast-2:000000000000:key/snapshot'}))\n"
            "c.reservations, c.realtime_queue, c.consultation_reads, c.rooms, c.attachments\n"
            "print(sorted(m for m in set(sys.modules) - before if m.startswith('chalicelib')))")
    root = Path(__file__).resolve().parents[2]
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "ap-northeast-2", "AWS_ACCESS_KEY_ID": "snapshot",
           "AWS_SECRET_ACCESS_KEY": "snapshot"}  # clients are made, never called
    printed = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True,
                             check=True).stdout
    assert printed.strip().splitlines()[-1] == "[]"
