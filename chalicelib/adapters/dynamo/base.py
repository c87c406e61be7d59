"""pynamodb base classes and the binding of model classes to this stage's tables.

An item class names the kind of table it lives in (``table=MAIN``) and is
registered under it with a placeholder table name; ``bind`` points every
registered class at the stage's real tables (from the stack outputs) before
first use. The endpoint is never set here: botocore reads
``AWS_ENDPOINT_URL`` in the local stage, and the real endpoint elsewhere.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar, Self

from pynamodb.attributes import UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import MetaModel, Model

MAIN, AUDIT, IDEMPOTENCY = "main", "audit", "idempotency"

_REGISTRY: list[tuple[str, type[Model]]] = []
_BINDING: tuple[dict[str, str], str] | None = None


def bind(tables: dict[str, str], region: str) -> None:
    """Point every registered model (and every one registered later) at its table."""
    global _BINDING
    _BINDING = (dict(tables), region)
    for kind, cls in _REGISTRY:
        _bind_one(kind, cls, tables, region)


def _bind_one(kind: str, cls: type[Model], tables: dict[str, str], region: str) -> None:
    name = tables[kind]
    # the endpoint a connection was made for (AWS_ENDPOINT_URL*, read when botocore builds the
    # client): a process that moves to another emulator rebuilds, as it does for another table
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")
    if (cls.Meta.table_name != name or getattr(cls.Meta, "region", None) != region
            or getattr(cls, "_bound_endpoint", None) != endpoint):
        cls.Meta.table_name = name
        cls.Meta.region = region
        cls._bound_endpoint = endpoint  # type: ignore[attr-defined]
        cls._connection = None  # rebuilt lazily for the new table


class ConnectedStore:
    """A store that writes transactions (or batch reads) through its own pynamodb ``Connection``:
    the one it was given, else one made at first use in the region its tables are bound to."""

    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            self._connection = Connection(region=_BINDING[1] if _BINDING is not None else None)
        return self._connection


def reconnect() -> None:
    """Every model makes its connection anew at its next call (after a SnapStart restore, the
    snapshot's connections are not this environment's)."""
    for _, cls in _REGISTRY:
        cls._connection = None


def _index(number: int) -> type[GlobalSecondaryIndex[Any]]:
    """The table's ``gsi<number>`` (every attribute projected); a model names it as an attribute of its own."""
    meta = type("Meta", (), {"index_name": f"gsi{number}", "projection": AllProjection()})
    keys = {f"gsi{number}pk": UnicodeAttribute(hash_key=True), f"gsi{number}sk": UnicodeAttribute(range_key=True)}
    return type(f"Gsi{number}", (GlobalSecondaryIndex,), {"Meta": meta, **keys})


Gsi1, Gsi2, Gsi3 = _index(1), _index(2), _index(3)


class Gsi1Keys:
    """The item's keys in ``gsi1`` (absent: not in the index)."""

    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)


class Gsi2Keys:
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)


class Gsi3Keys:
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)


class _ItemClass(MetaModel):
    """An item class declared with ``table=<kind>`` gets a ``Meta`` of its own (``bind`` sets its table
    name and region) and joins the registry of that kind of table."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any],
                table: str | None = None, **kwargs: Any) -> _ItemClass:
        if table is not None:
            namespace.setdefault("Meta", type("Meta", (), {"table_name": "unbound"}))
        return super().__new__(mcs, name, bases, namespace, **kwargs)

    def __init__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any],
                 table: str | None = None, **kwargs: Any) -> None:
        super().__init__(name, bases, namespace, **kwargs)
        if table is not None:
            _REGISTRY.append((table, cls))  # type: ignore[arg-type]
            if _BINDING is not None:  # a model imported after binding joins it
                _bind_one(table, cls, *_BINDING)  # type: ignore[arg-type]


class StoredItem(Model, metaclass=_ItemClass):
    """An item class says which of the stage's tables it lives in:
    ``class SessionItem(KeyedItem, Gsi1Keys, table=MAIN)``."""

    class Meta:
        abstract = True
        table_name = "unbound"

    @classmethod
    def find(cls, hash_key: str, range_key: str | None = None, **options: Any) -> Self | None:
        """The item at that key, or None when there is none (``options`` as for ``get``)."""
        try:
            return cls.get(hash_key, range_key, **options)
        except cls.DoesNotExist:
            return None


class KeyedItem(StoredItem):
    """Items of the single-table design: ``pk`` partition, ``sk`` sort key."""

    class Meta:
        abstract = True
        table_name = "unbound"

    ENTITY: ClassVar[str] = ""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
