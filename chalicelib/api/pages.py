"""The web pages (same origin as the API) and their static files."""

from __future__ import annotations

from datetime import datetime

from chalice.app import Request, Response

from chalicelib.api.errors import ApiBlueprint
from chalicelib.composition import get_container
from chalicelib.domain.identity import Principal
from chalicelib.domain.login import home_path
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
    policy = container.settings.policy
    documents = {"max_files": policy.attachment_max_files, "max_mb": policy.attachment_max_bytes // (1024 * 1024),
                 "max_bytes": policy.attachment_max_bytes, "types": list(policy.attachment_types)}
    body = render(template, lang, fallback_phone=policy.fallback_phone, shifted_now=shifted_now,
                  documents_policy=documents, **context)
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
    when = opening_text(calendar.next_opening(now), lang)
    windows = [{"start": w.start.strftime("%H:%M"), "end": w.end.strftime("%H:%M")}
               for w in container.settings.policy.service_windows]
    principal = signed_in_principal(bp.current_request)
    role = principal.role if principal else None
    return html_page(bp.current_request, "landing.html", open_now=calendar.is_open(now),
                     next_opening=when, windows=windows, signed_in=principal is not None,
                     role=role.value if role else "", home_path=home_path(role) if role else "/")


def opening_text(opening: datetime, lang: str) -> str:
    """The next opening as a person reads it (Korea time): "12월 7일(월) 10:00" / "2026-12-07 10:00"."""
    if lang == "en":
        return opening.strftime("%Y-%m-%d %H:%M")
    return f"{opening.month}월 {opening.day}일({'월화수목금토일'[opening.weekday()]}) {opening:%H:%M}"


def signed_in_principal(request: Request) -> Principal | None:
    """The signed-in person on a public page, or None (an ended session reads as signed out)."""
    from chalicelib.api.errors import UnauthorizedError
    from chalicelib.api.guard import current_principal

    try:
        return current_principal(request)
    except UnauthorizedError:
        return None


@bp.route("/static/{name}", methods=["GET"])
def static(name: str) -> Response:
    found = static_file(name)
    if found is None:
        return Response(body="not found", status_code=404, headers={"Content-Type": "text/plain"})
    content, content_type = found
    return Response(body=content, status_code=200,
                    headers={"Content-Type": content_type, "Cache-Control": "public, max-age=300"})
