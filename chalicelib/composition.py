"""Composition root: builds the expensive things once per Lambda container.

boto3 clients, the KMS-backed field cipher and the repositories are created
lazily on first use and then reused by every invocation the container
serves. Each part is typed as the port (``chalicelib/domain``) or service it is,
so mypy checks the wiring. Tests install a container with ``use_container`` (one
pointed at the emulator for integration) and pass twins as its parts
(``Container(settings, attorneys=MemoryRoster())``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from chalicelib.clock import Clock, FollowsAsOf
from chalicelib.domain.calendar import ServiceCalendar, ServiceWindow
from chalicelib.settings import Settings, get_settings

if TYPE_CHECKING:  # the ports and services the container hands out; each is imported when first built
    import boto3
    from botocore.client import BaseClient

    from chalicelib.adapters.dynamo.ranking import DynamoRankingIndex
    from chalicelib.adapters.jwt_tokens import KeySource
    from chalicelib.domain.announcements import AnnouncementStore
    from chalicelib.domain.attachments import AttachmentStore, ObjectStore
    from chalicelib.domain.attorneys import AttorneyRepository
    from chalicelib.domain.audit import AuditLog
    from chalicelib.domain.bookings import BookingRepository
    from chalicelib.domain.consultations import Consultation, ConsultationRepository, ReceiptCounter
    from chalicelib.domain.deliveries import DeliveryLedger
    from chalicelib.domain.email_health import EmailHealthStore
    from chalicelib.domain.ice import IceServers
    from chalicelib.domain.identity import Authenticator, IdentityKey, Provider
    from chalicelib.domain.login import KakaoAccounts, ProviderClient, ProviderSecrets
    from chalicelib.domain.matching import LoadStore
    from chalicelib.domain.metrics import JobHealth, Metrics
    from chalicelib.domain.notifications import Notifier, Recipients
    from chalicelib.domain.offers import RealtimeStore
    from chalicelib.domain.phone_verification import PhoneVerificationStore
    from chalicelib.domain.reminders import ReminderStore
    from chalicelib.domain.rooms import ThreadStore
    from chalicelib.domain.sealing import FieldCipher
    from chalicelib.domain.second_factor import FactorStore
    from chalicelib.domain.sessions import SessionStore, TokenCodec
    from chalicelib.domain.surveys import SurveyStore
    from chalicelib.domain.translation import Translator
    from chalicelib.domain.users import AccountLanguages, InviteStore, UserStore
    from chalicelib.services.access_log import AccessLog
    from chalicelib.services.access_review import AccessReview
    from chalicelib.services.accounts import AccountService
    from chalicelib.services.announcements import Announcements
    from chalicelib.services.attachments import AttachmentService
    from chalicelib.services.availability import AvailabilityService
    from chalicelib.services.consultation_reads import ConsultationReads
    from chalicelib.services.corrections import Corrections
    from chalicelib.services.duty import DutyService
    from chalicelib.services.email_health import EmailFailures
    from chalicelib.services.intake import ConsultationIntake
    from chalicelib.services.login import LoginService
    from chalicelib.services.login_history import LoginHistory
    from chalicelib.services.operations import OperationsQueue
    from chalicelib.services.phone_verification import PhoneVerificationService
    from chalicelib.services.privacy_policy import PolicyDocuments
    from chalicelib.services.programme import Programme
    from chalicelib.services.ranking import RankingIndexKeeper
    from chalicelib.services.realtime_queue import RealtimeQueue
    from chalicelib.services.reservations import ReservationService
    from chalicelib.services.resident_messages import ResidentMessenger
    from chalicelib.services.retention import RetentionService
    from chalicelib.services.rooms import RoomService
    from chalicelib.services.roster import RosterConsole
    from chalicelib.services.second_factor import SecondFactorService
    from chalicelib.services.sessions import SessionService
    from chalicelib.services.staff_access import StaffAccessService
    from chalicelib.services.statistics import Statistics
    from chalicelib.services.stats_export import StatsExport
    from chalicelib.services.surveys import SatisfactionSurvey
    from chalicelib.services.withdrawal import WithdrawalService


class Container:
    """Everything a handler needs, wired from one ``Settings``.

    ``parts`` stand in for what the container would build (tests pass twins: ``Container(settings,
    attorneys=MemoryRoster())``); each must name one of its built parts, so a misspelt name fails
    here instead of leaving the real adapter in place."""

    def __init__(self, settings: Settings, clock: Clock | None = None, **parts: object) -> None:
        self.settings = settings
        self.clock: Clock = FollowsAsOf(clock or settings.make_clock())  # a job run 'as of' reads its instant
        self._lock = threading.Lock()
        self.use(**parts)

    def use(self, **parts: object) -> None:
        """Put ``parts`` in place of what the container builds (before or instead of building them)."""
        unknown = sorted(name for name in parts if not isinstance(getattr(type(self), name, None), cached_property))
        if unknown:
            raise TypeError(f"the container builds no part named {', '.join(unknown)}")
        self.__dict__.update(parts)  # a cached_property reads the instance's dict first

    @cached_property
    def calendar(self) -> ServiceCalendar:
        policy = self.settings.policy
        windows = [ServiceWindow(w.start, w.end) for w in policy.service_windows]
        return ServiceCalendar(windows, tz=policy.timezone)

    @property
    def tables(self) -> dict[str, str]:
        """The stage's table names, every model class registered so far bound to them."""
        return self.bind_tables()

    def bind_tables(self) -> dict[str, str]:
        """Bind every model class registered so far to the stage's tables (idempotent, cheap); their names.

        Each repository calls it before first use, not once: a repository module imported
        after the first call registers new model classes, and they must be bound too.
        """
        from chalicelib.adapters.dynamo import base

        s = self.settings
        names = {base.MAIN: s.main_table, base.AUDIT: s.audit_table, base.IDEMPOTENCY: s.idempotency_table}
        base.bind(names, s.region)
        return names

    @cached_property
    def cipher(self) -> FieldCipher:
        from chalicelib.adapters.field_cipher import KmsFieldCipher

        return KmsFieldCipher(self.settings.kms_key_arn, app="maeul", stage=self.settings.stage)

    @cached_property
    def attorneys(self) -> AttorneyRepository:
        from chalicelib.adapters.dynamo.attorneys import DynamoAttorneyRepository

        self.bind_tables()
        return DynamoAttorneyRepository(self.cipher)

    @cached_property
    def audit(self) -> AuditLog:
        from chalicelib.adapters.dynamo.audit import DynamoAuditLog
        from chalicelib.services.audit_counts import CountedAuditLog

        self.bind_tables()
        policy = self.settings.policy
        return CountedAuditLog(DynamoAuditLog(policy.login_history_days, policy.rights_record_days), self.metrics)

    @cached_property
    def ice_servers(self) -> IceServers:
        """The stage's STUN/TURN servers; TURN credentials from ``turn_shared_secret`` of the
        provider secret, made per room view (chalicelib/domain/ice.py)."""
        from chalicelib.domain.ice import IceServers
        from chalicelib.logs import logger

        def missing(exc: Exception) -> None:
            logger().warning("TURN left out of the room: no shared secret", extra={"error": type(exc).__name__})

        return IceServers(self.settings.ice_servers, lambda: self.oauth_secrets.get("turn_shared_secret"), missing)

    @cached_property
    def metrics(self) -> Metrics:
        """Business and operational counts, as EMF lines in the function's log (docs/OPERATIONS.md)."""
        from chalicelib.adapters.emf_metrics import EmfMetrics

        return EmfMetrics(stage=self.settings.stage)

    @cached_property
    def consultations(self) -> ConsultationRepository:
        from chalicelib.adapters.dynamo.consultations import DynamoConsultationRepository

        self.bind_tables()
        return DynamoConsultationRepository(self.settings.policy.retention_days_after_close)

    @cached_property
    def consultation_eraser(self) -> Callable[[str], int]:
        """``erase(subject)``: removes the personal data of all that resident's consultations at once."""
        from chalicelib.services.intake import erase_personal_data

        return lambda subject: erase_personal_data(self.consultations, subject, self.clock())

    # -- sign-in: users, sessions, tokens, providers ---------------------------

    @cached_property
    def users(self) -> UserStore:
        from chalicelib.adapters.dynamo.users import DynamoUserStore

        self.bind_tables()
        return DynamoUserStore(self.cipher)

    @cached_property
    def account_languages(self) -> AccountLanguages:
        """The accounts' languages alone (no cipher needed): what every signed-in page reads."""
        from chalicelib.adapters.dynamo.users import DynamoAccountLanguages

        self.bind_tables()
        return DynamoAccountLanguages()

    @cached_property
    def invites(self) -> InviteStore:
        from chalicelib.adapters.dynamo.users import DynamoInviteStore

        self.bind_tables()
        return DynamoInviteStore()

    @cached_property
    def session_store(self) -> SessionStore:
        from chalicelib.adapters.dynamo.sessions import DynamoSessionStore

        self.bind_tables()
        return DynamoSessionStore()

    @cached_property
    def jwt_keys(self) -> KeySource:
        from chalicelib.adapters.jwt_tokens import SecretsManagerKeySource

        return SecretsManagerKeySource(self.client("secretsmanager"), self.settings.jwt_keys_secret_arn)

    @cached_property
    def oauth_secrets(self) -> ProviderSecrets:
        from chalicelib.adapters.oauth_secrets import SecretsManagerOAuthSecrets

        return SecretsManagerOAuthSecrets(self.client("secretsmanager"), self.settings.oauth_secret_arn)

    @cached_property
    def kakao_client(self) -> KakaoAccounts:
        from chalicelib.adapters.oauth_providers import KakaoClient

        s = self.settings
        return KakaoClient(auth_base_url=s.kakao_auth_base_url, api_base_url=s.kakao_api_base_url,
                           client_id=s.kakao_client_id, timeout=s.policy.provider_timeout_seconds,
                           client_secret=lambda: self.oauth_secrets.get("kakao_client_secret"))

    @cached_property
    def oauth_clients(self) -> dict[Provider, ProviderClient]:
        from chalicelib.adapters.oauth_providers import NaverClient
        from chalicelib.domain.identity import Provider

        s = self.settings
        return {
            Provider.KAKAO: self.kakao_client,
            Provider.NAVER: NaverClient(auth_base_url=s.naver_auth_base_url, api_base_url=s.naver_api_base_url,
                                        client_id=s.naver_client_id, timeout=s.policy.provider_timeout_seconds,
                                        client_secret=lambda: self.oauth_secrets.get("naver_client_secret")),
        }

    @cached_property
    def identity_key(self) -> IdentityKey:
        """Keyed hashes of identities and phone numbers (abuse limits that outlive an account)."""
        from chalicelib.adapters.identity_key import SecretsManagerIdentityKey, StaticIdentityKey

        if self.settings.is_local and not self.settings.identity_key_secret_arn:
            return StaticIdentityKey(b"maeul-local-identity-key")  # a local container with no stack behind it
        return SecretsManagerIdentityKey(self.client("secretsmanager"), self.settings.identity_key_secret_arn)

    @cached_property
    def login_history(self) -> LoginHistory:
        from chalicelib.services.login_history import LoginHistory

        return LoginHistory(self.audit, self.settings.policy, self.clock)

    @cached_property
    def token_codec(self) -> TokenCodec:
        """Access tokens and login cookies, signed with the stage's key set."""
        from datetime import timedelta

        from chalicelib.adapters.jwt_tokens import JwtCodec

        s = self.settings
        return JwtCodec(self.jwt_keys, issuer=s.public_base_url, audience=f"maeul-api-{s.stage}",
                        ttl=timedelta(minutes=s.policy.access_token_minutes))

    @cached_property
    def sessions(self) -> SessionService:
        from datetime import timedelta

        from chalicelib.services.sessions import SessionService

        s = self.settings
        return SessionService(store=self.session_store, codec=self.token_codec, attorneys=self.attorneys,
                              admin_subjects=s.admin_subjects, history=self.login_history, clock=self.clock,
                              refresh_ttl=timedelta(days=s.policy.refresh_token_days),
                              idle_minutes=s.policy.session_idle_minutes,
                              staff_idle_minutes=s.policy.staff_session_idle_minutes)

    @cached_property
    def authenticator(self) -> Authenticator:
        """The ``Authenticator`` port (``api/guard.py``): our session service."""
        return self.sessions

    @cached_property
    def login(self) -> LoginService:
        from datetime import timedelta

        from chalicelib.services.login import LoginService

        s = self.settings
        return LoginService(clients=self.oauth_clients, signer=self.token_codec, users=self.users,
                            sessions=self.sessions, history=self.login_history, clock=self.clock,
                            public_base_url=s.public_base_url,
                            state_ttl=timedelta(minutes=s.policy.login_state_minutes),
                            allow_login_hint=s.is_local)

    @cached_property
    def personal_data_erasers(self) -> list[Callable[[str], object]]:
        """What leaving erases, per subject, in order (``services.accounts.PersonalDataErasure``). A feature
        holding personal data appends its eraser here."""
        from chalicelib.services.accounts import PersonalDataErasure

        return PersonalDataErasure(consultations=self.consultations, threads=self.thread_store,
                                   surveys=self.surveys, bookings=self.bookings, attachments=self.attachments,
                                   reservations=self.reservations, users=self.users,
                                   phone_verification=self.phone_verification,
                                   consultation_details=self.consultation_eraser).steps()

    @cached_property
    def accounts(self) -> AccountService:
        from datetime import timedelta

        from chalicelib.services.accounts import AccountService

        return AccountService(users=self.users, sessions=self.sessions, history=self.login_history,
                              audit=self.audit, invites=self.invites, roster=self.attorneys,
                              secrets=self.oauth_secrets, erasers=self.personal_data_erasers,
                              clock=self.clock, disconnect=self.disconnect_provider,
                              invite_ttl=timedelta(days=self.settings.policy.attorney_invite_days))

    @cached_property
    def second_factors(self) -> FactorStore:
        from chalicelib.adapters.dynamo.second_factors import DynamoFactorStore

        self.bind_tables()
        return DynamoFactorStore(self.cipher)

    @cached_property
    def second_factor(self) -> SecondFactorService:
        from chalicelib.services.second_factor import SecondFactorService

        return SecondFactorService(factors=self.second_factors, sessions=self.sessions,
                                   history=self.login_history, audit=self.audit, attorneys=self.attorneys,
                                   clock=self.clock)

    @cached_property
    def staff_access(self) -> StaffAccessService:
        from chalicelib.services.staff_access import StaffAccessService

        return StaffAccessService(attorneys=self.attorneys, duty=self.duty, sessions=self.sessions,
                                  audit=self.audit, clock=self.clock, consultations=self.consultations,
                                  reservations=self.reservations, users=self.users,
                                  identity_key=self.identity_key)

    def disconnect_provider(self, subject: str) -> bool:
        from chalicelib.services.accounts import disconnect_from_provider

        return disconnect_from_provider(subject, self.kakao_client, lambda: self.oauth_secrets.get("kakao_admin_key"))

    @cached_property
    def loads(self) -> LoadStore:
        from chalicelib.adapters.dynamo.loads import DynamoLoadStore

        self.bind_tables()
        return DynamoLoadStore()

    @cached_property
    def reminders(self) -> ReminderStore:
        from chalicelib.adapters.dynamo.reminders import DynamoReminderStore

        self.bind_tables()
        return DynamoReminderStore()

    @cached_property
    def job_health(self) -> JobHealth:
        from chalicelib.adapters.dynamo.job_health import DynamoJobHealth

        self.bind_tables()
        return DynamoJobHealth()

    @cached_property
    def recipients(self) -> Recipients:
        from chalicelib.adapters.recipients import ContactDirectory

        directory = ContactDirectory(self.attorneys, self.consultations, self.cipher)
        if not self.settings.policy.sms_to_verified_phones_only:
            return directory
        from chalicelib.services.phone_verification import VerifiedPhoneRecipients

        return VerifiedPhoneRecipients(directory, self.phone_verification)

    @cached_property
    def phone_verification_store(self) -> PhoneVerificationStore:
        from chalicelib.adapters.dynamo.phone_verification import DynamoPhoneVerificationStore

        self.bind_tables()
        return DynamoPhoneVerificationStore()

    @cached_property
    def phone_verification(self) -> PhoneVerificationService:
        from chalicelib.services.phone_verification import PhoneVerificationService

        return PhoneVerificationService(store=self.phone_verification_store, notifier=self.notifier,
                                        identity_key=self.identity_key, policy=self.settings.policy,
                                        clock=self.clock)

    @cached_property
    def announcement_store(self) -> AnnouncementStore:
        from chalicelib.adapters.dynamo.announcements import DynamoAnnouncementStore

        self.bind_tables()
        return DynamoAnnouncementStore()

    @cached_property
    def announcements(self) -> Announcements:
        from chalicelib.services.announcements import Announcements

        return Announcements(self.announcement_store, self.clock)

    @cached_property
    def surveys(self) -> SurveyStore:
        from chalicelib.adapters.dynamo.surveys import DynamoSurveyStore

        self.bind_tables()
        return DynamoSurveyStore()

    @cached_property
    def notifier(self) -> Notifier:
        from chalicelib.adapters.ses_mailer import ChannelNotifier, SesAttorneyMailer
        from chalicelib.adapters.sns_notifier import SnsNotifier

        s = self.settings
        mailer = SesAttorneyMailer(self.client("sesv2"), self.attorneys, self.email_health, self.address_hasher,
                                   from_address=s.mail_from_address, reply_to=s.mail_reply_to,
                                   configuration_set=s.mail_configuration_set, clock=self.clock)
        sns = ChannelNotifier(SnsNotifier(self.client("sns"), s.operator_alarms_topic_arn, s.sms_sender_id), mailer)
        if s.resident_channel != "sens":
            return sns
        from chalicelib.adapters.sens_notifier import FallbackNotifier, SensClient, SensConfig, SensNotifier

        config = SensConfig(s.sens_base_url, s.sens_alimtalk_service_id, s.sens_sms_service_id,
                            s.sens_plus_friend_id, s.sens_sender, s.policy.provider_timeout_seconds)
        return FallbackNotifier(SensNotifier(SensClient(config, self.oauth_secrets.get)), sns)

    # -- resident messages: receipts, deliveries ------------------------------------

    @cached_property
    def receipts(self) -> ReceiptCounter:
        from chalicelib.adapters.dynamo.deliveries import DynamoReceiptCounter

        self.bind_tables()
        return DynamoReceiptCounter()

    @cached_property
    def delivery_ledger(self) -> DeliveryLedger:
        from chalicelib.adapters.dynamo.deliveries import DynamoDeliveryLedger

        self.bind_tables()
        return DynamoDeliveryLedger()

    @cached_property
    def resident_messages(self) -> ResidentMessenger:
        from chalicelib.services.resident_messages import ResidentMessenger

        s = self.settings
        return ResidentMessenger(ledger=self.delivery_ledger, notifier=self.notifier, recipients=self.recipients,
                                 policy=s.policy, clock=self.clock, public_base_url=s.public_base_url,
                                 hash_key=lambda: self.oauth_secrets.get("recipient_hash_key"))

    @cached_property
    def email_health(self) -> EmailHealthStore:
        from chalicelib.adapters.dynamo.email_health import DynamoEmailHealthStore

        self.bind_tables()
        return DynamoEmailHealthStore()

    @cached_property
    def address_hasher(self) -> Callable[[str], str]:
        from chalicelib.adapters.ses_mailer import AddressHasher, secret_key_reader

        return AddressHasher(secret_key_reader(self.client("secretsmanager"), self.settings.email_hash_secret_arn))

    # -- reservations: availability, slots, bookings -----------------------------

    @cached_property
    def bookings(self) -> BookingRepository:
        from chalicelib.adapters.dynamo.bookings import DynamoBookingRepository

        self.bind_tables()
        p = self.settings.policy
        return DynamoBookingRepository(p.retention_days_after_close, tz=p.timezone)

    @cached_property
    def ranking_index(self) -> DynamoRankingIndex:
        from chalicelib.adapters.dynamo.ranking import DynamoRankingIndex

        self.bind_tables()
        return DynamoRankingIndex()

    def _ranking_of(self, store: object) -> DynamoRankingIndex | None:
        """The ranking index, for a store whose transactions keep it (the DynamoDB booking and offer
        stores); None for another (the services then rank the pool)."""
        return self.ranking_index if getattr(store, "keeps_ranking_index", False) else None

    @cached_property
    def ranking_keeper(self) -> RankingIndexKeeper:
        from chalicelib.services.ranking import RankingIndexKeeper

        return RankingIndexKeeper(index=self.ranking_index, attorneys=self.attorneys, loads=self.loads,
                                  bookings=self.bookings, calendar=self.calendar, clock=self.clock)

    @cached_property
    def availability(self) -> AvailabilityService:
        from chalicelib.services.availability import AvailabilityService

        return AvailabilityService(store=self.bookings, roster=self.attorneys, calendar=self.calendar,
                                   policy=self.settings.policy, clock=self.clock)

    @cached_property
    def reservations(self) -> ReservationService:
        from chalicelib.services.reservations import ReservationService

        s = self.settings
        return ReservationService(consultations=self.consultations, bookings=self.bookings, roster=self.attorneys,
                                  notifier=self.notifier, cipher=self.cipher, calendar=self.calendar,
                                  policy=s.policy, clock=self.clock, public_base_url=s.public_base_url,
                                  messenger=self.resident_messages, identity_key=self.identity_key,
                                  recipients=self.recipients, metrics=self.metrics,
                                  leave_realtime=lambda cid, now: self.realtime_store.forget(cid, now),
                                  ranking=self._ranking_of(self.bookings))

    @cached_property
    def retention(self) -> RetentionService:
        from chalicelib.services.retention import RetentionService

        s = self.settings
        return RetentionService(consultations=self.consultations, recipients=self.recipients, notifier=self.notifier,
                                forget_realtime=lambda cid, now: self.realtime_store.forget(cid, now),
                                calendar=self.calendar, policy=s.policy, public_base_url=s.public_base_url,
                                erase_documents=lambda cid: self.attachments.erase_consultation(cid))

    @cached_property
    def withdrawals(self) -> WithdrawalService:
        from datetime import timedelta

        from chalicelib.services.withdrawal import WithdrawalService

        return WithdrawalService(consultations=self.consultations, bookings=self.bookings,
                                 reminder_keys=self.reservations.reminder_keys,
                                 alert_attorney=self.reservations.alert_attorney,
                                 forget_realtime=lambda cid, now: self.realtime_store.forget(cid, now),
                                 retention=timedelta(days=self.settings.policy.retention_days_after_close),
                                 clock=self.clock, counted_load=self.counted_load_of,
                                 erase_documents=lambda cid: self.attachments.erase_consultation(cid))

    # -- real-time matching: queue, offers, duty ------------------------------------

    @cached_property
    def realtime_store(self) -> RealtimeStore:
        from chalicelib.adapters.dynamo.offers import DynamoRealtimeStore

        self.bind_tables()
        return DynamoRealtimeStore()

    @cached_property
    def realtime_queue(self) -> RealtimeQueue:
        from chalicelib.services.realtime_queue import RealtimeQueue

        s = self.settings
        return RealtimeQueue(store=self.realtime_store, consultations=self.consultations, loads=self.loads,
                             attorneys=self.attorneys, notifier=self.notifier, recipients=self.recipients,
                             calendar=self.calendar, policy=s.policy, clock=self.clock,
                             public_base_url=s.public_base_url, messenger=self.resident_messages,
                             ranking=self._ranking_of(self.realtime_store))

    @cached_property
    def duty(self) -> DutyService:
        from chalicelib.services.duty import DutyService

        return DutyService(store=self.realtime_store, attorneys=self.attorneys, queue=self.realtime_queue,
                           clock=self.clock)

    @cached_property
    def operations(self) -> OperationsQueue:
        from chalicelib.services.operations import OperationsQueue

        return OperationsQueue(consultations=self.consultations, bookings=self.bookings,
                               requests=self.realtime_store, threads=self.thread_store, roster=self.attorneys,
                               calendar=self.calendar, clock=self.clock)

    # -- consultation rooms: messages, signalling, outcomes -------------------------------

    @cached_property
    def thread_store(self) -> ThreadStore:
        from chalicelib.adapters.dynamo.messages import DynamoThreadStore

        self.bind_tables()
        return DynamoThreadStore()

    @cached_property
    def rooms(self) -> RoomService:
        from chalicelib.services.rooms import RoomService

        s = self.settings

        def booked(consultation_id: str) -> tuple[datetime, datetime] | None:
            active = self.bookings.state_of(consultation_id).active
            return (active.start, active.end) if active is not None else None

        return RoomService(consultations=self.consultations, store=self.thread_store, booked=booked,
                           cipher=self.cipher, audit=self.audit, notifier=self.notifier,
                           recipients=self.recipients,
                           release=lambda attorney_id, cid: self.duty.release(attorney_id, cid),
                           policy=s.policy, ice_servers=self.ice_servers, clock=self.clock,
                           public_base_url=s.public_base_url, messenger=self.resident_messages,
                           cancel_reminders=self.cancel_reminders_of,
                           counted_load=self.counted_load_of, translator=self.translator,
                           speaks=self.attorney_speaks)

    @cached_property
    def translator(self) -> Translator | None:
        """Machine translation of chat messages (``domain.translation``), or None when off."""
        if self.settings.chat_translation == "off":
            return None
        from chalicelib.adapters.amazon_translate import AmazonTranslator

        return AmazonTranslator(self.client("translate"))

    def attorney_speaks(self, attorney_id: str, language: str) -> bool:
        attorney = self.attorneys.get(attorney_id)
        return attorney is not None and attorney.speaks(language)

    def counted_load_of(self, consultation: Consultation) -> tuple[str, int] | None:
        """(attorney, year) whose annual count holds this consultation: its booking's, or the year it
        was assigned in real time."""
        active = self.bookings.state_of(consultation.id).active
        if active is not None:
            return active.attorney_id, active.load_year
        if consultation.attorney_id:
            return consultation.attorney_id, self.calendar.local_date(consultation.updated_at).year
        return None

    def cancel_reminders_of(self, consultation_id: str) -> int:
        """Cancel the unsent reminders of a consultation's booking (it closed)."""
        active = self.bookings.state_of(consultation_id).active
        if active is None:
            return 0
        return self.reminders.cancel(self.reservations.reminder_keys(active))

    # -- documents: the attachments bucket and its records -----------------------------------------

    @cached_property
    def attachment_store(self) -> AttachmentStore:
        from chalicelib.adapters.dynamo.attachments import DynamoAttachmentStore

        self.bind_tables()
        return DynamoAttachmentStore()

    @cached_property
    def object_store(self) -> ObjectStore:
        from botocore.config import Config

        from chalicelib.adapters.s3_objects import S3ObjectStore

        # SigV4 links (SSE-KMS objects need them); path-style on the emulator's bare host:port
        config = Config(signature_version="s3v4",
                        s3={"addressing_style": "path" if self.settings.is_local else "virtual"})
        return S3ObjectStore(self.boto_session.client("s3", config=config), self.settings.attachments_bucket)

    @cached_property
    def attachments(self) -> AttachmentService:
        from chalicelib.adapters.inspection import inspect
        from chalicelib.services.attachments import AttachmentService

        return AttachmentService(consultations=self.consultations, store=self.attachment_store,
                                 objects=self.object_store, inspect=inspect, cipher=self.cipher, audit=self.audit,
                                 policy=self.settings.policy, clock=self.clock)

    # -- the services routes call: one method per request, collaborators wired here ----------------

    def now(self) -> datetime:
        """The container's clock read when called (a test may set ``clock`` after the services were built)."""
        return self.clock()

    @cached_property
    def intake(self) -> ConsultationIntake:
        from chalicelib.services.intake import ConsultationIntake

        return ConsultationIntake(consultations=self.consultations, cipher=self.cipher, calendar=self.calendar,
                                  policy=self.settings.policy, receipts=self.receipts,
                                  identity_key=self.identity_key, messages=self.resident_messages,
                                  metrics=self.metrics, clock=self.now)

    @cached_property
    def consultation_reads(self) -> ConsultationReads:
        from chalicelib.services.consultation_reads import ConsultationReads

        return ConsultationReads(consultations=self.consultations, cipher=self.cipher, audit=self.audit,
                                 calendar=self.calendar, clock=self.now,
                                 active_bookings=lambda ids: self.reservations.active_bookings(ids))

    @cached_property
    def corrections(self) -> Corrections:
        from chalicelib.services.corrections import Corrections

        return Corrections(consultations=self.consultations, store=self.consultations, cipher=self.cipher,
                           calendar=self.calendar, clock=self.now)

    @cached_property
    def satisfaction_survey(self) -> SatisfactionSurvey:
        from chalicelib.services.surveys import SatisfactionSurvey

        return SatisfactionSurvey(consultations=self.consultations, store=self.surveys, cipher=self.cipher,
                                  clock=self.now)

    @cached_property
    def roster(self) -> RosterConsole:
        from chalicelib.services.roster import RosterConsole

        return RosterConsole(attorneys=self.attorneys, loads=self.loads, consultations=self.consultations,
                             audit=self.audit, calendar=self.calendar,
                             programme_cap=self.settings.policy.annual_cap, clock=self.now)

    @cached_property
    def statistics(self) -> Statistics:
        from chalicelib.services.statistics import Statistics

        return Statistics(consultations=self.consultations, ledger=self.delivery_ledger, calendar=self.calendar,
                          clock=self.now)

    @cached_property
    def stats_export(self) -> StatsExport:
        from chalicelib.services.stats_export import StatsExport

        return StatsExport(consultations=self.consultations, attorneys=self.attorneys, calendar=self.calendar,
                           clock=self.now)

    @cached_property
    def email_failures(self) -> EmailFailures:
        from chalicelib.services.email_health import EmailFailures

        return EmailFailures(store=self.email_health, hasher=self.address_hasher, attorneys=self.attorneys,
                             audit=self.audit, clock=self.now)

    @cached_property
    def access_log(self) -> AccessLog:
        from chalicelib.services.access_log import AccessLog

        return AccessLog(audit=self.audit, attorneys=self.attorneys, tz=self.settings.policy.timezone,
                         clock=self.now)

    @cached_property
    def access_review(self) -> AccessReview:
        from chalicelib.services.access_review import AccessReview

        return AccessReview(self.audit, self.calendar, self.now, tz=self.settings.policy.timezone)

    @cached_property
    def programme(self) -> Programme:
        from chalicelib.services.programme import Programme

        return Programme(self.settings.policy, self.calendar, self.now)

    @cached_property
    def policy_documents(self) -> PolicyDocuments:
        from chalicelib.adapters.dynamo.bookings import CLAIM_KEEP
        from chalicelib.services.privacy_policy import PolicyDocuments

        return PolicyDocuments(self.settings.policy, booking_keep_days=CLAIM_KEEP.days)

    @cached_property
    def boto_session(self) -> boto3.session.Session:
        import boto3

        return boto3.session.Session(region_name=self.settings.region)

    def client(self, service: str) -> BaseClient:
        """One boto3 client per service per container (thread-safe creation)."""
        with self._lock:
            clients = self.__dict__.setdefault("_clients", {})
            if service not in clients:
                clients[service] = self.boto_session.client(service)
            return clients[service]


_container: Container | None = None
_container_lock = threading.Lock()


def get_container() -> Container:
    global _container
    if _container is None:
        with _container_lock:
            if _container is None:
                _container = Container(get_settings())
    return _container


def use_container(container: Container | None) -> None:
    """Install a container (tests), or ``None`` to rebuild from the environment."""
    global _container
    _container = container
    get_settings.cache_clear()
