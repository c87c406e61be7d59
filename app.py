"""Maeul (스마트 마을노무사): the Chalice application.

This module only creates the app and wires middleware, blueprints and
scheduled jobs; everything else lives in ``chalicelib``.
"""

from chalice import Chalice

from chalicelib import snapstart
from chalicelib.api import errors, routing, security
from chalicelib.jobs import mail_events, register_jobs

app = Chalice(app_name="maeul", configure_logs=False)
app.register_middleware(security.security_headers, "http")
app.register_middleware(errors.error_middleware, "http")

routing.register(app)  # chalicelib/api/routing.py: eagerly here, on first use in the package

register_jobs(app)
mail_events.register(app)
snapstart.prepare()  # the hooks of a SnapStart snapshot (Lambda only)
