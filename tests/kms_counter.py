"""Moved to ops.awscalls (kept until every test imports it from there)."""
from ops.awscalls import CallCount, count_calls, install  # noqa: F401
