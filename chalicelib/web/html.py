"""What every page is made with: its language, the rendered page with the site's context (``html_page``),
the labels and script messages a page hands to its scripts, the person signed in on a public page.

The pages themselves are the blueprints beside this module: ``site`` (public), ``pages`` (signed in),
``second_factor`` (a staff session's second factor, a step-up).
"""

from __future__ import annotations

from datetime import datetime

from chalice.app import Request, Response

from chalicelib.api.endpoint import current_container
from chalicelib.api.session_cookies import CookieNames
from chalicelib.domain import categories, languages, regions
from chalicelib.domain.consultations import Status
from chalicelib.domain.identity import Principal
from chalicelib.domain.notifications import local_when
from chalicelib.domain.rooms import Outcome
from chalicelib.domain.triage import EmploymentStatus, PayBand
from chalicelib.web import catalogue, render

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


def labels(lang: str) -> dict[str, dict[str, str]]:
    """Display names of every code a page shows (categories, regions, modes, methods, statuses)."""
    t = catalogue(lang)
    return {
        "category": {c.code: categories.category_name(c.code, lang) for c in categories.CATEGORIES},
        "region": {r.code: regions.region_name(r, lang) for r in regions.REGIONS},
        "mode": {m.value: categories.label(m, lang) for m in categories.Mode},
        "method": {m.value: categories.label(m, lang) for m in categories.Method},
        "status": {s.value: t[f"status.{s.value}"] for s in Status},
        "outcome": {**{o.value: t[f"att.outcome.{o.value}"] for o in Outcome},
                    "not_recorded": t["js.stats.not_recorded"]},
        "employment": {e.value: t[f"intake.employment.{e.value}"] for e in EmploymentStatus},
        "pay": {p.value: t[f"intake.pay.{p.value}"] for p in PayBand},
        # a language named in the page's language where the catalogue has it, else in its own name
        "language": {x.code: t.get(f"ad.lang.{x.code}", x.name) for x in languages.LANGUAGES},
    }


def script_messages(lang: str) -> dict[str, str]:
    """The messages scripts show (keys ``js.*``), handed over in a JSON data block, with the date
    patterns (``when.*``) scripts use where the browser has no locale data (static/dates.js)."""
    return {k: v for k, v in catalogue(lang).items() if k.startswith(("js.", "when."))}
