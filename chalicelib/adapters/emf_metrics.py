"""Metrics as CloudWatch embedded metric format (EMF) lines, through Powertools Metrics.

Each ``record`` prints one EMF document to the function's log; CloudWatch turns it into metrics
in the ``Maeul`` namespace with the dimensions ``service``,
``stage`` and the record's own (docs/OPERATIONS.md lists them). Nothing is sent over the network
and no permission beyond writing the log is needed. ``EphemeralMetrics``: no state shared
between records, so a failed record never leaks counts into the next one.
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.domain.metrics import checked
from chalicelib.logs import logger

NAMESPACE = "Maeul"
SERVICE = "maeul"


class EmfMetrics:
    def __init__(self, stage: str, namespace: str = NAMESPACE, service: str = SERVICE) -> None:
        self._namespace = namespace
        self._service = service
        self._stage = stage

    def record(self, counts: Mapping[str, int], **dimensions: str) -> None:
        values = checked(counts, dimensions)
        if not values:
            return
        from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

        metrics = EphemeralMetrics(namespace=self._namespace, service=self._service)
        metrics.add_dimension("stage", self._stage)
        for name, value in dimensions.items():
            metrics.add_dimension(name, value)
        for name, count in values.items():
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=count)
        try:
            metrics.flush_metrics()
        except Exception:  # noqa: BLE001 - a metric must never fail the request or the job
            logger().exception("metrics not written", extra={"metrics": sorted(values)})
