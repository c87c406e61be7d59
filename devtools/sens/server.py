"""Dev emulator of Naver Cloud Platform SENS: Kakao 알림톡 with SMS/LMS failover, and SMS/LMS.

A development tool only (``devtools/``, never in the Lambda bundle). The app's
SENS client talks to it exactly as to ``https://sens.apigw.ntruss.com``; only
the base URL differs.

API (as the real one)
    ``POST /alimtalk/v2/services/{serviceId}/messages``   202; checks the
        signature, the channel (``plusFriendId``), the ``templateCode`` (the
        registered templates are the repository's, ``chalicelib/domain/message_templates``)
        and that ``content`` is that template with every ``#{variable}`` filled
        in; a failover SMS/LMS must come from a registered sender number and
        fit its type (SMS 90 bytes, LMS 2,000 bytes, EUC-KR).
    ``GET  /alimtalk/v2/services/{serviceId}/messages/{messageId}``  the delivery
        result (``messageStatusName`` ``success`` or ``fail``)
    ``POST /sms/v2/services/{serviceId}/messages``  202; SMS over 90 bytes is refused
    ``GET  /sms/v2/services/{serviceId}/messages?requestId=…``  the request's messages

Every API request needs ``x-ncp-apigw-timestamp``, ``x-ncp-iam-access-key`` and
``x-ncp-apigw-signature-v2`` = base64(HMAC-SHA256(secret, "METHOD URI\\ntimestamp\\naccess key")),
or gets 401. The real API also refuses a timestamp more than 5 minutes off its
clock; here that check is on only with ``SENS_MAX_SKEW_SECONDS`` (local
processes may run on shifted clocks).

Development helpers
    ``GET /health``
    ``GET /__dev/sent``  what reached a phone, in order: ``[{"channel": "alimtalk"|"sms"|"lms",
        "to", "text", "template", "message_id", "request_id", "failover"}]``
    ``GET|POST|DELETE /__dev/faults``  ``{"alimtalk": "error500"|"drop"|null, "sms": "error500"|null,
        "report": "processing"|null}``: ``error500`` answers 500 before doing anything; ``drop``
        accepts the 알림톡 but it is not delivered (as for a phone without KakaoTalk), so its
        failover SMS/LMS goes out; ``report: processing`` keeps delivery results at
        ``processing`` (no carrier report yet) until reset.

Configuration (environment; defaults match the app's ``local`` stage)
    ``SENS_ACCESS_KEY``, ``SENS_SECRET_KEY``, ``SENS_ALIMTALK_SERVICE_ID``,
    ``SENS_SMS_SERVICE_ID``, ``SENS_PLUS_FRIEND_ID``, ``SENS_SENDERS`` (comma-separated
    registered sender numbers), ``SENS_MAX_SKEW_SECONDS`` (0: off).

Logging: one line per request with method, path and status; never a phone number or a text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from devtools.serving import serve_until_interrupted

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8102
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "chalicelib" / "domain" / "message_templates"
SLOT = re.compile(r"#\{(\w+)\}")
SMS_BYTES, LMS_BYTES = 90, 2000

log = logging.getLogger("devtools.sens")


@dataclass(frozen=True)
class Config:
    access_key: str = "maeul-local-sens-access"
    secret_key: str = "maeul-local-sens-secret"
    alimtalk_service_id: str = "ncp:kkobizmsg:kr:0000000:maeul-local"
    sms_service_id: str = "ncp:sms:kr:0000000:maeul-local"
    plus_friend_id: str = "@maeul-local"
    senders: tuple[str, ...] = ("0318030454",)
    max_skew_seconds: int = 0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)
        base = cls()
        return cls(access_key=env.get("SENS_ACCESS_KEY", base.access_key),
                   secret_key=env.get("SENS_SECRET_KEY", base.secret_key),
                   alimtalk_service_id=env.get("SENS_ALIMTALK_SERVICE_ID", base.alimtalk_service_id),
                   sms_service_id=env.get("SENS_SMS_SERVICE_ID", base.sms_service_id),
                   plus_friend_id=env.get("SENS_PLUS_FRIEND_ID", base.plus_friend_id),
                   senders=tuple(s for s in env.get("SENS_SENDERS", ",".join(base.senders)).split(",") if s),
                   max_skew_seconds=int(env.get("SENS_MAX_SKEW_SECONDS", "0")))


def registered_templates(directory: Path = TEMPLATES_DIR) -> dict[str, re.Pattern[str]]:
    """Template code → the pattern its content must match (each variable: some text without a line break)."""
    found: dict[str, re.Pattern[str]] = {}
    for path in sorted([*directory.glob("*.json"), *directory.glob("attorney/*.json")]):
        for spec in json.loads(path.read_text(encoding="utf-8"))["templates"].values():
            parts = SLOT.split(spec["text"])
            regex = "".join(re.escape(p) if i % 2 == 0 else r"[^\n]+" for i, p in enumerate(parts))
            found[spec["code"]] = re.compile(regex)
    return found


def euc_kr_bytes(text: str) -> int:
    """The carriers' count: EUC-KR bytes, or UCS-2 bytes for a text EUC-KR cannot carry."""
    try:
        return len(text.encode("cp949"))
    except UnicodeEncodeError:
        return len(text.encode("utf-16-be"))


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class State:
    config: Config
    templates: dict[str, re.Pattern[str]]
    sent: list[dict[str, Any]] = field(default_factory=list)
    alimtalk: dict[str, dict[str, Any]] = field(default_factory=dict)  # messageId -> its record
    sms_requests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    faults: dict[str, str | None] = field(default_factory=lambda: {"alimtalk": None, "sms": None, "report": None})
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- the API -----------------------------------------------------------------------------

    def send_alimtalk(self, service_id: str, body: dict[str, Any]) -> dict[str, Any]:
        if service_id != self.config.alimtalk_service_id:
            raise ApiError(404, "404", "no such Biz Message service")
        if body.get("plusFriendId") != self.config.plus_friend_id:
            raise ApiError(400, "400", "plusFriendId is not this service's channel")
        code = body.get("templateCode")
        pattern = self.templates.get(str(code))
        if pattern is None:
            raise ApiError(400, "400", f"templateCode {code!r} is not a registered template")
        messages = body.get("messages")
        if not isinstance(messages, list) or not 1 <= len(messages) <= 100:
            raise ApiError(400, "400", "messages: 1 to 100 entries")
        request_id = uuid.uuid4().hex
        answered = []
        for item in messages:
            to, content = str(item.get("to", "")), item.get("content")
            if not to.isdigit():
                raise ApiError(400, "400", "to: digits only")
            if not isinstance(content, str) or not pattern.fullmatch(content):
                raise ApiError(400, "400", "content does not match the registered template "
                                           "(every variable must be filled in)")
            failover = item.get("failoverConfig") if item.get("useSmsFailover") else None
            if failover is not None:
                self._check_sms(str(failover.get("type", "SMS")), str(failover.get("from", "")),
                                str(failover.get("content") or content))
            message_id = uuid.uuid4().hex
            record = {"messageId": message_id, "requestId": request_id, "templateCode": code, "to": to,
                      "content": content, "useSmsFailover": failover is not None,
                      "requestTime": _now(), "dropped": self.faults["alimtalk"] == "drop"}
            with self.lock:
                self.alimtalk[message_id] = record
                if record["dropped"]:
                    if failover is not None:
                        kind = str(failover.get("type", "SMS")).lower()
                        self.sent.append({"channel": kind, "to": to, "text": failover.get("content") or content,
                                          "template": code, "message_id": message_id, "request_id": request_id,
                                          "failover": True})
                else:
                    self.sent.append({"channel": "alimtalk", "to": to, "text": content, "template": code,
                                      "message_id": message_id, "request_id": request_id, "failover": False,
                                      "buttons": item.get("buttons", [])})
            answered.append({"messageId": message_id, "countryCode": item.get("countryCode", "82"), "to": to,
                             "content": content, "requestStatusCode": "A000", "requestStatusName": "success",
                             "requestStatusDesc": "성공", "useSmsFailover": failover is not None})
        return {"requestId": request_id, "requestTime": _now(), "statusCode": "202", "statusName": "success",
                "messages": answered}

    def alimtalk_result(self, service_id: str, message_id: str) -> dict[str, Any]:
        if service_id != self.config.alimtalk_service_id:
            raise ApiError(404, "404", "no such Biz Message service")
        with self.lock:
            record = self.alimtalk.get(message_id)
        if record is None:
            raise ApiError(404, "404", "no such message")
        failed = record["dropped"]
        if self.faults.get("report") == "processing":  # the carrier has not reported yet
            return {"messageId": message_id, "requestId": record["requestId"], "templateCode": record["templateCode"],
                    "to": record["to"], "requestStatusCode": "A000", "messageStatusCode": "",
                    "messageStatusName": "processing", "messageStatusDesc": "발송 중",
                    "useSmsFailover": record["useSmsFailover"]}
        return {"messageId": message_id, "requestId": record["requestId"], "requestTime": record["requestTime"],
                "plusFriendId": self.config.plus_friend_id, "templateCode": record["templateCode"],
                "countryCode": "82", "to": record["to"], "content": record["content"],
                "requestStatusCode": "A000", "requestStatusName": "success", "requestStatusDesc": "성공",
                "messageStatusCode": "3018" if failed else "0000",
                "messageStatusName": "fail" if failed else "success",
                "messageStatusDesc": "카카오톡을 사용하지 않는 사용자" if failed else "정상 발송",
                "useSmsFailover": record["useSmsFailover"], "completeTime": _now()}

    def _check_sms(self, kind: str, sender: str, content: str) -> None:
        if kind not in ("SMS", "LMS"):
            raise ApiError(400, "400", "type: SMS or LMS")
        if sender not in self.config.senders:
            raise ApiError(400, "400", "from: not a registered sender number (발신번호 사전등록)")
        limit = SMS_BYTES if kind == "SMS" else LMS_BYTES
        if euc_kr_bytes(content) > limit:
            raise ApiError(400, "400", f"content: over {limit} bytes for {kind}")

    def send_sms(self, service_id: str, body: dict[str, Any]) -> dict[str, Any]:
        if service_id != self.config.sms_service_id:
            raise ApiError(404, "404", "no such SMS service")
        kind = str(body.get("type", "SMS")).upper()
        messages = body.get("messages")
        if not isinstance(messages, list) or not 1 <= len(messages) <= 100:
            raise ApiError(400, "400", "messages: 1 to 100 entries")
        request_id = uuid.uuid4().hex
        records = []
        for item in messages:
            content = str(item.get("content") or body.get("content") or "")
            self._check_sms(kind, str(body.get("from", "")), content)
            to = str(item.get("to", ""))
            if not to.isdigit():
                raise ApiError(400, "400", "to: digits only")
            records.append({"messageId": uuid.uuid4().hex, "requestTime": _now(), "contentType": "COMM",
                            "type": kind, "countryCode": "82", "from": body.get("from"), "to": to,
                            "content": content, "status": "COMPLETED", "statusName": "success"})
        with self.lock:
            self.sms_requests[request_id] = records
            for r in records:
                self.sent.append({"channel": kind.lower(), "to": r["to"], "text": r["content"], "template": None,
                                  "message_id": r["messageId"], "request_id": request_id, "failover": False})
        return {"requestId": request_id, "requestTime": _now(), "statusCode": "202", "statusName": "success"}

    def sms_request(self, service_id: str, request_id: str) -> dict[str, Any]:
        with self.lock:
            records = self.sms_requests.get(request_id)
        if service_id != self.config.sms_service_id or records is None:
            raise ApiError(404, "404", "no such request")
        return {"requestId": request_id, "statusCode": "202", "statusName": "success",
                "messages": [{k: r[k] for k in ("messageId", "requestTime", "contentType", "type", "countryCode",
                                                  "from", "to")} for r in records]}

    # -- signing --------------------------------------------------------------------------------

    def authenticate(self, method: str, uri: str, headers: Any) -> None:
        timestamp = headers.get("x-ncp-apigw-timestamp", "")
        access = headers.get("x-ncp-iam-access-key", "")
        given = headers.get("x-ncp-apigw-signature-v2", "")
        if not (timestamp.isdigit() and access and given):
            raise ApiError(401, "200", "Authentication Failed: signing headers missing")
        if self.config.max_skew_seconds and abs(time.time() * 1000 - int(timestamp)) > \
                self.config.max_skew_seconds * 1000:
            raise ApiError(401, "210", "Authentication Failed: timestamp too far from now")
        if access != self.config.access_key:
            raise ApiError(401, "200", "Authentication Failed: unknown access key")
        message = f"{method} {uri}\n{timestamp}\n{access}".encode()
        expected = base64.b64encode(hmac.new(self.config.secret_key.encode(), message, hashlib.sha256).digest())
        if not hmac.compare_digest(expected.decode(), given):
            raise ApiError(401, "200", "Authentication Failed: signature does not match")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


ROUTES = [
    ("POST", re.compile(r"/alimtalk/v2/services/([^/]+)/messages"), "alimtalk_send"),
    ("GET", re.compile(r"/alimtalk/v2/services/([^/]+)/messages/([^/]+)"), "alimtalk_result"),
    ("POST", re.compile(r"/sms/v2/services/([^/]+)/messages"), "sms_send"),
    ("GET", re.compile(r"/sms/v2/services/([^/]+)/messages"), "sms_request"),
]


def make_handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "maeul-dev-sens"

        def log_message(self, fmt: str, *args: Any) -> None:  # path only, never bodies
            return

        def _reply(self, status: int, doc: Any) -> None:
            data = json.dumps(doc, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            log.info("%s %s %s", self.command, urlsplit(self.path).path, status)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw or b"{}")
            except ValueError as exc:
                raise ApiError(400, "400", "the body is not JSON") from exc

        def _dev(self, method: str, path: str) -> bool:
            if path == "/health":
                self._reply(200, {"status": "ok"})
            elif path == "/__dev/sent" and method == "GET":
                with state.lock:
                    self._reply(200, list(state.sent))
            elif path == "/__dev/sent" and method == "DELETE":
                with state.lock:
                    state.sent.clear()
                self._reply(200, [])
            elif path == "/__dev/faults":
                if method == "POST":
                    changes = self._body()
                    allowed = {"alimtalk": {None, "error500", "drop"}, "sms": {None, "error500"},
                               "report": {None, "processing"}}
                    if not isinstance(changes, dict) or any(k not in allowed or v not in allowed[k]
                                                            for k, v in changes.items()):
                        raise ApiError(400, "400", f"faults: {allowed}")
                    state.faults.update(changes)
                elif method == "DELETE":
                    state.faults.update({"alimtalk": None, "sms": None, "report": None})
                self._reply(200, dict(state.faults))
            else:
                return False
            return True

        def _handle(self) -> None:
            method, split = self.command, urlsplit(self.path)
            try:
                if self._dev(method, split.path):
                    return
                for verb, pattern, name in ROUTES:  # noqa: B007 - the route found is read after the loop
                    match = pattern.fullmatch(split.path)
                    if verb == method and match:
                        break
                else:
                    raise ApiError(404, "404", "not found")
                state.authenticate(method, self.path, self.headers)
                channel = name.split("_")[0]
                if state.faults.get(channel) == "error500":
                    raise ApiError(500, "500", "injected failure")
                if name == "alimtalk_send":
                    self._reply(202, state.send_alimtalk(match.group(1), self._body()))
                elif name == "alimtalk_result":
                    self._reply(200, state.alimtalk_result(match.group(1), match.group(2)))
                elif name == "sms_send":
                    self._reply(202, state.send_sms(match.group(1), self._body()))
                else:
                    request_id = (parse_qs(split.query).get("requestId") or [""])[0]
                    self._reply(200, state.sms_request(match.group(1), request_id))
            except ApiError as exc:
                self._reply(exc.status, {"error": {"errorCode": exc.code, "message": exc.message}})

        do_GET = do_POST = do_DELETE = _handle  # noqa: N815 - http.server's names

    return Handler


def make_server(host: str, port: int, config: Config) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), make_handler(State(config, registered_templates())))
    server.daemon_threads = True
    return server


def serve(host: str, port: int, config: Config) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s sens %(message)s")
    return serve_until_interrupted(make_server(host, port, config), host, log, "dev SENS")
