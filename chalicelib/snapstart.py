"""Lambda SnapStart: what the API function puts into its snapshot and renews after each restore.

With SnapStart (``ops/deploy.add_snapstart``) Lambda initialises the function once per published
version, snapshots the initialised environment and starts every new environment from that snapshot
instead of initialising it. So, when Lambda initialises for a snapshot
(``AWS_LAMBDA_INITIALIZATION_TYPE`` is ``snap-start``):

- before the snapshot, every blueprint module is loaded (``routing.load_all``), so that no request
  of a restored environment imports anything;
- after each restore, Python's ``random`` is seeded afresh (every environment restored from one
  snapshot would otherwise draw the same numbers), and the container (its boto3 clients with their
  pooled connections, cached secrets and data keys) and the DynamoDB models' connections are
  dropped, to be made anew at first use by this environment. ``secrets`` and ``uuid.uuid4`` read
  the operating system's randomness and need nothing.

The hooks come from ``snapshot_restore_py``, which Lambda's Python runtimes provide; anywhere else
(locally, in tests, in functions without SnapStart) nothing is registered.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

SNAPSHOT_INITIALIZATION = "snap-start"


def prepare(environ: Mapping[str, str] = os.environ) -> bool:
    """Register the hooks when this initialisation is for a snapshot; True when they were."""
    if environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != SNAPSHOT_INITIALIZATION:
        return False
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:  # not Lambda's runtime
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True


def before_snapshot() -> None:
    """Everything a request may import, imported before the snapshot: every blueprint, the container
    and every service and adapter module it builds, so that neither the after-restore hook nor the
    first request after a restore imports anything (the hook once paid about 80 ms importing the
    container and the DynamoDB models)."""
    import importlib
    import pkgutil

    from chalicelib import adapters, services
    from chalicelib.api import routing

    routing.load_all()
    importlib.import_module("chalicelib.composition")
    for package in (services, adapters):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(info.name)


def after_restore() -> None:
    import random

    from chalicelib.adapters.dynamo import base
    from chalicelib.composition import use_container

    random.seed()  # from os.urandom: each restored environment its own sequence
    use_container(None)  # new boto3 clients (new connections), secrets and data keys fetched anew
    base.reconnect()
