"""Authentication and CSRF at the HTTP edge.

A request is authenticated by ``Authorization: Bearer <jwt>`` or by the
session cookie (whose value is the same JWT). A state-changing request
authenticated by cookie must also send ``X-CSRF-Token`` equal to the csrf
cookie (double submit); a Bearer request needs none. Only the cookie names of
this stage are read (``session``/``csrf`` on ``local``, ``__Host-session``/
``__Host-csrf`` on every HTTPS stage; ``api/session_cookies.py``). The token itself is
checked by the container's ``authenticator`` (``Authenticator`` port), which
answers a ``Principal`` or raises ``InvalidTokenError``.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from chalice.app import Request

from chalicelib.api.endpoint import current_container
from chalicelib.api.errors import ForbiddenError, UnauthorizedError
from chalicelib.api.session_cookies import CookieNames, cookies
from chalicelib.domain.identity import InvalidTokenError, Principal, Role
from chalicelib.domain.login import Client

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
def cookie_names() -> CookieNames:
    """The session cookies' names on this stage (the only ones read)."""
    return CookieNames.of(current_container().settings)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization") or ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


class SecondFactorRequiredError(UnauthorizedError):
    """A staff session that has not passed its second factor yet (``POST /auth/second-factor``)."""

    status, code = 401, "second_factor_required"


def current_principal(request: Request, *, allow_pending: bool = False) -> Principal:
    """The signed-in principal, or 401 (403 for a cookie request failing CSRF).

    A staff session still waiting for its second factor gets 401 ``second_factor_required`` on
    every route but the second-factor routes themselves (``allow_pending``) and logout."""
    principal = _authenticated(request)
    if principal.second_factor_pending and not allow_pending:
        raise SecondFactorRequiredError("Enter the code from your authenticator app to continue.")
    return principal


def _authenticated(request: Request) -> Principal:
    token = bearer_token(request)
    if token is None:
        jar = cookies(request)
        token = jar.get(cookie_names().session)
        if token is None:
            raise UnauthorizedError("Please sign in first.", code="not_signed_in")
        if request.method.upper() not in SAFE_METHODS:
            check_csrf(request, jar)
    authenticator = current_container().authenticator
    try:
        return authenticator.authenticate(token)
    except InvalidTokenError as exc:
        note = getattr(authenticator, "rejected", None)  # the login history
        if note is not None:
            note(exc, client_of(request))
        raise UnauthorizedError("Your session has ended. Please sign in again.",
                                code="invalid_session") from None


class StepUpRequiredError(UnauthorizedError):
    """The action needs a recent sign-in (residents) or a recent second factor (staff)."""

    status, code = 401, "step_up_required"


def require_step_up(principal: Principal) -> Principal:
    """Leaving, roster changes and exports: only right after proving it is really the person. Staff
    enter a fresh second-factor code (``/step-up``); residents sign in again."""
    container = current_container()
    since = container.clock() - timedelta(minutes=container.settings.policy.step_up_minutes)
    staff = principal.role in (Role.ATTORNEY, Role.ADMIN)
    proof = principal.second_factor_at if staff else principal.signed_in_at
    if proof is None or proof < since:
        how = "enter a new code from your authenticator app." if staff else "sign in again."
        raise StepUpRequiredError("For your safety, confirm it is you first: " + how)
    return principal


def check_csrf(request: Request, jar: dict[str, str] | None = None) -> None:
    """Double submit: ``X-CSRF-Token`` must equal this stage's csrf cookie (403 otherwise)."""
    jar = cookies(request) if jar is None else jar
    sent = request.headers.get("x-csrf-token") or ""
    expected = jar.get(cookie_names().csrf) or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise ForbiddenError("The form was sent without its security token. Reload the page and try again.",
                             code="csrf_failed")


def client_of(request: Request) -> Client:
    """The caller's address (as API Gateway saw it) and browser, for the login history."""
    context = getattr(request, "context", None) or {}
    identity = context.get("identity") if isinstance(context, dict) else None
    ip = identity.get("sourceIp") if isinstance(identity, dict) else None
    return Client.of(ip, request.headers.get("user-agent"))


def require_role(request: Request, *roles: Role, step_up: bool = False) -> Principal:
    """The principal, if it holds one of ``roles``; 403 otherwise. ``step_up``: and it proved itself
    lately (``require_step_up``), checked after the role."""
    principal = current_principal(request)
    if principal.role not in roles:
        raise ForbiddenError("This page is not available for your account.", code="wrong_role")
    return require_step_up(principal) if step_up else principal
