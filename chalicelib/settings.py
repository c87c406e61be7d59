"""Typed settings for one stage: where things are and the policy numbers.

Everything the app needs to know about its environment comes from
environment variables (set per stage by `.chalice/config.json` and, for the
resources, by the infrastructure stack's outputs). Policy numbers (service
hours, slot length, caps, reminder offsets, offer timeout, retention) live in
``Policy`` and nowhere else; a stage may override them with
``MAEUL_POLICY`` (a JSON object of the fields to change).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import time
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from chalicelib.clock import CLOCK_VAR, Clock, parse_clock, system_clock

Stage = Literal["local", "dev", "staging", "prod"]



class WindowSetting(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    start: time
    end: time


class InterpretationLine(BaseModel):
    """A public telephone interpretation line for a three-way call (attorney, resident, interpreter)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str  # the line's own (Korean) name
    phone: str
    serves: str  # who it serves and when, in English


class Policy(BaseModel):
    """The programme's rules, in one place."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = "Asia/Seoul"
    service_windows: tuple[WindowSetting, ...] = (
        WindowSetting(start=time(10, 0), end=time(11, 30)),
        WindowSetting(start=time(14, 0), end=time(17, 0)),
    )
    # the programme's phone line: where every page and message sends a person who cannot go on online
    fallback_phone: str = "031-8030-4541"
    # when no attorney speaks the resident's language: public interpretation lines for migrant workers
    interpretation_lines: tuple[InterpretationLine, ...] = (
        InterpretationLine(name="외국인력상담센터", phone="1644-0644",
                           serves="workers under the Employment Permit System, in their languages; weekdays"),
        InterpretationLine(name="외국인종합안내센터", phone="1345",
                           serves="Immigration Contact Center of the Ministry of Justice, about 20 languages"),
        InterpretationLine(name="다누리콜센터", phone="1577-1366",
                           serves="Danuri helpline for migrants and multicultural families, 13 languages, "
                                  "24 hours"),
    )
    slot_minutes: int = Field(30, ge=10, le=120)
    min_notice_minutes: int = Field(60, ge=0)
    booking_horizon_days: int = Field(14, ge=1, le=60)
    cancel_notice_minutes: int = Field(120, ge=0)
    annual_cap: int = Field(40, ge=1)
    offer_timeout_seconds: int = Field(180, ge=30)
    max_offer_attempts: int = Field(5, ge=1)
    reminder_offsets_minutes: tuple[int, ...] = (24 * 60, 60)
    max_open_consultations: int = Field(3, ge=1)
    retention_days_after_close: int = Field(3 * 365, ge=30)
    idempotency_hours: int = Field(24, ge=1, le=7 * 24)  # how long an Idempotency-Key is remembered
    # the audit trail: login history and staff access 2 years (a leap day included), grants,
    # changes and revocations of staff rights 3 years (PIPC safety-measures standard §8, §5③)
    login_history_days: int = Field(2 * 366, ge=365)
    rights_record_days: int = Field(3 * 366, ge=3 * 365)
    access_token_minutes: int = Field(15, ge=1, le=15)
    refresh_token_days: int = Field(14, ge=1, le=90)
    # a session (refresh-token family) not refreshed for this long ends (server-side idle timeout);
    # staff sessions sooner. More than one access-token lifetime, so a page in use keeps its session.
    session_idle_minutes: int = Field(12 * 60, ge=16, le=14 * 24 * 60)
    staff_session_idle_minutes: int = Field(30, ge=16, le=12 * 60)
    # leaving, roster changes and exports need a sign-in (residents) or a second factor (staff) this recent
    step_up_minutes: int = Field(10, ge=1, le=60)
    login_state_minutes: int = Field(10, ge=1, le=30)
    login_throttle_minutes: int = Field(15, ge=1, le=24 * 60)
    login_failures_per_ip: int = Field(20, ge=3)
    login_failures_per_account: int = Field(5, ge=3)
    attorney_invite_days: int = Field(7, ge=1, le=30)
    provider_timeout_seconds: float = Field(5.0, gt=0, le=20)
    # Reservations: a slot may be held this long while the resident confirms.
    hold_minutes: int = Field(5, ge=1, le=30)
    # Reservations look for attorneys in rings 0..reservation_ring (0: the region, 1: its
    # neighbours) and widen to the next ring only when those hold nobody who could take it.
    reservation_ring: int = Field(1, ge=0, le=2)
    # An attorney who never saved an availability: free in every service window, or never.
    availability_default: Literal["service_hours", "none"] = "service_hours"
    # Consultation rooms: messages, their rate limit and the nudge, the video room's window.
    message_max_chars: int = Field(2000, ge=100, le=10000)
    messages_per_minute: int = Field(20, ge=1, le=600)
    message_page_size: int = Field(50, ge=10, le=200)
    message_nudge_minutes: int = Field(10, ge=1, le=24 * 60)
    room_opens_minutes_before: int = Field(10, ge=0, le=120)
    room_closes_minutes_after: int = Field(30, ge=0, le=240)
    signal_ttl_seconds: int = Field(600, ge=60, le=3600)
    # Documents (pay slips, contracts, certificates): per consultation, straight to S3.
    attachment_max_files: int = Field(10, ge=1, le=50)
    attachment_max_bytes: int = Field(10 * 1024 * 1024, ge=64 * 1024, le=50 * 1024 * 1024)
    attachment_types: tuple[str, ...] = ("image/jpeg", "image/png", "image/heic", "application/pdf")
    attachment_upload_seconds: int = Field(600, ge=60, le=3600)  # how long an upload form works
    attachment_link_seconds: int = Field(300, ge=30, le=3600)  # how long a link to open one works
    # Resident messages: quiet hours (only real-time messages; the rest waits for the end), how
    # many messages one recipient gets a day at most, how often a new reply is announced while
    # unread, and within how many minutes an attorney calls after accepting a phone request.
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(8, 0)
    messages_per_recipient_per_day: int = Field(12, ge=1, le=100)
    reply_alert_minutes: int = Field(30, ge=1, le=24 * 60)
    callback_minutes: int = Field(10, ge=1, le=120)
    # Abuse limits (docs/RELIABILITY.md "Abuse limits"): booking changes (book, move, cancel) a resident
    # makes per consultation and per account per Korean day; alerts one person gets per hour (past it,
    # one "your schedule changed" message, then nothing until the hour is over); new requests per
    # identity in 30 days, counted under a keyed hash so that leaving and coming back does not reset it.
    booking_changes_per_consultation_per_day: int = Field(6, ge=1, le=100)
    booking_changes_per_account_per_day: int = Field(10, ge=1, le=200)
    alerts_per_recipient_per_hour: int = Field(4, ge=1, le=100)
    new_requests_per_identity_per_30_days: int = Field(10, ge=1, le=200)
    # Retention of open requests: one nobody booked or took for this long is expired (the resident is
    # told); every consultation carries a TTL from intake as a backstop, pushed to closing + retention
    # when it closes.
    stale_request_days: int = Field(30, ge=1, le=365)
    intake_backstop_days: int = Field(3 * 365 + 120, ge=60)
    # Verified contact phone (services/phone_verification.py): a one-time code by SMS, its lifetime and
    # attempts; codes sent per account and per number per Korean day; how long a verified number stays
    # verified; and whether resident SMS and 알림톡 go to verified numbers only (the intake form's contact
    # step asks for the code; a number nobody verified gets nothing, the consultation page tells them).
    phone_code_minutes: int = Field(10, ge=1, le=60)
    phone_code_attempts: int = Field(5, ge=1, le=10)
    phone_codes_per_account_per_day: int = Field(5, ge=1, le=50)
    phone_codes_per_number_per_day: int = Field(3, ge=1, le=50)
    phone_verified_days: int = Field(365, ge=1, le=3 * 365)
    sms_to_verified_phones_only: bool = True


class Settings(BaseModel):
    """Where this stage's resources are, and its policy."""

    model_config = ConfigDict(frozen=True)

    stage: Stage
    region: str = "ap-northeast-2"
    main_table: str
    audit_table: str
    idempotency_table: str
    kms_key_arn: str = ""
    # Attorney e-mail (SES): sender on the stage's verified domain, the centre as Reply-To, the
    # configuration set whose events report bounces and complaints, the key of the address hash.
    mail_from_address: str = ""
    mail_reply_to: str = ""
    mail_configuration_set: str = ""
    email_hash_secret_arn: str = ""
    operator_alarms_topic_arn: str = ""
    jwt_keys_secret_arn: str = ""
    oauth_secret_arn: str = ""
    identity_key_secret_arn: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    kakao_auth_base_url: str = "https://kauth.kakao.com"
    kakao_api_base_url: str = "https://kapi.kakao.com"
    naver_auth_base_url: str = "https://nid.naver.com"
    naver_api_base_url: str = "https://openapi.naver.com"
    kakao_client_id: str = ""
    naver_client_id: str = ""
    admin_subjects: tuple[str, ...] = ()
    sms_sender_id: str = "MAEUL"
    # resident messages: "sens" (Kakao 알림톡 with SMS/LMS failover, Naver Cloud SENS) or "sns"
    # (plain SMS); SNS is the fallback either way. Keys in the provider secret (sens_access_key,
    # sens_secret_key, recipient_hash_key).
    resident_channel: Literal["sens", "sns"] = "sns"
    sens_base_url: str = "https://sens.apigw.ntruss.com"
    sens_alimtalk_service_id: str = ""
    sens_sms_service_id: str = ""
    sens_plus_friend_id: str = ""
    sens_sender: str = ""  # the registered sender number (발신번호 사전등록), digits only
    # chat between a resident and an attorney who share no language: "amazon" (Amazon Translate; on
    # the local stage the dev translator, devtools/translate, through AWS_ENDPOINT_URL_TRANSLATE) or "off"
    chat_translation: Literal["amazon", "off"] = "amazon"
    # STUN/TURN servers for the video room (RTCIceServer objects); none needed on localhost.
    ice_servers: tuple[dict[str, Any], ...] = ()
    attachments_bucket: str = ""
    # where the browser sends uploads and fetches documents (origins, space-separated; the pages'
    # CSP allows them); derived
    # from the bucket and region, or the emulator's endpoint on the local stage
    attachments_origin: str = ""
    # local stage only: a shifted clock for tests and for trying the stack on any day (chalicelib/clock.py)
    clock: str = ""
    policy: Policy = Policy()

    @model_validator(mode="after")
    def _clock_only_on_local(self) -> Settings:
        if self.clock and self.stage != "local":
            raise ValueError(f"{CLOCK_VAR} shifts the clock and is refused on stage {self.stage!r}: "
                             "only the local stage may run on a shifted clock; unset it")
        if self.clock:
            parse_clock(self.clock)
        return self

    def make_clock(self) -> Clock:
        """The clock of this stage: the machine's, or the local stage's shifted one."""
        return parse_clock(self.clock) if self.clock else system_clock

    @field_validator("ice_servers", mode="before")
    @classmethod
    def _parse_ice_servers(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(json.loads(value)) if value.strip() else ()
        return value

    @field_validator("admin_subjects", mode="before")
    @classmethod
    def _split_subjects(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(s.strip() for s in value.split(",") if s.strip())
        return value

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    @property
    def secure_cookies(self) -> bool:
        return not self.is_local

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        stage = env.get("MAEUL_STAGE", "local")
        fields: dict[str, object] = {
            "stage": stage,
            "region": env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "ap-northeast-2",
            "main_table": env.get("MAEUL_MAIN_TABLE", f"maeul-{stage}-main"),
            "audit_table": env.get("MAEUL_AUDIT_TABLE", f"maeul-{stage}-audit"),
            "idempotency_table": env.get("MAEUL_IDEMPOTENCY_TABLE", f"maeul-{stage}-idempotency"),
        }
        for name, var in _ENV_FIELDS.items():
            if var in env:
                fields[name] = env[var]
        if fields.get("attachments_bucket") and not fields.get("attachments_origin"):
            fields["attachments_origin"] = _attachments_origin(str(fields["attachments_bucket"]),
                                                              str(fields["region"]), stage, env)
        if env.get("MAEUL_POLICY"):
            try:
                fields["policy"] = Policy.model_validate(json.loads(env["MAEUL_POLICY"]))
            except (ValueError, ValidationError) as exc:
                raise SettingsError(f"MAEUL_POLICY is not a valid policy: {exc}") from exc
        try:
            return cls.model_validate(fields)
        except ValidationError as exc:
            raise SettingsError(f"invalid settings for stage {stage!r}: {exc}") from exc


def _attachments_origin(bucket: str, region: str, stage: str, env: Mapping[str, str]) -> str:
    if stage == "local":
        endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or ""
        return endpoint.rstrip("/")
    # presigned links and forms name the bucket on the regional or the global endpoint
    return f"https://{bucket}.s3.{region}.amazonaws.com https://{bucket}.s3.amazonaws.com"


class SettingsError(RuntimeError):
    """The environment does not describe a usable stage."""


_ENV_FIELDS = {
    "kms_key_arn": "MAEUL_KMS_KEY_ARN",
    "mail_from_address": "MAEUL_MAIL_FROM",
    "mail_reply_to": "MAEUL_MAIL_REPLY_TO",
    "mail_configuration_set": "MAEUL_MAIL_CONFIGURATION_SET",
    "email_hash_secret_arn": "MAEUL_EMAIL_HASH_SECRET_ARN",
    "operator_alarms_topic_arn": "MAEUL_OPERATOR_ALARMS_TOPIC_ARN",
    "jwt_keys_secret_arn": "MAEUL_JWT_KEYS_SECRET_ARN",
    "oauth_secret_arn": "MAEUL_OAUTH_SECRET_ARN",
    "identity_key_secret_arn": "MAEUL_IDENTITY_KEY_SECRET_ARN",
    "public_base_url": "MAEUL_PUBLIC_BASE_URL",
    "kakao_auth_base_url": "KAKAO_AUTH_BASE_URL",
    "kakao_api_base_url": "KAKAO_API_BASE_URL",
    "naver_auth_base_url": "NAVER_AUTH_BASE_URL",
    "naver_api_base_url": "NAVER_API_BASE_URL",
    "kakao_client_id": "KAKAO_CLIENT_ID",
    "naver_client_id": "NAVER_CLIENT_ID",
    "admin_subjects": "MAEUL_ADMIN_SUBJECTS",
    "sms_sender_id": "MAEUL_SMS_SENDER_ID",
    "resident_channel": "MAEUL_RESIDENT_CHANNEL",
    "sens_base_url": "MAEUL_SENS_BASE_URL",
    "sens_alimtalk_service_id": "MAEUL_SENS_ALIMTALK_SERVICE_ID",
    "sens_sms_service_id": "MAEUL_SENS_SMS_SERVICE_ID",
    "sens_plus_friend_id": "MAEUL_SENS_PLUS_FRIEND_ID",
    "sens_sender": "MAEUL_SENS_SENDER",
    "ice_servers": "MAEUL_ICE_SERVERS",
    "chat_translation": "MAEUL_CHAT_TRANSLATION",
    "clock": CLOCK_VAR,
    "attachments_bucket": "MAEUL_ATTACHMENTS_BUCKET",
    "attachments_origin": "MAEUL_ATTACHMENTS_ORIGIN",
}

# Stack output key -> environment variable the app reads. The deploy script
# and the local runner use this one table, so the names cannot drift.
STACK_OUTPUT_ENV = {
    "MainTableName": "MAEUL_MAIN_TABLE",
    "AuditTableName": "MAEUL_AUDIT_TABLE",
    "IdempotencyTableName": "MAEUL_IDEMPOTENCY_TABLE",
    "DataKeyArn": "MAEUL_KMS_KEY_ARN",
    "MailFromAddress": "MAEUL_MAIL_FROM",
    "MailReplyTo": "MAEUL_MAIL_REPLY_TO",
    "MailConfigurationSetName": "MAEUL_MAIL_CONFIGURATION_SET",
    "EmailHashKeySecretArn": "MAEUL_EMAIL_HASH_SECRET_ARN",
    "OperatorAlarmsTopicArn": "MAEUL_OPERATOR_ALARMS_TOPIC_ARN",
    "JwtKeysSecretArn": "MAEUL_JWT_KEYS_SECRET_ARN",
    "OAuthSecretArn": "MAEUL_OAUTH_SECRET_ARN",
    "AttachmentsBucketName": "MAEUL_ATTACHMENTS_BUCKET",
    "IdentityKeySecretArn": "MAEUL_IDENTITY_KEY_SECRET_ARN",
}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once per container."""
    return Settings.from_env(os.environ)
