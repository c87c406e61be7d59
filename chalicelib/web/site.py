"""The site's public pages: the landing page, the privacy policy, the terms of use, the accessibility
statement, and the pages' static files.

The privacy policy is generated from what the service stores (``services/privacy_policy``), with
the stage's retention settings.
"""

from __future__ import annotations

from chalice.app import Response

from chalicelib.api.endpoint import page
from chalicelib.api.errors import ApiBlueprint
from chalicelib.composition import Container
from chalicelib.domain.login import home_path
from chalicelib.web import static_file
from chalicelib.web.html import html_page, opening_text, page_language, signed_in_principal

bp = ApiBlueprint(__name__)


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


@page(bp, "/privacy")
def privacy(*, container: Container) -> Response:
    policy = container.policy_documents.privacy_policy()
    return html_page(bp.current_request, "privacy.html", policy=policy)


@page(bp, "/terms")
def terms() -> Response:
    return html_page(bp.current_request, "terms.html", articles=range(1, 7))


@page(bp, "/accessibility")
def accessibility() -> Response:
    return html_page(bp.current_request, "accessibility.html", points=range(1, 6))


@page(bp, "/static/{name}")
def static(name: str) -> Response:
    found = static_file(name)
    if found is None:
        return Response(body="not found", status_code=404, headers={"Content-Type": "text/plain"})
    content, content_type = found
    return Response(body=content, status_code=200,
                    headers={"Content-Type": content_type, "Cache-Control": "public, max-age=300"})
