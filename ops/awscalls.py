"""Count AWS API calls made by any botocore client in this process (event hooks).

Used by the tests (call budgets) and by ``make bench``. Installing the hook
patches ``botocore.session.Session`` so that clients created later by boto3,
pynamodb or the Encryption SDK are counted too; install it before they are built.
"""

from __future__ import annotations

import contextlib
import threading
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
# IAM requests (ops.iam.Request) made from the app's own code (chalicelib), when enabled.
_APP_REQUESTS: set | None = None
_APP_CODE = f"{__import__('os').sep}chalicelib{__import__('os').sep}"


def _app_hook(params, model, **_kwargs) -> None:  # botocore "provide-client-params" event
    if _APP_REQUESTS is None:
        return
    import sys

    frame = sys._getframe(1)
    operation = model.name
    while frame is not None:  # only calls made from the app's code (not the tests' or the tooling's)
        if frame.f_code.co_name == "generate_presigned_post":
            # botocore builds a presigned POST on the CreateBucket model; what the form later does
            # is the browser's POST of one object, authorised as s3:PutObject of the signer
            operation = "PostObject"
        if _APP_CODE in frame.f_code.co_filename:
            break
        frame = frame.f_back
    else:
        return
    from ops.iam import requests_of

    try:
        found = requests_of(model.service_model.service_name, operation, params, "ap-northeast-2",
                            "123456789012")
    except (KeyError, ValueError, TypeError):
        found = []
    _APP_REQUESTS.update(found)


@contextlib.contextmanager
def unaudited() -> Iterator[None]:
    """Calls the app's code makes on a test's own resources (not the stack's): not recorded for the
    IAM audit, which checks the stack's role against the stack's resources."""
    global _APP_REQUESTS
    kept, _APP_REQUESTS = _APP_REQUESTS, None
    try:
        yield
    finally:
        _APP_REQUESTS = kept


def record_app_requests() -> set:
    """Start recording the IAM requests of every AWS call made from ``chalicelib`` in this process."""
    global _APP_REQUESTS
    install()
    if _APP_REQUESTS is None:
        _APP_REQUESTS = set()
    return _APP_REQUESTS


# The API parameters of the call being made in this thread: "provide-client-params" also fires when a
# client only presigns a URL (S3's generate_presigned_url/post, no request made), "before-call" only
# for a request sent, so a call is recorded when it reaches "before-call".
_PENDING = threading.local()


def _params_hook(params, model, **_kwargs) -> None:  # botocore "provide-client-params" event
    if _RECORDERS:
        import copy

        _PENDING.call = (model.service_model.service_name, model.name, copy.deepcopy(params))


def _hook(model, **_kwargs) -> None:  # botocore "before-call" event
    service = model.service_model.service_name if hasattr(model, "service_model") else None
    for wanted, counter in _ACTIVE:
        if wanted is None or wanted == service:
            counter.by_operation[f"{service}.{model.name}"] += 1
    pending, _PENDING.call = getattr(_PENDING, "call", None), None
    if pending is not None and pending[:2] == (service, model.name):
        for recorder in _RECORDERS:
            recorder.append(pending)


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
        self.register("provide-client-params.*.*", _app_hook)

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
