"""Documents in a consultation: upload forms, the check before anyone sees them, links, erasure.

Who: the owner and the assigned attorney (the consultation's two parties); anyone
else, admins included, gets ``ConsultationNotFoundError`` (404) as for an unknown id.
Each link handed to the attorney is an open of the resident's document and is written
to the staff access log.

The flow: ``request_upload`` reserves a place (at most ``attachment_max_files`` per
consultation, rejected ones not counted) and returns a presigned POST for
``incoming/<consultation>/<random>``; the browser uploads straight to S3; ``confirm``
claims the record (one confirm at a time), reads at most ``attachment_max_bytes`` of
the upload, checks and cleans it (``adapters.inspection``), stores the cleaned copy
and a thumbnail under ``consultations/<consultation>/<random>`` and deletes the
upload. The upload key is never served, so re-using an upload form after the check
changes nothing anyone sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.attachments import (
    ENTITY,
    Attachment,
    AttachmentBusyError,
    AttachmentError,
    AttachmentNotFoundError,
    AttachmentsClosedError,
    AttachmentStatus,
    AttachmentStore,
    Inspection,
    Kind,
    ObjectStore,
    Rejection,
    TooManyAttachmentsError,
    check_request,
    incoming_key,
    new_object_id,
    prefixes,
    stored_key,
)
from chalicelib.domain.audit import AuditLog
from chalicelib.domain.consultations import (
    Consultation,
    ConsultationNotFoundError,
    ConsultationRepository,
    RecordIntegrityError,
    reader_of,
)
from chalicelib.domain.identity import Principal
from chalicelib.domain.rooms import Side, side_of
from chalicelib.domain.sealing import FieldCipher
from chalicelib.logs import logger
from chalicelib.services.access_log import record_staff_read
from chalicelib.services.sealed_fields import open_fields, seal_fields
from chalicelib.settings import Policy

Clock = Callable[[], datetime]
Inspector = Callable[[bytes, Kind], Inspection]

CLAIM_SECONDS = 120  # a confirm that crashed mid-check is taken over after this long
PENDING_HOURS = 24  # an upload never confirmed is forgotten (record by TTL, object by the lifecycle rule)


class AttachmentNotUploadedError(AttachmentError):
    """The file has not arrived yet."""


@dataclass(frozen=True)
class UploadTicket:
    attachment: Attachment
    form: dict[str, object]
    expires_in: int


@dataclass(frozen=True)
class AttachmentView:
    attachment: Attachment
    filename: str | None
    mine: bool
    url: str | None = None
    thumbnail_url: str | None = None
    expires_in: int | None = None


@dataclass(kw_only=True, eq=False, repr=False)
class AttachmentService:
    consultations: ConsultationRepository
    store: AttachmentStore
    objects: ObjectStore
    inspect: Inspector
    cipher: FieldCipher
    audit: AuditLog
    policy: Policy
    clock: Clock

    # --- who --------------------------------------------------------------------------------------

    def _party(self, principal: Principal, consultation_id: str) -> tuple[Consultation, Side]:
        consultation = self.consultations.get(consultation_id)
        side = side_of(reader_of(principal, consultation)) if consultation is not None else None
        if consultation is None or side is None:
            raise ConsultationNotFoundError()
        return consultation, side

    # --- upload -----------------------------------------------------------------------------------

    def request_upload(self, principal: Principal, consultation_id: str, *, filename: str, content_type: str,
                       size: int) -> UploadTicket:
        consultation, side = self._party(principal, consultation_id)
        p = self.policy
        kind = check_request(content_type, size, allowed=p.attachment_types, max_bytes=p.attachment_max_bytes)
        if not consultation.is_open:
            raise AttachmentsClosedError()
        now = self.clock()
        attachment_id = new_object_id()
        attachment = Attachment(
            id=attachment_id, consultation_id=consultation_id, uploader=principal.subject, side=side.value,
            declared_type=kind.value, declared_size=size, status=AttachmentStatus.PENDING, created_at=now,
            upload_key=incoming_key(consultation_id, new_object_id()),
            sealed_name=self._seal(consultation_id, attachment_id, filename) if filename else None)
        expires = now + timedelta(hours=PENDING_HOURS)
        try:
            self.store.reserve(attachment, p.attachment_max_files, expires)
        except TooManyAttachmentsError:
            if not self._forget_abandoned(consultation_id, now):
                raise
            self.store.reserve(attachment, p.attachment_max_files, expires)
        # the form must carry the type the bytes will be checked against
        form = self.objects.upload_form(attachment.upload_key, kind.value, p.attachment_max_bytes,
                                        p.attachment_upload_seconds)
        return UploadTicket(attachment, form, p.attachment_upload_seconds)

    def _forget_abandoned(self, consultation_id: str, now: datetime) -> bool:
        """Reject uploads whose form expired unused, so they stop holding places; True if any."""
        cutoff = now - timedelta(seconds=self.policy.attachment_upload_seconds + CLAIM_SECONDS)
        freed = False
        for a in self.store.list(consultation_id):
            if a.status is AttachmentStatus.PENDING and a.created_at < cutoff and \
                    self.store.claim(consultation_id, a.id, now, now - timedelta(seconds=CLAIM_SECONDS)):
                size = self.objects.size_of(a.upload_key)
                if size is not None:
                    self._check(a, now, size)  # it did arrive after all
                    continue
                self._finish(a.evolve(status=AttachmentStatus.REJECTED, reason=Rejection.NOT_UPLOADED,
                                      checked_at=now), now)
                freed = True
        return freed

    # --- the check --------------------------------------------------------------------------------

    def confirm(self, principal: Principal, consultation_id: str, attachment_id: str) -> AttachmentView:
        self._party(principal, consultation_id)
        attachment = self.store.get(consultation_id, attachment_id)
        if attachment is None or attachment.uploader != principal.subject:
            raise AttachmentNotFoundError()
        if not attachment.is_final:
            attachment = self._confirm(attachment)
        return AttachmentView(attachment, self._name(attachment), mine=True)

    def _confirm(self, attachment: Attachment) -> Attachment:
        now = self.clock()
        size = self.objects.size_of(attachment.upload_key)
        if size is None and attachment.status is AttachmentStatus.PENDING:
            raise AttachmentNotUploadedError()
        stale = now - timedelta(seconds=CLAIM_SECONDS)
        if not self.store.claim(attachment.consultation_id, attachment.id, now, stale):
            current = self.store.get(attachment.consultation_id, attachment.id)
            if current is not None and current.is_final:
                return current  # the other confirm finished first
            raise AttachmentBusyError()
        return self._check(attachment, now, size)

    def _check(self, attachment: Attachment, now: datetime, size: int | None) -> Attachment:
        p = self.policy
        if size is None:
            result = Inspection(None, reason=Rejection.NOT_UPLOADED)
        elif size > p.attachment_max_bytes:
            result = Inspection(None, reason=Rejection.TOO_LARGE)  # the emulator does not enforce the form
        else:
            body = self.objects.read(attachment.upload_key, p.attachment_max_bytes + 1)
            if len(body) > p.attachment_max_bytes:
                result = Inspection(None, reason=Rejection.TOO_LARGE)
            else:
                result = self.inspect(body, Kind(attachment.declared_type))
        if not result.accepted:
            self.objects.delete(attachment.upload_key)
            done = attachment.evolve(status=AttachmentStatus.REJECTED, reason=result.reason, kind=result.kind,
                                     checked_at=now)
            self._finish(done, now)
            logger().info("attachment rejected", extra={"consultation_id": attachment.consultation_id,
                                                        "attachment_id": attachment.id,
                                                        "reason": str(result.reason)})
            return done
        assert result.body is not None and result.kind is not None
        key = stored_key(attachment.consultation_id, new_object_id())
        thumb = stored_key(attachment.consultation_id, new_object_id()) if result.thumbnail else None
        self.objects.put(key, result.body, result.kind.value)
        if thumb and result.thumbnail:
            self.objects.put(thumb, result.thumbnail, Kind.JPEG.value)
        done = attachment.evolve(status=AttachmentStatus.READY, kind=result.kind, size=len(result.body), key=key,
                                 thumb_key=thumb, width=result.width, height=result.height, checked_at=now)
        try:
            self._finish(done, now)
        except AttachmentBusyError:
            self.objects.delete(key, thumb or "")  # another confirm took over meanwhile; its copy stands
            raise
        self.objects.delete(attachment.upload_key)
        return done

    def _finish(self, attachment: Attachment, now: datetime) -> None:
        keep = now + timedelta(days=self.policy.retention_days_after_close + 365) \
            if attachment.status is AttachmentStatus.READY else now + timedelta(days=30)
        self.store.finish(attachment, keep)

    # --- reading ----------------------------------------------------------------------------------

    def list(self, principal: Principal, consultation_id: str, *, ip: str = "",
             links: bool = True) -> list[AttachmentView]:
        """The documents; ``links=False``: names and states only (no link given, nothing opened)."""
        consultation, _ = self._party(principal, consultation_id)
        now = self.clock()
        expires_in = self.policy.attachment_link_seconds
        views = []
        for a in self.store.list(consultation_id):
            mine = a.uploader == principal.subject
            if a.status is not AttachmentStatus.READY or a.key is None or a.kind is None:
                if mine:  # the other party does not see uploads still on their way, nor refusals
                    views.append(AttachmentView(a, self._name(a), mine=True))
                continue
            if not links:
                views.append(AttachmentView(a, self._name(a), mine=mine))
                continue
            if a.uploader == consultation.owner:
                record_staff_read(self.audit, principal, owner=consultation.owner,
                                  record=f"{ENTITY}:{consultation_id}/{a.id}", action="open_attachment", ip=ip,
                                  now=now)
            views.append(AttachmentView(
                a, self._name(a), mine=mine, expires_in=expires_in,
                url=self.objects.download_url(a.key, expires_in, content_type=a.kind.value, filename=None),
                thumbnail_url=self.objects.download_url(a.thumb_key, expires_in, content_type=Kind.JPEG.value,
                                                        filename=None) if a.thumb_key else None))
        return views

    # --- erasure ----------------------------------------------------------------------------------

    def erase_consultation(self, consultation_id: str) -> int:
        """Delete every object and record of a consultation's documents; returns objects deleted."""
        deleted = sum(self.objects.delete_prefix(prefix) for prefix in prefixes(consultation_id))
        self.store.erase(consultation_id)
        return deleted

    # --- sealing ----------------------------------------------------------------------------------

    def _seal(self, consultation_id: str, attachment_id: str, filename: str) -> bytes:
        return seal_fields(self.cipher, ENTITY, f"{consultation_id}/{attachment_id}", {"filename": filename})

    def _name(self, a: Attachment) -> str | None:
        if a.sealed_name is None:
            return None
        try:
            return str(open_fields(self.cipher, ENTITY, f"{a.consultation_id}/{a.id}", a.sealed_name)["filename"])
        except RecordIntegrityError:  # logged; the document is listed without a name
            return None
