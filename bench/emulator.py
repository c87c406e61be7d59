"""The emulator behind the scale figures: ``ops/emulator_server`` with one change to moto.

moto 5.2 makes a DynamoDB transaction atomic by deep-copying, before applying anything, the
table of *every item* in it: a booking (13 items) on a table of 100,000 items makes 13
identical copies and outlives the client's read timeout. Here each table is copied once per
transaction. All copies are taken before any change, so the state restored on a failed
condition is the same and the semantics do not change; only the emulator's time does. AWS
calls are what the scale figures compare, and this emulator serves only them
(``bench/scale.py``): the other figures keep the stock emulator.

    python -m bench.emulator -H 127.0.0.1 -p <port>
"""

from __future__ import annotations

import copy
from typing import Any


def copy_tables_once_per_transaction() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    class Copies:
        """``copy`` for moto's DynamoDB models module: a table deep-copied once per transaction."""

        def __init__(self) -> None:
            self.tables: dict[int, Any] | None = None  # set while a transaction runs

        def deepcopy(self, obj: Any, memo: Any = None) -> Any:
            if self.tables is None or not isinstance(obj, Table):
                return copy.deepcopy(obj, memo)
            if id(obj) not in self.tables:
                self.tables[id(obj)] = copy.deepcopy(obj, memo)
            return self.tables[id(obj)]

        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

    copies = Copies()
    models.copy = copies  # type: ignore[assignment]
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: Any) -> Any:
        copies.tables = {}  # the server handles one request at a time
        try:
            return original(self, transact_items)
        finally:
            copies.tables = None

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    copy_tables_once_per_transaction()
    from ops import emulator_server

    emulator_server.main(argv)


if __name__ == "__main__":
    main()
