"""Document routes: an upload form, the confirm after uploading, the list with short-lived links.

Thin adapters over ``container.attachments``. The consultation's owner and its
assigned attorney only; anyone else (admins included) gets 404 as for an unknown id.
Everything here is personal: ``Cache-Control: no-store``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from chalicelib.api import path_ids
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.fields import plain_text
from chalicelib.api.guard import client_of, current_principal
from chalicelib.api.http import json_response, parse_body, parse_query
from chalicelib.composition import Container
from chalicelib.domain.attachments import AttachmentNotFoundError
from chalicelib.services.attachments import AttachmentView

bp = ApiBlueprint(__name__)


_ATTACHMENT_ID = re.compile(r"^[0-9a-f]{32}$")


class AttachmentIn(BaseModel):
    """A document about to be uploaded: its name (kept encrypted, shown to the two parties only),
    the type the browser reports and its size in bytes."""

    model_config = ConfigDict(extra="forbid")

    filename: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=200)]
    content_type: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1,
                                                   max_length=100)]
    size: int = Field(strict=True, ge=1, description="Bytes; at most the policy's limit (10 MB by default).")

    @field_validator("filename")
    @classmethod
    def _plain(cls, value: str) -> str:
        if "\n" in value or "\r" in value:
            from pydantic_core import PydanticCustomError

            raise PydanticCustomError("invalid_filename", "A file name is one line of text.")
        return plain_text(value)


class UploadForm(BaseModel):
    url: str = Field(description="POST a multipart form here: every field below, then the file as 'file'.")
    fields: dict[str, str]


class UploadOut(BaseModel):
    id: str
    status: str
    upload: UploadForm
    expires_in: int = Field(description="Seconds the form works.")
    max_bytes: int


class AttachmentOut(BaseModel):
    id: str
    status: str = Field(description="pending, checking, ready or rejected")
    filename: str | None
    type: str | None = Field(description="The checked type (photos are kept as JPEG or PNG).")
    size: int | None
    width: int | None = None
    height: int | None = None
    mine: bool
    side: str
    uploaded_at: datetime
    reason: str | None = Field(None, description="Why it was refused: wrong_type, type_mismatch, too_large, "
                                                 "unreadable, heic_unsupported, active_content, not_uploaded.")
    url: str | None = Field(None, description="A short-lived link to the document (ready ones only).")
    thumbnail_url: str | None = None
    expires_in: int | None = None


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    links: bool = Field(True, description="false: names and states only, no links (nothing is opened, "
                                          "nothing logged); for counting what waits.")


class AttachmentList(BaseModel):
    items: list[AttachmentOut]
    max_files: int
    max_bytes: int
    types: list[str]


def _out(view: AttachmentView, calendar: Any) -> AttachmentOut:
    a = view.attachment
    return AttachmentOut(id=a.id, status=a.status.value, filename=view.filename,
                         type=a.kind.value if a.kind and a.status.value == "ready" else None,
                         size=a.size, width=a.width, height=a.height, mine=view.mine, side=a.side,
                         uploaded_at=calendar.to_local(a.created_at),
                         reason=a.reason.value if a.reason else None, url=view.url,
                         thumbnail_url=view.thumbnail_url, expires_in=view.expires_in)


_consultation_id = path_ids.consultation_id


def _attachment_id(value: str) -> str:
    if not _ATTACHMENT_ID.match(value):
        raise AttachmentNotFoundError()
    return value


@operation(bp, "POST", "/api/consultations/{consultation_id}/attachments", "Start attaching a document: an "
           "S3 presigned POST for a photo (JPEG, PNG, HEIC) or a PDF (owner, assigned attorney; others 404)",
           tags=("attachments",), request=AttachmentIn, responses={201: UploadOut}, auth=True,
           errors=(400, 404, 409, 503))
def request_upload(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    cid = _consultation_id(consultation_id)
    body = parse_body(request, AttachmentIn)
    ticket = container.attachments.request_upload(principal, cid, filename=body.filename,
                                                  content_type=body.content_type, size=body.size)
    form = UploadForm(url=str(ticket.form["url"]), fields={k: str(v) for k, v in dict(ticket.form["fields"]).items()})
    out = UploadOut(id=ticket.attachment.id, status=ticket.attachment.status.value, upload=form,
                    expires_in=ticket.expires_in, max_bytes=container.settings.policy.attachment_max_bytes)
    return json_response(out, 201, private=True)


@operation(bp, "POST", "/api/consultations/{consultation_id}/attachments/{attachment_id}/confirm",
           "After uploading: check the document (real type from its bytes, photos cleaned of "
           "location and camera data, PDFs without scripts or embedded files); ready or rejected",
           tags=("attachments",), responses={200: AttachmentOut}, auth=True, errors=(404, 409, 503))
def confirm(consultation_id: str, attachment_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    cid, aid = _consultation_id(consultation_id), _attachment_id(attachment_id)
    view = container.attachments.confirm(principal, cid, aid)
    return json_response(_out(view, container.calendar), private=True)


@operation(bp, "GET", "/api/consultations/{consultation_id}/attachments", "The consultation's documents, "
           "each ready one with a short-lived link (owner, assigned attorney; others 404; every link "
           "given to the attorney is in the staff access log)", tags=("attachments",),
           query=ListQuery, responses={200: AttachmentList}, auth=True, errors=(400, 404, 503))
def list_attachments(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    cid = _consultation_id(consultation_id)
    query = parse_query(request, ListQuery)
    views = container.attachments.list(principal, cid, ip=client_of(request).ip or "", links=query.links)
    p = container.settings.policy
    out = AttachmentList(items=[_out(v, container.calendar) for v in views], max_files=p.attachment_max_files,
                         max_bytes=p.attachment_max_bytes, types=list(p.attachment_types))
    return json_response(out, private=True)
