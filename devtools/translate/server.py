"""Dev translator: Amazon Translate's ``TranslateText`` over its JSON protocol, for the local stage.

A development tool only (``devtools/``, never in the Lambda bundle). The app's boto3 ``translate``
client talks to it as to ``translate.ap-northeast-2.amazonaws.com``; only the endpoint differs
(``AWS_ENDPOINT_URL_TRANSLATE``). It does NOT translate: it answers the text unchanged behind a
visible marker, ``[dev translator vi→ko: not translated] <text>``, so the plumbing (which message
is sent for translation, in which direction, how the page labels the result) can be seen and
tested, and nobody mistakes it for a translation.

API (as the real one)
    ``POST /`` with ``X-Amz-Target: AWSShineFrontendService_20170701.TranslateText`` and a JSON body
    ``{"Text", "SourceLanguageCode", "TargetLanguageCode"}`` → ``{"TranslatedText",
    "SourceLanguageCode", "TargetLanguageCode"}``. Refused like the real service: a language
    Amazon Translate does not have (e.g. Nepali, Khmer, Burmese) → 400
    ``UnsupportedLanguagePairException``; more than 10,000 bytes → 400
    ``TextSizeLimitExceededException``; a missing field → 400 ``ValidationException``.

Development helpers
    ``GET /health``
    ``GET /__dev/calls``  ``{"calls", "characters", "pairs": {"vi-ko": n}}``: what would be billed
        (never a text)
    ``GET|POST|DELETE /__dev/faults``  ``{"translate": "error500"|null}``: ``error500`` answers 500
        (``InternalServerException``) until reset.

Logging: one line per request with method, path and status; never a text.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devtools.serving import serve_until_interrupted

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8103
TARGET = "AWSShineFrontendService_20170701.TranslateText"
MAX_BYTES = 10_000
# Amazon Translate's language codes (its developer guide, "Supported languages", 2026): no
# Nepali (ne), Khmer (km) or Burmese (my).
SUPPORTED = frozenset("""af sq am ar hy az bn bs bg ca zh zh-TW hr cs da fa-AF nl en et fa tl fi fr fr-CA ka de el
gu ht ha he hi hu is id ga it ja kn kk ko lv lt mk ms ml mt mr mn no ps pl pt pt-PT pa ro ru sr si sk sl so es
es-MX sw sv ta te th tr uk ur uz vi cy""".split())

log = logging.getLogger("devtools.translate")


class ApiError(Exception):
    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


def marked(text: str, source: str, target: str) -> str:
    """What the dev translator answers: the text itself, visibly not translated."""
    return f"[dev translator {source}→{target}: not translated] {text}"


@dataclass
class State:
    calls: int = 0
    characters: int = 0
    pairs: Counter[str] = field(default_factory=Counter)
    faults: dict[str, str | None] = field(default_factory=lambda: {"translate": None})
    lock: threading.Lock = field(default_factory=threading.Lock)

    def translate(self, body: Any) -> dict[str, str]:
        if self.faults.get("translate") == "error500":
            raise ApiError(500, "InternalServerException", "dev fault: error500")
        if not isinstance(body, dict):
            raise ApiError(400, "SerializationException", "the body must be a JSON object")
        text, source, target = body.get("Text"), body.get("SourceLanguageCode"), body.get("TargetLanguageCode")
        if not isinstance(text, str) or not isinstance(source, str) or not isinstance(target, str) or not text:
            raise ApiError(400, "ValidationException", "Text, SourceLanguageCode and TargetLanguageCode are required")
        if len(text.encode("utf-8")) > MAX_BYTES:
            raise ApiError(400, "TextSizeLimitExceededException", f"Input text exceeds {MAX_BYTES} bytes")
        for code in (source, target):
            if code not in SUPPORTED:
                raise ApiError(400, "UnsupportedLanguagePairException",
                               f"Unsupported language pair: {source} to {target}")
        with self.lock:
            self.calls += 1
            self.characters += len(text)
            self.pairs[f"{source}-{target}"] += 1
        return {"TranslatedText": marked(text, source, target), "SourceLanguageCode": source,
                "TargetLanguageCode": target}


def make_server(host: str, port: int, state: State | None = None) -> ThreadingHTTPServer:
    state = state or State()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt: str, *args: Any) -> None:  # method, path and status only
            return

        def _answer(self, status: int, payload: Any, content_type: str = "application/json") -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000")
            self.end_headers()
            self.wfile.write(data)
            log.info("%s %s %s", self.command, self.path, status)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw or b"null")
            except ValueError:
                return None

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/health":
                self._answer(200, {"status": "ok"})
            elif self.path == "/__dev/calls":
                with state.lock:
                    self._answer(200, {"calls": state.calls, "characters": state.characters,
                                       "pairs": dict(state.pairs)})
            elif self.path == "/__dev/faults":
                self._answer(200, state.faults)
            else:
                self._answer(404, {"message": "not found"})

        def do_DELETE(self) -> None:  # noqa: N802
            if self.path == "/__dev/faults":
                state.faults = {"translate": None}
                self._answer(200, state.faults)
            else:
                self._answer(404, {"message": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            body = self._body()
            if self.path == "/__dev/faults":
                fault = body.get("translate") if isinstance(body, dict) else None
                state.faults = {"translate": fault if fault in ("error500",) else None}
                self._answer(200, state.faults)
                return
            if self.headers.get("X-Amz-Target") != TARGET:
                self._answer(400, {"__type": "UnknownOperationException",
                                   "message": "only TranslateText is emulated"}, "application/x-amz-json-1.1")
                return
            try:
                self._answer(200, state.translate(body), "application/x-amz-json-1.1")
            except ApiError as exc:
                self._answer(exc.status, {"__type": exc.kind, "Message": exc.message}, "application/x-amz-json-1.1")

    return ThreadingHTTPServer((host, port), Handler)


def serve(host: str, port: int) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s translate %(message)s")
    return serve_until_interrupted(make_server(host, port), host, log, "dev translator")
