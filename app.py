"""Maeul (스마트 마을노무사): the Chalice application.

This module only creates the app and wires middleware, blueprints and
scheduled jobs; everything else lives in ``chalicelib``.
"""

from chalice import Chalice

from chalicelib.api import errors, meta, pages, security
from chalicelib.api import consent, consultations
from chalicelib.api import admin_access, auth, me
from chalicelib.api import reservations
from chalicelib.api import admin_matching, attorney
from chalicelib.api import rooms, surveys
from chalicelib.api import admin_console, web_pages
from chalicelib.api import site_pages
from chalicelib.api import attachments
from chalicelib.api import withdrawal
from chalicelib.api import corrections
from chalicelib.api import admin_review, my_sessions, second_factor
from chalicelib.api import admin_operations, announcements
from chalicelib.api import admin_email
from chalicelib.api import admin_accounts, phone_verification
from chalicelib.jobs import mail_events, register_jobs

app = Chalice(app_name="maeul", configure_logs=False)
app.register_middleware(security.security_headers, "http")
app.register_middleware(errors.error_middleware, "http")

app.register_blueprint(meta.bp)
app.register_blueprint(pages.bp)
app.register_blueprint(consent.bp)
app.register_blueprint(consultations.bp)
app.register_blueprint(auth.bp)
app.register_blueprint(second_factor.bp)
app.register_blueprint(admin_review.bp)
app.register_blueprint(my_sessions.bp)
app.register_blueprint(me.bp)
app.register_blueprint(admin_access.bp)
app.register_blueprint(reservations.bp)
app.register_blueprint(attorney.bp)
app.register_blueprint(admin_matching.bp)
app.register_blueprint(rooms.bp)
app.register_blueprint(surveys.bp)
app.register_blueprint(admin_console.bp)
app.register_blueprint(attachments.bp)
app.register_blueprint(web_pages.bp)
app.register_blueprint(site_pages.bp)
app.register_blueprint(withdrawal.bp)
app.register_blueprint(corrections.bp)
app.register_blueprint(admin_operations.bp)
app.register_blueprint(announcements.bp)
app.register_blueprint(admin_email.bp)
app.register_blueprint(admin_accounts.bp)
app.register_blueprint(phone_verification.bp)

register_jobs(app)
mail_events.register(app)
