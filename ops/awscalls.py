"""Count AWS API calls made by any botocore client in this process (event hooks).

Used by the tests (call budgets) and by ``make bench``. Installing the hook
patches ``botocore.session.Session`` so that clients created later by boto3,
pynamodb or the Encryption SDK are counted too; install it before they are built.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import botocore.session


@dataclass
class CallCount:
    by_operation: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())


_ACTIVE: list[tuple[str | None, CallCount]] = []
_RECORDERS: list[list[tuple[str, str, dict]]] = []
_INSTALLED = False


def _params_hook(params, model, **_kwargs) -> None:  # botocore "provide-client-params" event
    if _RECORDERS:
        import copy

        service = model.service_model.service_name
        for recorder in _RECORDERS:
            recorder.append((service, model.name, copy.deepcopy(params)))


def _hook(model, **_kwargs) -> None:  # botocore "before-call" event
    service = model.service_model.service_name if hasattr(model, "service_model") else None
    for wanted, counter in _ACTIVE:
        if wanted is None or wanted == service:
            counter.by_operation[f"{service}.{model.name}"] += 1


def install() -> None:
    """Register the hook on every botocore session created from now on, and the default one."""
    global _INSTALLED
    if _INSTALLED:
        return
    original_init = botocore.session.Session.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original_init(self, *args, **kwargs)
        self.register("before-call.*.*", _hook)
        self.register("provide-client-params.*.*", _params_hook)

    botocore.session.Session.__init__ = init  # type: ignore[method-assign]
    _INSTALLED = True


@contextlib.contextmanager
def count_calls(service: str | None = None) -> Iterator[CallCount]:
    """Counts calls of ``service`` (e.g. "kms", "dynamodb") or all services."""
    install()
    counter = CallCount()
    entry = (service, counter)
    _ACTIVE.append(entry)
    try:
        yield counter
    finally:
        _ACTIVE.remove(entry)


@contextlib.contextmanager
def record_calls() -> Iterator[list[tuple[str, str, dict]]]:
    """Records (service, operation, API parameters) of every call, to replay them directly."""
    install()
    recorded: list[tuple[str, str, dict]] = []
    _RECORDERS.append(recorded)
    try:
        yield recorded
    finally:
        _RECORDERS.remove(recorded)
