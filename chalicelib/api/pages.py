"""The web pages (same origin as the API) and their static files."""

from __future__ import annotations

from chalice.app import Request, Response

from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.session_cookies import CookieNames
from chalicelib.composition import get_container
from chalicelib.web import DEFAULT_LANGUAGE, LANGUAGES, render, static_file

bp = ApiBlueprint(__name__)

HTML = "text/html; charset=utf-8"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def page_language(request: Request) -> tuple[str, str | None]:
    """The page language: ``?lang=`` (remembered in a cookie), else the cookie, else Korean."""
    from chalicelib.api.guard import cookies

    chosen = (request.query_params or {}).get("lang")
    if chosen in LANGUAGES:
        return chosen, chosen
    remembered = cookies(request).get("lang")
    return (remembered if remembered in LANGUAGES else DEFAULT_LANGUAGE), None


def html_page(request: Request, template: str, *, status: int = 200, **context: object) -> Response:
    lang, remember = page_language(request)
    container = get_container()
    # the local stage on a shifted clock says so on every page (MAEUL_CLOCK, `make run AT=…`)
    shifted_now = container.clock().astimezone(container.calendar.tz).strftime("%Y-%m-%d %H:%M %Z") \
        if container.settings.clock else ""
    body = render(template, lang, fallback_phone=container.settings.policy.fallback_phone,
                  shifted_now=shifted_now, csrf_cookie=CookieNames.of(container.settings).csrf, **context)
    headers = {"Content-Type": HTML, "Cache-Control": "no-store"}
    if remember:
        headers["Set-Cookie"] = f"lang={remember}; Path=/; Max-Age={LANG_COOKIE_MAX_AGE}; SameSite=Lax"
    return Response(body=body, status_code=status, headers=headers)


@bp.route("/", methods=["GET"])
def landing() -> Response:
    container = get_container()
    now = container.clock()
    calendar = container.calendar
    lang, _ = page_language(bp.current_request)
    opening = calendar.next_opening(now)
    when = opening.strftime("%Y-%m-%d %H:%M") if lang == "en" else \
        f"{opening.month}월 {opening.day}일({'월화수목금토일'[opening.weekday()]}) {opening:%H:%M}"
    windows = [{"start": w.start.strftime("%H:%M"), "end": w.end.strftime("%H:%M")}
               for w in container.settings.policy.service_windows]
    return html_page(bp.current_request, "landing.html", open_now=calendar.is_open(now),
                     next_opening=when, windows=windows)


@bp.route("/static/{name}", methods=["GET"])
def static(name: str) -> Response:
    found = static_file(name)
    if found is None:
        return Response(body="not found", status_code=404, headers={"Content-Type": "text/plain"})
    content, content_type = found
    return Response(body=content, status_code=200,
                    headers={"Content-Type": content_type, "Cache-Control": "public, max-age=300"})
