"""The site's public information pages (privacy policy, terms of use, accessibility statement), the
page where a volunteer enters an invite code, and the HTML answer for an address that has no page.

The privacy policy is generated from what the service stores (``services/privacy_policy``), with
the stage's retention settings; the invite page posts to ``POST /api/me/attorney-link``.
"""

from __future__ import annotations

from chalice.app import Response

from chalicelib.api.endpoint import page
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.pages import html_page
from chalicelib.api.web_pages import _guarded, _page
from chalicelib.composition import Container
from chalicelib.domain.identity import Role

bp = ApiBlueprint(__name__)


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


@page(bp, "/attorney/join")
def join_as_attorney() -> Response:
    principal = _guarded("/attorney/join")
    if isinstance(principal, Response):
        return principal
    return _page("join.html", principal, already=principal.role is Role.ATTORNEY)
