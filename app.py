"""Maeul (스마트 마을노무사): the Chalice application.

This module only creates the app and wires middleware, blueprints and
scheduled jobs; everything else lives in ``chalicelib``.
"""

from chalice import Chalice

from chalicelib.api import errors, meta, pages, security
from chalicelib.jobs import register_jobs

app = Chalice(app_name="maeul", configure_logs=False)
app.register_middleware(security.security_headers, "http")
app.register_middleware(errors.error_middleware, "http")

app.register_blueprint(meta.bp)
app.register_blueprint(pages.bp)

register_jobs(app)
