"""The one error shape of the API and the middleware that guarantees it.

Every error leaves as ``{"error": {"code": "<snake_case>", "message": "..."}}``
with a fitting status, the message in the person's language when the request names one
(``lang`` cookie or ``Accept-Language``; English otherwise). Services raise domain exceptions that
carry data only; the one table in ``error_table.py`` says which HTTP status, code and catalogue
message each one becomes, so handlers never build error responses. ``{phone}`` in a message is the
programme's ``Policy.fallback_phone``.
A dependency that is throttling or cannot be reached (DynamoDB, KMS, SNS, Secrets
Manager: a botocore or pynamodb error) becomes a 503 ``service_unavailable``
with ``Retry-After``. Anything else unexpected becomes a 500 with a request id
and no internals.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from enum import Enum
from types import ModuleType
from typing import TYPE_CHECKING, Any

from chalice import Blueprint
from chalice.app import Request, Response
from pydantic import ValidationError

from chalicelib.logs import logger

if TYPE_CHECKING:
    from chalicelib.api.error_table import ErrorRow
    from chalicelib.settings import Policy

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def _languages() -> ModuleType:
    """The languages' rules and catalogues, imported on the first error that needs a message rather than
    at every cold start (the middleware is part of the app's frame)."""
    from chalicelib.domain import languages

    return languages


class ApiError(Exception):
    """An error with a status, a stable code and a message a person can act on."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 details: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details
        self.headers = headers or {}


class BadRequestError(ApiError):
    status, code = 400, "bad_request"


class UnauthorizedError(ApiError):
    status, code = 401, "unauthorized"


class ForbiddenError(ApiError):
    status, code = 403, "forbidden"


class NotFoundError(ApiError):
    status, code = 404, "not_found"


class UnprocessableError(ApiError):
    status, code = 422, "unprocessable"


class TooManyRequestsError(ApiError):
    status, code = 429, "too_many_requests"




def error_body(code: str, message: str, details: Any = None) -> str:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return json.dumps({"error": error}, ensure_ascii=False)


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    return Response(body=error_body(code, message, details), status_code=status,
                    headers={**JSON_HEADERS, "Cache-Control": "no-store", **(headers or {})})


def validation_details(exc: ValidationError) -> list[dict[str, str]]:
    """Per-field messages from a pydantic error, without echoing the input; ``type`` names the rule broken
    (e.g. ``bidi_controls``) so that a page can say it in the person's language."""
    details = []
    for err in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(p) for p in err.get("loc", ())) or "body"
        details.append({"field": field, "message": err.get("msg", "invalid value"), "type": err.get("type", "")})
    return details


# --- the person's language ----------------------------------------------------------------------------

def request_language(request: Request | None) -> str | None:
    """The language a request asks for with its ``lang`` cookie or ``Accept-Language``; None when it
    asks for none of ours (then messages stay as written, in English)."""
    if request is None:
        return None
    from http.cookies import CookieError, SimpleCookie

    headers = getattr(request, "headers", None) or {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie") or "")
    except CookieError:
        pass
    cookie = jar["lang"].value if "lang" in jar else None
    if _languages().is_supported(cookie):
        return cookie
    return _languages().negotiate(headers.get("accept-language"))


def current_policy() -> Policy:
    """The policy of the installed container (its ``fallback_phone`` and ``timezone`` go into messages)."""
    from chalicelib.api.endpoint import current_container  # on the error path only (endpoint imports this module)

    return current_container().settings.policy


def localised(status: int, code: str, message: str, lang: str | None, **values: str) -> str:
    """An ``ApiError``'s ``message`` in ``lang``: the catalogue's ``api.error.<code>``, else its
    sentence for the status with the original (English) message after it. English and unknown
    languages keep the original, which says the most."""
    if lang is None or lang == "en" or not _languages().is_supported(lang):
        return message
    phone = current_policy().fallback_phone
    messages = _languages().catalogue(lang)
    # staff consoles' errors are written in Korean and English only (``adm.`` keys, staff_errors.json)
    specific = messages.get(f"api.error.{code}") or messages.get(f"adm.error.{code}")
    if specific is not None:
        return specific.format(phone=phone, **values)
    general = messages.get(f"api.error.status.{status}") or messages["api.error.status.400"]
    return f"{general.format(phone=phone)} ({message})"


@functools.cache
def _own_messages(lang: str) -> dict[str, str]:
    return _languages().own_messages(lang)


_PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)\}")


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"  # a placeholder without data stays visible (the catalogue tests catch it)


def _zone(policy: Policy) -> tzinfo:
    from zoneinfo import ZoneInfo  # on the first error that shows a moment, not at every cold start

    return ZoneInfo(policy.timezone)


def exception_values(exc: Exception, policy: Policy) -> dict[str, str]:
    """An exception's data as words for a message: its public attributes (a moment in the programme's
    local time, an enum as its value) and ``phone``, the programme's number."""
    tz = _zone(policy)
    values = {"phone": policy.fallback_phone}
    for name, value in vars(exc).items():
        if name.startswith("_") or value is None:
            continue
        if isinstance(value, datetime):
            values[name] = f"{value.astimezone(tz):%Y-%m-%d %H:%M}"
        elif isinstance(value, Enum):
            values[name] = str(value.value)
        elif isinstance(value, (str, int, float)):
            values[name] = str(value)
    return values


def domain_message(row: ErrorRow, values: Mapping[str, str], lang: str | None) -> str:
    """The message of an error-table row in ``lang`` (English when the request names none): the
    catalogue's ``row.message`` written for that language (Korean and English have every one), else
    the language's own ``api.error.<code>`` (``adm.error.<code>`` for the staff consoles), else its
    sentence for the status with the detailed message of its fallback language after it (easy Korean:
    Korean; the others: English)."""
    code = lang if lang is not None and _languages().is_supported(lang) else "en"
    key = row.message.format_map(_Values(values))
    own = _own_messages(code)
    if key in own:
        return own[key].format_map(_Values(values))
    messages = _languages().catalogue(code)
    specific = messages.get(f"api.error.{row.code}") or messages.get(f"adm.error.{row.code}")
    if specific is not None and set(_PLACEHOLDER.findall(specific)) <= set(values):
        return specific.format_map(_Values(values))
    detail = messages.get(key, key).format_map(_Values(values))
    general = messages.get(f"api.error.status.{row.status}") or messages["api.error.status.400"]
    return f"{general.format_map(_Values(values))} ({detail})"


def domain_details(row: ErrorRow, exc: Exception, policy: Policy) -> dict[str, Any] | None:
    """The attributes ``row.details`` names, for a page to use (moments in local ISO 8601)."""
    if not row.details:
        return None
    tz = _zone(policy)
    details: dict[str, Any] = {}
    for name in row.details:
        value = getattr(exc, name, None)
        details[name] = value.astimezone(tz).isoformat() if isinstance(value, datetime) else value
    return details


def to_response(exc: Exception, request_id: str | None = None, lang: str | None = None) -> Response:
    if isinstance(exc, ApiError):
        return error_response(exc.status, exc.code, localised(exc.status, exc.code, exc.message, lang),
                              exc.details, exc.headers)
    if isinstance(exc, ValidationError):
        details = validation_details(exc)
        fields = ", ".join(d["field"] for d in details[:5])
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
        return error_response(400, "invalid_input", localised(400, "invalid_input", f"Please check these "
                                                              f"fields: {summary}", lang, fields=fields),
                              details)
    from chalicelib.api.error_table import ERRORS  # on the error path only: it imports every service

    for exc_type in type(exc).__mro__:
        if exc_type in ERRORS:
            row = ERRORS[exc_type]
            policy = current_policy()
            return error_response(row.status, row.code,
                                  domain_message(row, exception_values(exc, policy), lang),
                                  domain_details(row, exc, policy))
    cause = unavailable_dependency(exc)
    if cause is not None:
        logger().warning("dependency unavailable", extra={"request_id": request_id,
                                                          "error_type": type(exc).__name__, "cause": cause})
        return error_response(503, "service_unavailable", catalogue_message("api.error.service_unavailable", lang),
                              headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    logger().exception("unhandled error", extra={"request_id": request_id, "error_type": type(exc).__name__})
    return error_response(500, "internal_error", catalogue_message("api.error.internal_error", lang),
                          {"request_id": request_id} if request_id else None)


def catalogue_message(key: str, lang: str | None) -> str:
    """One catalogue message in ``lang`` (English when the request names none), ``{phone}`` filled in."""
    code = lang if lang is not None and _languages().is_supported(lang) else "en"
    return _languages().text(code, key, phone=current_policy().fallback_phone)


# --- a dependency that is busy or gone ---------------------------------------------------------------

RETRY_AFTER_SECONDS = 5  # what a 503 asks clients to wait: a protocol hint, not a programme rule

# AWS error codes after which the same request may well succeed a little later (botocore has
# already retried by then): throttling, the service's own failure, a transaction still in progress.
TRANSIENT_AWS_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "ThrottledException",
    "RequestLimitExceeded", "TooManyRequestsException", "LimitExceededException",
    "InternalServerError", "InternalFailure", "InternalError", "ServiceUnavailable",
    "ServiceUnavailableException", "TransactionInProgressException", "KMSInternalException",
    "DependencyTimeoutException", "RequestTimeout", "RequestTimeoutException",
})
# Cancellation reasons of a DynamoDB transaction that say "busy", not "your conditions failed".
TRANSIENT_CANCELLATIONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded",
                                     "TransactionConflict"})


def unavailable_dependency(exc: BaseException) -> str | None:
    """What made an AWS dependency unavailable (an error code or a connection error's name; safe to
    log), or None when ``exc`` is something else. Follows pynamodb's ``cause`` and ``raise ... from``."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as AwsConnectionError

    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (AwsConnectionError, HTTPClientError)):
            return type(current).__name__
        if isinstance(current, ClientError):
            response = current.response or {}
            code = str(response.get("Error", {}).get("Code") or "")
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code in TRANSIENT_AWS_CODES or status >= 500:
                return code or "ServerError"
            reasons = {str(r.get("Code")) for r in response.get("CancellationReasons") or ()}
            # pynamodb keeps a transaction's reasons beside the response
            reasons |= {str(r.code) for r in getattr(current, "cancellation_reasons", None) or ()
                        if r is not None}
            if code == "TransactionCanceledException" and reasons & TRANSIENT_CANCELLATIONS:
                return "/".join(sorted(reasons & TRANSIENT_CANCELLATIONS))
        pending += [getattr(current, "cause", None), current.__cause__]
    return None


def _request_id(request: Request | None) -> str | None:
    context = getattr(request, "context", None) or {}
    return context.get("requestId") if isinstance(context, dict) else None


def error_middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice HTTP middleware: any exception, or Chalice's own error body, in our shape."""
    try:
        response = get_response(event)
    except Exception as exc:  # noqa: BLE001 - this is the boundary
        return to_response(exc, _request_id(event), request_language(event))
    return _normalise_chalice_error(response, request_language(event))


class ApiBlueprint(Blueprint):
    """A Chalice blueprint whose routes turn exceptions into the error shape.

    Chalice catches a view's exceptions itself (before middleware sees them)
    and answers a bare 500, so the mapping has to sit around each view.
    """

    def route(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        register = super().route(path, **kwargs)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def guarded(*args: Any, **kw: Any) -> Any:
                try:
                    return view(*args, **kw)
                except Exception as exc:  # noqa: BLE001 - this is the boundary
                    request = self.current_request
                    return to_response(exc, _request_id(request), request_language(request))

            register(guarded)
            return view

        return decorator


def _normalise_chalice_error(response: Response, lang: str | None = None) -> Response:
    """Chalice's own 4xx (bad JSON body, unsupported media type...) in our shape."""
    if response.status_code < 400 or not isinstance(response.body, dict):
        return response
    body = response.body
    if "error" in body or "Code" not in body:
        return response
    status = response.status_code
    code = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
            413: "payload_too_large", 415: "unsupported_media_type",
            500: "internal_error"}.get(status, "bad_request")
    # a 405 must say which methods the resource has (RFC 9110 15.5.6): keep Chalice's ``Allow``
    kept = {k: v for k, v in (response.headers or {}).items() if k.lower() == "allow"}
    if status >= 500:
        return error_response(status, code, catalogue_message("api.error.internal_error", lang), headers=kept)
    message = str(body.get("Message") or "The request could not be understood.")
    return error_response(status, code, localised(status, code, message, lang), headers=kept)
