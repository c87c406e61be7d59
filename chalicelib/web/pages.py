"""The signed-in web pages: the resident's intake form, list, status page, consultation room, survey and
account page, the page where a volunteer enters an invite code, the attorney console and the operations
console.

Pages are server-rendered shells (Jinja2) holding everything that is not
personal (labels, the consent text, the programme's hours); the personal part
is fetched by small same-origin scripts from the JSON API, so nothing personal
travels in a URL and nothing is kept in browser storage. A page asked for
without a session shows the sign-in buttons (with ``next`` back to it); a page
of another role answers 403.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from chalice.app import Response

from chalicelib.api import path_ids
from chalicelib.api.endpoint import current_container, page
from chalicelib.api.errors import ApiBlueprint, UnauthorizedError, unavailable_dependency
from chalicelib.api.guard import SecondFactorRequiredError, cookie_names, cookies, current_principal
from chalicelib.composition import Container
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.triage import EmploymentStatus, PayBand
from chalicelib.logs import logger
from chalicelib.web.html import html_page, labels, opening_text, page_language, script_messages

bp = ApiBlueprint(__name__)


# --- shared page context --------------------------------------------------------------------------

def _account_language(principal: Principal) -> str | None:
    """The language the person chose for their account, or None. A preference is not worth a
    failed page: when the database cannot be reached the page follows the cookie and the header."""
    try:
        return current_container().account_languages.language(principal.subject)
    except Exception as exc:
        cause = unavailable_dependency(exc)
        if cause is None:
            raise
        logger().warning("account language unavailable; using the cookie and Accept-Language",
                         extra={"cause": cause})
        return None


def _page(template: str, principal: Principal, **context: Any) -> Response:
    request = bp.current_request
    account = _account_language(principal)  # the account's choice wins over the cookie and the header
    lang, _ = page_language(request, account)
    # the site's clock when the page was made: scripts count on from it (never the browser's date)
    site_now = current_container().clock().isoformat()
    return html_page(request, template, labels=labels(lang), messages=script_messages(lang),
                     role=principal.role.value, signed_in=True, account_language=account, site_now=site_now,
                     **context)


def _guarded(next_path: str, *roles: Role) -> Principal | Response:
    """The principal, or the page to show instead: sign in (coming back to ``next_path``), or 403."""
    request = bp.current_request
    try:
        principal = current_principal(request)
    except SecondFactorRequiredError:
        return Response(body="", status_code=302, headers={
            "Location": "/second-factor?" + urlencode({"next": next_path}), "Cache-Control": "no-store"})
    except UnauthorizedError:
        lang, _ = page_language(request)
        # The ``csrf`` cookie outlives the 15-minute session: its presence means a refresh may work.
        return html_page(request, "signin_required.html", status=401, next_path=next_path,
                         try_refresh=bool(cookies(request).get(cookie_names().csrf)),
                         messages=script_messages(lang))
    if roles and principal.role not in roles:
        return html_page(request, "forbidden.html", status=403)
    return principal


# --- resident ----------------------------------------------------------------------------------------

@page(bp, "/consultations/new")
def intake_form(*, container: Container) -> Response:
    principal = _guarded("/consultations/new", Role.RESIDENT)
    if isinstance(principal, Response):
        return principal
    now = container.clock()
    lang, _ = page_language(bp.current_request)
    # the site's clock, not the browser's: whether real time is open now, and today's date for the form
    return _page("intake.html", principal, notice=container.policy_documents.privacy_notice(),
                 employment_statuses=[s.value for s in EmploymentStatus],
                 pay_bands=[b.value for b in PayBand], realtime_open=container.calendar.is_open(now),
                 next_opening=opening_text(container.calendar.next_opening(now), lang),
                 today=container.calendar.local_date(now).isoformat())


@page(bp, "/consultations")
def my_consultations() -> Response:
    principal = _guarded("/consultations", Role.RESIDENT)
    if isinstance(principal, Response):
        return principal
    return _page("consultations.html", principal)


@page(bp, "/consultations/{consultation_id}")
def consultation_status(consultation_id: str, *, container: Container) -> Response:
    principal = _guarded(f"/consultations/{consultation_id}" if path_ids.is_record_id(consultation_id)
                         else "/consultations",
                         Role.RESIDENT, Role.ADMIN)
    if isinstance(principal, Response):
        return principal
    if not path_ids.is_record_id(consultation_id):
        return html_page(bp.current_request, "not_found.html", status=404)
    # in a language other than Korean: how a consultation goes when the attorney does not speak it
    lang, _ = page_language(bp.current_request, _account_language(principal))
    lines = [] if lang.startswith("ko") else list(container.settings.policy.interpretation_lines)
    return _page("consultation.html", principal, consultation_id=consultation_id, interpretation_lines=lines)


@page(bp, "/me")
def my_account() -> Response:
    principal = _guarded("/me")
    if isinstance(principal, Response):
        return principal
    return _page("me.html", principal)


@page(bp, "/consultations/{consultation_id}/room")
def room_page(consultation_id: str) -> Response:
    request = bp.current_request
    if not path_ids.is_record_id(consultation_id):
        return html_page(request, "room.html", status=404, consultation_id="")
    return html_page(request, "room.html", consultation_id=consultation_id)


@page(bp, "/consultations/{consultation_id}/survey")
def survey_page(consultation_id: str) -> Response:
    return html_page(bp.current_request, "survey.html", consultation_id=consultation_id)


@page(bp, "/attorney/join")
def join_as_attorney() -> Response:
    principal = _guarded("/attorney/join")
    if isinstance(principal, Response):
        return principal
    return _page("join.html", principal, already=principal.role is Role.ATTORNEY)


# --- staff -----------------------------------------------------------------------------------------

@page(bp, "/attorney")
def attorney_console(*, container: Container) -> Response:
    principal = _guarded("/attorney", Role.ATTORNEY)
    if isinstance(principal, Response):
        return principal
    policy = container.settings.policy
    windows = [{"start": w.start.strftime("%H:%M"), "end": w.end.strftime("%H:%M")}
               for w in policy.service_windows]
    from chalicelib.domain.rooms import Outcome

    # while the service is closed, the duty switch says when requests can come again
    now, cal = container.clock(), container.calendar
    next_opening = None if cal.is_open(now) else cal.to_local(cal.next_opening(now)).isoformat()
    return _page("attorney.html", principal, windows=windows, weekdays=["mon", "tue", "wed", "thu", "fri"],
                 outcomes=[o.value for o in Outcome], next_opening=next_opening)


@page(bp, "/admin")
def admin_console(*, container: Container) -> Response:
    principal = _guarded("/admin", Role.ADMIN)
    if isinstance(principal, Response):
        return principal
    today = container.calendar.local_date(container.clock())
    return _page("admin.html", principal, month=f"{today:%Y-%m}", today=today.isoformat(),
                 annual_cap=container.settings.policy.annual_cap)

