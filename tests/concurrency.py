"""Running calls at the same instant, for the tests of races (conditional writes, transactions)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


def race[T](n: int, call: Callable[[], T]) -> list[T]:
    """``call()`` in ``n`` threads released together from a barrier; the results (an exception is raised)."""
    barrier = threading.Barrier(n)

    def one(_: int) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))
