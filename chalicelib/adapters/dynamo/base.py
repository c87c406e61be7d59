"""pynamodb base classes and the binding of model classes to this stage's tables.

Model classes are declared once with placeholder table names; ``bind`` points
every registered class at the stage's real tables (from the stack outputs)
before first use. The endpoint is never set here: botocore reads
``AWS_ENDPOINT_URL`` in the local stage, and the real endpoint elsewhere.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from pynamodb.attributes import UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

MAIN, AUDIT, IDEMPOTENCY = "main", "audit", "idempotency"

_REGISTRY: list[tuple[str, type[Model]]] = []
_BINDING: tuple[dict[str, str], str] | None = None


def table(kind: str):  # decorator
    def register(cls: type[Model]) -> type[Model]:
        _REGISTRY.append((kind, cls))
        if _BINDING is not None:  # a model imported after binding joins it
            _bind_one(kind, cls, *_BINDING)
        return cls
    return register


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


def reconnect() -> None:
    """Every model makes its connection anew at its next call (after a SnapStart restore, the
    snapshot's connections are not this environment's)."""
    for _, cls in _REGISTRY:
        cls._connection = None


class Gsi1(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Gsi2(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class Gsi3(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi3"
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class KeyedItem(Model):
    """Items of the single-table design: ``pk`` partition, ``sk`` sort key."""

    class Meta:
        abstract = True
        table_name = "unbound"

    ENTITY: ClassVar[str] = ""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
