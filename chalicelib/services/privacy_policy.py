"""The privacy policy (개인정보처리방침), built from what the service actually collects and keeps.

Every record kind the stores hold about a person is listed once here, with
what it contains (the intake items come from the consent text the resident
agrees to, ``services/intake.privacy_notice``) and how long it is kept,
computed from the stage's ``Policy``, the message retention of
``services/rooms`` and the booking stores' keep time. A change of a retention
setting changes the published policy with it; ``docs/DATA.md`` describes the
same records from the storage side.
"""

from __future__ import annotations

from pydantic import BaseModel

from chalicelib.services.intake import PrivacyNotice, Text, privacy_notice
from chalicelib.services.rooms import message_retention
from chalicelib.settings import Policy

OPERATOR = Text(ko="경기도 (위탁 운영: 경기도노동권익센터)",
                en="Gyeonggi Province (operated by the Gyeonggi Labor Rights Center)")


class RecordKind(BaseModel):
    name: Text
    items: list[Text]
    purpose: Text
    kept: Text


class PrivacyPolicy(BaseModel):
    operator: Text
    records: list[RecordKind]
    recipients: Text
    sensitive_items: list[Text]
    consent_version: str
    fallback_phone: str


def span(days: int) -> Text:
    """A keep time a person reads: whole years when it is one (365 or 366 days a year), else days."""
    for year in (366, 365):
        if days >= year and days % year == 0:
            years = days // year
            return Text(ko=f"{years}년", en=f"{years} year{'s' if years > 1 else ''}")
    return Text(ko=f"{days}일", en=f"{days} day{'s' if days != 1 else ''}")


def _after(what_ko: str, what_en: str, length: Text) -> Text:
    return Text(ko=f"{what_ko} {length.ko}까지 보관, 이후 지체 없이 파기",
                en=f"{length.en} after {what_en}, then destroyed without delay")


def privacy_policy(policy: Policy, *, booking_keep_days: int) -> PrivacyPolicy:
    notice: PrivacyNotice = privacy_notice(policy)
    closed = span(policy.retention_days_after_close)
    consultation_kept = _after("상담 종료 후", "the consultation closes", closed)
    records = [
        RecordKind(name=Text(ko="로그인 계정", en="Sign-in account"),
                   items=[Text(ko="카카오 또는 네이버 회원번호", en="Kakao or Naver account number"),
                          Text(ko="이름·휴대전화 번호(로그인 서비스가 알려 준 경우)",
                               en="Name and phone number (when the sign-in service gives them)")],
                   purpose=Text(ko="본인 확인과 로그인 유지", en="To know who you are and keep you signed in"),
                   kept=Text(ko="탈퇴하거나 카카오·네이버에서 연결을 끊을 때 바로 삭제",
                             en="Erased at once when you leave or disconnect Maeul at Kakao or Naver")),
        RecordKind(name=Text(ko="상담 신청", en="Consultation request"),
                   items=[*notice.privacy.items_required, *notice.privacy.items_optional],
                   purpose=notice.privacy.purpose, kept=consultation_kept),
        RecordKind(name=Text(ko="민감정보(동의한 경우에만)", en="Sensitive data (only with your consent)"),
                   items=notice.sensitive.items_optional, purpose=notice.sensitive.purpose,
                   kept=consultation_kept),
        RecordKind(name=Text(ko="상담 메시지", en="Consultation messages"),
                   items=[Text(ko="메시지 내용과 보낸 시각", en="What was written and when")],
                   purpose=Text(ko="이 웹 화면에서 주고받는 메신저 상담", en="The messenger consultation on this site"),
                   kept=_after("보낸 뒤", "it was sent", span(message_retention(policy).days))),
        RecordKind(name=Text(ko="화상·음성 연결 정보", en="Video and voice connection data"),
                   items=[Text(ko="연결에 필요한 네트워크 주소(IP)", en="Network addresses (IP) the call needs")],
                   purpose=Text(ko="화상·음성 상담 연결", en="To connect a video or voice consultation"),
                   kept=Text(ko=f"{policy.signal_ttl_seconds // 60}분 뒤 삭제(통화 내용은 저장하지 않음)",
                             en=f"Deleted after {policy.signal_ttl_seconds // 60} minutes (calls are never "
                                "recorded)")),
        RecordKind(name=Text(ko="상담 예약", en="Booked times"),
                   items=[Text(ko="예약한 시간과 담당 노무사", en="The booked time and the attorney")],
                   purpose=Text(ko="예약 관리와 알림", en="To keep the booking and remind you"),
                   kept=_after("예약 시간이 지난 뒤", "the booked time", span(booking_keep_days))),
        RecordKind(name=Text(ko="만족도 조사", en="Satisfaction survey"),
                   items=[Text(ko="점수와 남긴 의견", en="Your rating and comment")],
                   purpose=Text(ko="서비스 개선", en="To improve the service"), kept=consultation_kept),
        RecordKind(name=Text(ko="로그인 기록", en="Sign-in history"),
                   items=[Text(ko="일시, 로그인 수단, 결과, IP 주소, 브라우저 정보",
                               en="Time, provider, result, IP address, browser")],
                   purpose=Text(ko="부정 로그인 방지(개인정보의 안전성 확보조치 기준)",
                                en="To stop misuse of accounts (the personal-data safety-measures standard)"),
                   kept=_after("기록한 뒤", "it was recorded", span(policy.login_history_days))),
        RecordKind(name=Text(ko="로그인 유지 정보", en="Sign-in sessions"),
                   items=[Text(ko="로그인 유지 토큰의 해시", en="A hash of the sign-in token")],
                   purpose=Text(ko="로그인 유지", en="To keep you signed in"),
                   kept=Text(ko=f"최대 {span(policy.refresh_token_days).ko} 뒤 삭제",
                             en=f"Deleted after at most {span(policy.refresh_token_days).en}")),
    ]
    return PrivacyPolicy(operator=OPERATOR, records=records, recipients=notice.privacy.recipients,
                         sensitive_items=notice.sensitive.items_optional, consent_version=notice.version,
                         fallback_phone=policy.fallback_phone)


class PolicyDocuments:
    """The texts published from the stage's settings: the privacy policy and the consent notice."""

    def __init__(self, policy: Policy, *, booking_keep_days: int) -> None:
        self.policy = policy
        self.booking_keep_days = booking_keep_days

    def privacy_policy(self) -> PrivacyPolicy:
        return privacy_policy(self.policy, booking_keep_days=self.booking_keep_days)

    def privacy_notice(self) -> PrivacyNotice:
        return privacy_notice(self.policy)
