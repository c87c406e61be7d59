"""The web pages (same origin as the API) and their static files."""

from __future__ import annotations

from datetime import datetime

from chalice.app import Request, Response

from chalicelib.api.endpoint import current_container, page
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.session_cookies import CookieNames
from chalicelib.composition import Container
from chalicelib.domain import languages
from chalicelib.domain.identity import Principal
from chalicelib.domain.login import home_path
from chalicelib.domain.notifications import local_when
from chalicelib.web import render, static_file

bp = ApiBlueprint(__name__)

HTML = "text/html; charset=utf-8"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def page_language(request: Request, account: str | None = None) -> tuple[str, str | None]:
    """The page language and, when it was just chosen with ``?lang=``, the value to remember in the
    ``lang`` cookie: ``?lang=`` beats the account's setting, which beats the cookie, which beats
    ``Accept-Language``; Korean when nothing fits (``languages.choose``)."""
    chosen = (request.query_params or {}).get("lang")
    if languages.is_supported(chosen):
        return str(chosen), str(chosen)
    if languages.is_supported(account):
        return str(account), None
    return request_language(request), None


def request_language(request: Request) -> str:
    """The language of a request that makes no choice of its own: the ``lang`` cookie, else
    ``Accept-Language``, else Korean."""
    from chalicelib.api.guard import cookies

    return languages.choose(cookie=cookies(request).get("lang"),
                            accept_language=(request.headers or {}).get("accept-language"))


def html_page(request: Request, template: str, *, status: int = 200, account_language: str | None = None,
              **context: object) -> Response:
    lang, remember = page_language(request, account_language)
    container = current_container()
    # the local stage on a shifted clock says so on every page (MAEUL_CLOCK, `make run AT=…`)
    shifted_now = container.clock().astimezone(container.calendar.tz).strftime("%Y-%m-%d %H:%M %Z") \
        if container.settings.clock else ""
    policy = container.settings.policy
    documents = {"max_files": policy.attachment_max_files, "max_mb": policy.attachment_max_bytes // (1024 * 1024),
                 "max_bytes": policy.attachment_max_bytes, "types": list(policy.attachment_types)}
    body = render(template, lang, fallback_phone=policy.fallback_phone, shifted_now=shifted_now,
                  documents_policy=documents,
                  csrf_cookie=CookieNames.of(container.settings).csrf, **context)
    # the page depends on the cookie and Accept-Language: no shared cache may hand it to another
    headers = {"Content-Type": HTML, "Cache-Control": "no-store", "Vary": "Accept-Language, Cookie"}
    if remember:
        headers["Set-Cookie"] = f"lang={remember}; Path=/; Max-Age={LANG_COOKIE_MAX_AGE}; SameSite=Lax"
    return Response(body=body, status_code=status, headers=headers)


@page(bp, "/")
def landing(*, container: Container) -> Response:
    now = container.clock()
    calendar = container.calendar
    lang, _ = page_language(bp.current_request)
    when = opening_text(calendar.next_opening(now), lang)
    windows = [{"start": w.start.strftime("%H:%M"), "end": w.end.strftime("%H:%M")}
               for w in container.settings.policy.service_windows]
    principal = signed_in_principal(bp.current_request)
    role = principal.role if principal else None
    return html_page(bp.current_request, "landing.html", open_now=calendar.is_open(now),
                     next_opening=when, windows=windows, signed_in=principal is not None,
                     role=role.value if role else "", home_path=home_path(role) if role else "/")


def opening_text(opening: datetime, lang: str) -> str:
    """The next opening as a person reads it (Korea time), in the page's language."""
    return local_when(opening, lang, "page")


def signed_in_principal(request: Request) -> Principal | None:
    """The signed-in person on a public page, or None (an ended session reads as signed out)."""
    from chalicelib.api.errors import UnauthorizedError
    from chalicelib.api.guard import current_principal

    try:
        return current_principal(request)
    except UnauthorizedError:
        return None


@page(bp, "/static/{name}")
def static(name: str) -> Response:
    found = static_file(name)
    if found is None:
        return Response(body="not found", status_code=404, headers={"Content-Type": "text/plain"})
    content, content_type = found
    return Response(body=content, status_code=200,
                    headers={"Content-Type": content_type, "Cache-Control": "public, max-age=300"})
