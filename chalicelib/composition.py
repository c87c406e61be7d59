"""Composition root: builds the expensive things once per Lambda container.

boto3 clients, the KMS-backed field cipher and the repositories are created
lazily on first use and then reused by every invocation the container
serves. Tests replace the whole container with ``use_container`` (fakes for
unit/functional tests, a container pointed at the emulator for integration).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any

from chalicelib.clock import Clock
from chalicelib.domain.calendar import ServiceCalendar, ServiceWindow
from chalicelib.settings import Settings, get_settings


class Container:
    """Everything a handler needs, wired from one ``Settings``."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or settings.make_clock()
        self._lock = threading.Lock()

    @cached_property
    def calendar(self) -> ServiceCalendar:
        policy = self.settings.policy
        windows = [ServiceWindow(w.start, w.end) for w in policy.service_windows]
        return ServiceCalendar(windows, tz=policy.timezone)

    @property
    def tables(self) -> dict[str, str]:
        """The stage's table names; binds every model class registered so far (idempotent, cheap).

        Not cached: a repository module imported after the first call registers
        new model classes, and they must be bound too.
        """
        from chalicelib.adapters.dynamo import base

        s = self.settings
        names = {base.MAIN: s.main_table, base.AUDIT: s.audit_table, base.IDEMPOTENCY: s.idempotency_table}
        base.bind(names, s.region)
        return names

    @cached_property
    def cipher(self) -> Any:
        from chalicelib.adapters.field_cipher import KmsFieldCipher

        return KmsFieldCipher(self.settings.kms_key_arn, app="maeul", stage=self.settings.stage)

    @cached_property
    def attorneys(self) -> Any:
        from chalicelib.adapters.dynamo.attorneys import DynamoAttorneyRepository

        self.tables  # noqa: B018 - bind models before first use
        return DynamoAttorneyRepository(self.cipher)

    @cached_property
    def audit(self) -> Any:
        from chalicelib.adapters.dynamo.audit import DynamoAuditLog

        self.tables  # noqa: B018 - bind models before first use
        policy = self.settings.policy
        return DynamoAuditLog(policy.login_history_days, policy.rights_record_days)

    @cached_property
    def consultations(self) -> Any:
        from chalicelib.adapters.dynamo.consultations import DynamoConsultationRepository

        self.tables  # noqa: B018 - bind models before first use
        return DynamoConsultationRepository(self.settings.policy.retention_days_after_close)

    @cached_property
    def consultation_eraser(self) -> Callable[[str], int]:
        """``erase(subject)``: removes the personal data of all that resident's consultations at once."""
        from chalicelib.services.intake import erase_personal_data

        return lambda subject: erase_personal_data(self.consultations, subject, self.clock())

    # -- sign-in: users, sessions, tokens, providers ---------------------------

    @cached_property
    def users(self) -> Any:
        from chalicelib.adapters.dynamo.users import DynamoUserStore

        self.tables  # noqa: B018 - bind models before first use
        return DynamoUserStore(self.cipher)

    @cached_property
    def account_languages(self) -> Any:
        """The accounts' languages alone (no cipher needed): what every signed-in page reads."""
        from chalicelib.adapters.dynamo.users import DynamoAccountLanguages

        self.tables  # noqa: B018 - bind models before first use
        return DynamoAccountLanguages()

    @cached_property
    def invites(self) -> Any:
        from chalicelib.adapters.dynamo.users import DynamoInviteStore

        self.tables  # noqa: B018 - bind models before first use
        return DynamoInviteStore()

    @cached_property
    def session_store(self) -> Any:
        from chalicelib.adapters.dynamo.sessions import DynamoSessionStore

        self.tables  # noqa: B018 - bind models before first use
        return DynamoSessionStore()

    @cached_property
    def jwt_keys(self) -> Any:
        from chalicelib.adapters.jwt_tokens import SecretsManagerKeySource

        return SecretsManagerKeySource(self.client("secretsmanager"), self.settings.jwt_keys_secret_arn)

    @cached_property
    def oauth_secrets(self) -> Any:
        from chalicelib.adapters.oauth_secrets import SecretsManagerOAuthSecrets

        return SecretsManagerOAuthSecrets(self.client("secretsmanager"), self.settings.oauth_secret_arn)

    @cached_property
    def oauth_clients(self) -> dict[Any, Any]:
        from chalicelib.adapters.oauth_providers import KakaoClient, NaverClient
        from chalicelib.domain.identity import Provider

        s = self.settings
        timeout = s.policy.provider_timeout_seconds
        return {
            Provider.KAKAO: KakaoClient(auth_base_url=s.kakao_auth_base_url, api_base_url=s.kakao_api_base_url,
                                        client_id=s.kakao_client_id, timeout=timeout,
                                        client_secret=lambda: self.oauth_secrets.get("kakao_client_secret")),
            Provider.NAVER: NaverClient(auth_base_url=s.naver_auth_base_url, api_base_url=s.naver_api_base_url,
                                        client_id=s.naver_client_id, timeout=timeout,
                                        client_secret=lambda: self.oauth_secrets.get("naver_client_secret")),
        }

    @cached_property
    def identity_key(self) -> Any:
        """Keyed hashes of identities and phone numbers (abuse limits that outlive an account)."""
        from chalicelib.adapters.identity_key import SecretsManagerIdentityKey, StaticIdentityKey

        if self.settings.is_local and not self.settings.identity_key_secret_arn:
            return StaticIdentityKey(b"maeul-local-identity-key")  # a local container with no stack behind it
        return SecretsManagerIdentityKey(self.client("secretsmanager"), self.settings.identity_key_secret_arn)

    @cached_property
    def login_history(self) -> Any:
        from chalicelib.services.login_history import LoginHistory

        return LoginHistory(self.audit, self.settings.policy, self.clock)

    @cached_property
    def token_codec(self) -> Any:
        """Access tokens and login cookies, signed with the stage's key set."""
        from datetime import timedelta

        from chalicelib.adapters.jwt_tokens import JwtCodec

        s = self.settings
        return JwtCodec(self.jwt_keys, issuer=s.public_base_url, audience=f"maeul-api-{s.stage}",
                        ttl=timedelta(minutes=s.policy.access_token_minutes))

    @cached_property
    def sessions(self) -> Any:
        from datetime import timedelta

        from chalicelib.services.sessions import SessionService

        s = self.settings
        return SessionService(store=self.session_store, codec=self.token_codec, attorneys=self.attorneys,
                              admin_subjects=s.admin_subjects, history=self.login_history, clock=self.clock,
                              refresh_ttl=timedelta(days=s.policy.refresh_token_days),
                              idle_minutes=s.policy.session_idle_minutes,
                              staff_idle_minutes=s.policy.staff_session_idle_minutes)

    @cached_property
    def authenticator(self) -> Any:
        """The ``Authenticator`` port (``api/guard.py``): our session service."""
        return self.sessions

    @cached_property
    def login(self) -> Any:
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
        """What leaving erases, per subject. A feature holding personal data appends its eraser here."""
        # (The account service ends the sessions before these run.) Every free text about the person
        # first -- messages and the outcome note, the survey comment, decline reasons, documents -- found through
        # the owner's consultations; then the booked slots; then the profile, and last the
        # consultations' own details, which detaches them from the owner. Each step is idempotent and
        # everything a later step needs stays findable until it runs, so a retry after a failure
        # half-way finishes the job.
        return [self.thread_eraser, self.survey_comment_eraser, self.decline_note_eraser, self.attachment_eraser,
                self.booking_releaser, self.users.erase, self.consultation_eraser]

    def _owned_consultations(self, subject: str) -> Iterator[Any]:
        after = None
        while True:
            page = self.consultations.list_by_owner(subject, 100, after)
            yield from page.items
            if not page.after:
                return
            after = page.after

    def thread_eraser(self, subject: str) -> int:
        """Delete the messages and signals of every consultation the subject owns."""
        return sum(self.thread_store.erase(c.id) for c in self._owned_consultations(subject))

    def attachment_eraser(self, subject: str) -> int:
        """Delete the documents (objects and records) of every consultation the subject owns."""
        return sum(self.attachments.erase_consultation(c.id) for c in self._owned_consultations(subject))

    def survey_comment_eraser(self, subject: str) -> int:
        """Remove the survey comments the subject wrote."""
        return sum(1 for c in self._owned_consultations(subject) if self.surveys.erase_comment(c.id))

    def decline_note_eraser(self, subject: str) -> int:
        """Remove attorneys' decline reasons about the subject's consultations."""
        return sum(self.bookings.erase_notes(c.id) for c in self._owned_consultations(subject))

    def booking_releaser(self, subject: str) -> int:
        """Free the upcoming booked slots of the subject's consultations (the attorney is told)."""
        from chalicelib.domain.consultations import Status

        booked = [c.id for c in self._owned_consultations(subject) if c.status is Status.BOOKED]
        return sum(1 for cid in booked if self.reservations.release(cid, by="resident_left") is not None)

    @cached_property
    def accounts(self) -> Any:
        from datetime import timedelta

        from chalicelib.services.accounts import AccountService

        return AccountService(users=self.users, sessions=self.sessions, history=self.login_history,
                              audit=self.audit, invites=self.invites, roster=self.attorneys,
                              secrets=self.oauth_secrets, erasers=self.personal_data_erasers,
                              clock=self.clock, disconnect=self.disconnect_provider,
                              invite_ttl=timedelta(days=self.settings.policy.attorney_invite_days))

    @cached_property
    def second_factors(self) -> Any:
        from chalicelib.adapters.dynamo.second_factors import DynamoFactorStore

        self.tables  # noqa: B018 - bind the model
        return DynamoFactorStore(self.cipher)

    @cached_property
    def second_factor(self) -> Any:
        from chalicelib.services.second_factor import SecondFactorService

        return SecondFactorService(factors=self.second_factors, sessions=self.sessions,
                                   history=self.login_history, audit=self.audit, attorneys=self.attorneys,
                                   clock=self.clock)

    @cached_property
    def staff_access(self) -> Any:
        from chalicelib.services.staff_access import StaffAccessService

        return StaffAccessService(attorneys=self.attorneys, realtime=self.realtime, sessions=self.sessions,
                                  audit=self.audit, clock=self.clock, consultations=self.consultations,
                                  reservations=self.reservations)

    def disconnect_provider(self, subject: str) -> bool:
        """Ask the provider to disconnect Maeul from a leaving person's account. Kakao: with the
        app's admin key. Naver needs the person's own token, which Maeul does not keep: False."""
        from chalicelib.domain.identity import Provider

        provider, _, user_id = subject.partition(":")
        if provider != Provider.KAKAO.value:
            return False
        return self.oauth_clients[Provider.KAKAO].unlink(user_id, self.oauth_secrets.get("kakao_admin_key"))

    @cached_property
    def loads(self) -> Any:
        from chalicelib.adapters.dynamo.loads import DynamoLoadStore

        self.tables  # noqa: B018 - bind models before first use
        return DynamoLoadStore()

    @cached_property
    def reminders(self) -> Any:
        from chalicelib.adapters.dynamo.reminders import DynamoReminderStore

        self.tables  # noqa: B018 - bind models before first use
        return DynamoReminderStore()

    @cached_property
    def job_health(self) -> Any:
        from chalicelib.adapters.dynamo.job_health import DynamoJobHealth

        self.tables  # noqa: B018 - bind models before first use
        return DynamoJobHealth()

    @cached_property
    def recipients(self) -> Any:
        from chalicelib.adapters.recipients import ContactDirectory

        return ContactDirectory(self.attorneys, self.consultations, self.cipher)

    @cached_property
    def announcement_store(self) -> Any:
        from chalicelib.adapters.dynamo.announcements import DynamoAnnouncementStore

        self.tables  # noqa: B018 - bind models before first use
        return DynamoAnnouncementStore()

    @cached_property
    def announcements(self) -> Any:
        from chalicelib.services.announcements import Announcements

        return Announcements(self.announcement_store, self.clock)

    @cached_property
    def surveys(self) -> Any:
        from chalicelib.adapters.dynamo.surveys import DynamoSurveyStore

        self.tables  # noqa: B018 - bind models before first use
        return DynamoSurveyStore()

    @cached_property
    def notifier(self) -> Any:
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
    def receipts(self) -> Any:
        from chalicelib.adapters.dynamo.deliveries import DynamoReceiptCounter

        self.tables  # noqa: B018 - bind models before first use
        return DynamoReceiptCounter()

    @cached_property
    def delivery_ledger(self) -> Any:
        from chalicelib.adapters.dynamo.deliveries import DynamoDeliveryLedger

        self.tables  # noqa: B018 - bind models before first use
        return DynamoDeliveryLedger()

    @cached_property
    def resident_messages(self) -> Any:
        from chalicelib.services.resident_messages import ResidentMessenger

        s = self.settings
        return ResidentMessenger(ledger=self.delivery_ledger, notifier=self.notifier, recipients=self.recipients,
                                 policy=s.policy, clock=self.clock, public_base_url=s.public_base_url,
                                 hash_key=lambda: self.oauth_secrets.get("recipient_hash_key"))

    @cached_property
    def email_health(self) -> Any:
        from chalicelib.adapters.dynamo.email_health import DynamoEmailHealthStore

        self.tables  # noqa: B018 - bind models before first use
        return DynamoEmailHealthStore()

    @cached_property
    def address_hasher(self) -> Any:
        from chalicelib.adapters.ses_mailer import AddressHasher, secret_key_reader

        return AddressHasher(secret_key_reader(self.client("secretsmanager"), self.settings.email_hash_secret_arn))

    # -- reservations: availability, slots, bookings -----------------------------

    @cached_property
    def bookings(self) -> Any:
        from chalicelib.adapters.dynamo.bookings import DynamoBookingRepository

        self.tables  # noqa: B018 - bind models before first use
        p = self.settings.policy
        return DynamoBookingRepository(p.retention_days_after_close, tz=p.timezone)

    @cached_property
    def ranking_index(self) -> Any:
        from chalicelib.adapters.dynamo.ranking import DynamoRankingIndex

        self.tables  # noqa: B018 - bind models before first use
        return DynamoRankingIndex()

    def _ranking_of(self, store: Any) -> Any:
        """The ranking index, for a store whose transactions keep it (the DynamoDB booking and offer
        stores); None for another (the services then rank the pool)."""
        return self.ranking_index if getattr(store, "keeps_ranking_index", False) else None

    @cached_property
    def ranking_keeper(self) -> Any:
        from chalicelib.services.ranking import RankingIndexKeeper

        return RankingIndexKeeper(index=self.ranking_index, attorneys=self.attorneys, loads=self.loads,
                                  calendar=self.calendar, clock=self.clock)

    @cached_property
    def availability(self) -> Any:
        from chalicelib.services.availability import AvailabilityService

        return AvailabilityService(store=self.bookings, roster=self.attorneys, calendar=self.calendar,
                                   policy=self.settings.policy, clock=self.clock)

    @cached_property
    def reservations(self) -> Any:
        from chalicelib.services.reservations import ReservationService

        s = self.settings
        return ReservationService(consultations=self.consultations, bookings=self.bookings, roster=self.attorneys,
                                  notifier=self.notifier, cipher=self.cipher, calendar=self.calendar,
                                  policy=s.policy, clock=self.clock, public_base_url=s.public_base_url,
                                  messenger=self.resident_messages, identity_key=self.identity_key,
                                  ranking=self._ranking_of(self.bookings))

    @cached_property
    def retention(self) -> Any:
        from chalicelib.services.retention import RetentionService

        s = self.settings
        return RetentionService(consultations=self.consultations, recipients=self.recipients, notifier=self.notifier,
                                forget_realtime=lambda cid, now: self.realtime_store.forget(cid, now),
                                calendar=self.calendar, policy=s.policy, public_base_url=s.public_base_url,
                                erase_documents=lambda cid: self.attachments.erase_consultation(cid))

    @cached_property
    def withdrawals(self) -> Any:
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
    def realtime_store(self) -> Any:
        from chalicelib.adapters.dynamo.offers import DynamoRealtimeStore

        self.tables  # noqa: B018 - bind models before first use
        return DynamoRealtimeStore()

    @cached_property
    def realtime(self) -> Any:
        from chalicelib.services.realtime import RealtimeService

        s = self.settings
        return RealtimeService(store=self.realtime_store, consultations=self.consultations, loads=self.loads,
                               attorneys=self.attorneys, notifier=self.notifier, recipients=self.recipients,
                               calendar=self.calendar, policy=s.policy, clock=self.clock,
                               public_base_url=s.public_base_url, messenger=self.resident_messages,
                               ranking=self._ranking_of(self.realtime_store))

    @cached_property
    def operations(self) -> Any:
        from chalicelib.services.operations import OperationsQueue

        return OperationsQueue(consultations=self.consultations, bookings=self.bookings,
                               requests=self.realtime_store, threads=self.thread_store, roster=self.attorneys,
                               calendar=self.calendar, clock=self.clock)

    # -- consultation rooms: messages, signalling, outcomes -------------------------------

    @cached_property
    def thread_store(self) -> Any:
        from chalicelib.adapters.dynamo.messages import DynamoThreadStore

        self.tables  # noqa: B018 - bind models before first use
        return DynamoThreadStore()

    @cached_property
    def rooms(self) -> Any:
        from chalicelib.services.rooms import RoomService

        s = self.settings

        def booked(consultation_id: str) -> Any:
            active = self.bookings.state_of(consultation_id).active
            return (active.start, active.end) if active is not None else None

        return RoomService(consultations=self.consultations, store=self.thread_store, booked=booked,
                           cipher=self.cipher, audit=self.audit, notifier=self.notifier,
                           recipients=self.recipients,
                           release=lambda attorney_id, cid: self.realtime.release(attorney_id, cid),
                           policy=s.policy, ice_servers=s.ice_servers, clock=self.clock,
                           public_base_url=s.public_base_url, messenger=self.resident_messages,
                           cancel_reminders=self.cancel_reminders_of,
                           counted_load=self.counted_load_of)

    def counted_load_of(self, consultation: Any) -> tuple[str, int] | None:
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
    def attachment_store(self) -> Any:
        from chalicelib.adapters.dynamo.attachments import DynamoAttachmentStore

        self.tables  # noqa: B018 - bind models before first use
        return DynamoAttachmentStore()

    @cached_property
    def object_store(self) -> Any:
        from botocore.config import Config

        from chalicelib.adapters.s3_objects import S3ObjectStore

        # SigV4 links (SSE-KMS objects need them); path-style on the emulator's bare host:port
        config = Config(signature_version="s3v4",
                        s3={"addressing_style": "path" if self.settings.is_local else "virtual"})
        return S3ObjectStore(self.boto_session.client("s3", config=config), self.settings.attachments_bucket)

    @cached_property
    def attachments(self) -> Any:
        from chalicelib.adapters.inspection import inspect
        from chalicelib.services.attachments import AttachmentService

        return AttachmentService(consultations=self.consultations, store=self.attachment_store,
                                 objects=self.object_store, inspect=inspect, cipher=self.cipher, audit=self.audit,
                                 policy=self.settings.policy, clock=self.clock)

    @cached_property
    def boto_session(self) -> Any:
        import boto3

        return boto3.session.Session(region_name=self.settings.region)

    def client(self, service: str) -> Any:
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
