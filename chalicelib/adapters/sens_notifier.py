"""Naver Cloud Platform SENS behind the notifier port: Kakao 알림톡 with SMS/LMS failover.

- 알림톡: ``POST /alimtalk/v2/services/{serviceId}/messages`` with the
  registered ``templateCode``, the rendered ``content`` (it must equal the
  registered text with the variables filled in), the buttons, and
  ``useSmsFailover`` with a ``failoverConfig`` carrying the same text as an
  SMS (LMS when over 90 bytes EUC-KR) from the registered sender number.
- SMS/LMS alone: ``POST /sms/v2/services/{serviceId}/messages``.
- Delivery result: ``GET /alimtalk/v2/services/{serviceId}/messages/{messageId}``
  (``messageStatusName``: ``processing``, ``success`` or ``fail``; a failed
  알림톡 with failover went out as SMS/LMS).
- Every request is signed: ``x-ncp-apigw-timestamp`` (milliseconds),
  ``x-ncp-iam-access-key`` and ``x-ncp-apigw-signature-v2`` =
  base64(HMAC-SHA256(secret key, "METHOD URI\\ntimestamp\\naccess key")), the URI
  with its query string. The timestamp is the machine's wall clock (the API
  compares it with its own), not the business clock.

The access and secret keys come from the stage's provider secret
(``sens_access_key``, ``sens_secret_key``). Phone numbers and texts are never
logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.message_templates import OutboundMessage
from chalicelib.domain.notifications import NotificationFailedError, Notifier, Sent


@dataclass(frozen=True)
class SensConfig:
    base_url: str
    alimtalk_service_id: str
    sms_service_id: str
    plus_friend_id: str
    sender: str  # the registered sender number (발신번호), digits only
    timeout: float = 5.0


def signature(secret_key: str, method: str, uri: str, timestamp: str, access_key: str) -> str:
    message = f"{method} {uri}\n{timestamp}\n{access_key}".encode()
    return base64.b64encode(hmac.new(secret_key.encode(), message, hashlib.sha256).digest()).decode()


def domestic(phone_e164: str) -> str:
    """``+821012345678`` → ``01012345678`` (SENS takes digits with the country code apart)."""
    digits = "".join(ch for ch in phone_e164 if ch.isdigit())
    return "0" + digits[2:] if phone_e164.startswith("+82") else digits


class SensClient:
    def __init__(self, config: SensConfig, credential: Callable[[str], str], *,
                 wall_clock_ms: Callable[[], int] | None = None) -> None:
        self._config = config
        self._credential = credential
        self._now_ms = wall_clock_ms or (lambda: int(time.time() * 1000))

    def _call(self, method: str, uri: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        access, secret = self._credential("sens_access_key"), self._credential("sens_secret_key")
        timestamp = str(self._now_ms())
        headers = {"Content-Type": "application/json; charset=utf-8", "x-ncp-apigw-timestamp": timestamp,
                   "x-ncp-iam-access-key": access,
                   "x-ncp-apigw-signature-v2": signature(secret, method, uri, timestamp, access)}
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        request = urllib.request.Request(self._config.base_url.rstrip("/") + uri, data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self._config.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise NotificationFailedError(f"SENS refused {uri.split('/')[1]}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:  # refused, DNS, timeout
            raise NotificationFailedError(f"SENS unreachable: {type(exc).__name__}") from exc
        try:
            return dict(json.loads(raw))
        except (ValueError, TypeError) as exc:
            raise NotificationFailedError("SENS answered something that is not JSON") from exc

    def send_alimtalk(self, phone_e164: str, message: OutboundMessage) -> Sent:
        c = self._config
        item: dict[str, Any] = {
            "countryCode": "82", "to": domestic(phone_e164), "content": message.text,
            "buttons": [{"type": "WL", "name": b.name, "linkMobile": b.url, "linkPc": b.url}
                        for b in message.buttons],
            "useSmsFailover": True,
            "failoverConfig": {"type": message.sms_type, "from": c.sender, "subject": message.sms_subject,
                               "content": message.text},
        }
        answer = self._call("POST", f"/alimtalk/v2/services/{c.alimtalk_service_id}/messages",
                            {"plusFriendId": c.plus_friend_id, "templateCode": message.code, "messages": [item]})
        accepted = (answer.get("messages") or [{}])[0]
        if accepted.get("requestStatusCode") != "A000" or not accepted.get("messageId"):
            raise NotificationFailedError(f"SENS did not accept the 알림톡: {accepted.get('requestStatusCode')}")
        return Sent(str(accepted["messageId"]), "alimtalk")

    def alimtalk_result(self, message_id: str, sms_type: str) -> Sent:
        """The delivery result of one 알림톡 (after a failover: the SMS/LMS it became)."""
        answer = self._call("GET", f"/alimtalk/v2/services/{self._config.alimtalk_service_id}/messages/{message_id}")
        status = answer.get("messageStatusName")
        if status == "success":
            return Sent(message_id, "alimtalk", "delivered")
        if status == "fail":
            if answer.get("useSmsFailover"):
                return Sent(message_id, sms_type.lower(), "delivered")
            return Sent(message_id, "alimtalk", "failed")
        return Sent(message_id, "alimtalk", "accepted")

    def send_sms(self, phone_e164: str, text: str, subject: str, sms_type: str) -> Sent:
        c = self._config
        body: dict[str, Any] = {"type": sms_type, "contentType": "COMM", "countryCode": "82", "from": c.sender,
                                "content": text, "messages": [{"to": domestic(phone_e164)}]}
        if sms_type == "LMS":
            body["subject"] = subject
        answer = self._call("POST", f"/sms/v2/services/{c.sms_service_id}/messages", body)
        if answer.get("statusCode") != "202" or not answer.get("requestId"):
            raise NotificationFailedError(f"SENS did not accept the {sms_type}: {answer.get('statusCode')}")
        return Sent(str(answer["requestId"]), sms_type.lower())


class SensNotifier:
    """Resident messages through SENS (알림톡, failing over to SMS/LMS inside SENS)."""

    channel = "sens"

    def __init__(self, client: SensClient) -> None:
        self._client = client

    def send_message(self, phone_e164: str, message: OutboundMessage) -> Sent:
        sent = self._client.send_alimtalk(phone_e164, message)
        try:
            return self._client.alimtalk_result(sent.message_id, message.sms_type)
        except NotificationFailedError:
            return sent  # accepted; the result is read later

    def delivery_result(self, message_id: str, sms_type: str) -> Sent:
        return self._client.alimtalk_result(message_id, sms_type)

    def send_sms(self, phone_e164: str, text: str) -> str:
        from chalicelib.domain.message_templates import SMS_MAX_BYTES, sms_bytes

        kind = "SMS" if sms_bytes(text) <= SMS_MAX_BYTES else "LMS"
        return self._client.send_sms(phone_e164, text, "[마을노무사]", kind).message_id


class FallbackNotifier:
    """The notifier port with the resident channel in front and SNS behind it.

    Resident messages go out on the stage's channel; when it refuses or cannot
    be reached, they are sent once more as plain SMS through the fallback (SNS).
    Everything else (attorney e-mail, alarms) is the fallback's.
    """

    def __init__(self, primary: SensNotifier, fallback: Notifier) -> None:
        self._primary = primary
        self._fallback = fallback

    def send_message(self, phone_e164: str, message: OutboundMessage) -> Sent:
        try:
            return self._primary.send_message(phone_e164, message)
        except NotificationFailedError:
            return self._fallback.send_message(phone_e164, message)

    def delivery_result(self, message_id: str, sms_type: str) -> Sent:
        return self._primary.delivery_result(message_id, sms_type)

    def send_sms(self, phone_e164: str, text: str) -> str:
        try:
            return str(self._primary.send_sms(phone_e164, text))
        except NotificationFailedError:
            return str(self._fallback.send_sms(phone_e164, text))

    def __getattr__(self, name: str) -> Any:  # email_attorney, alarm
        return getattr(self._fallback, name)
