"""Announcements: the notice every page shows while it is active (``GET /api/announcements``, public),
and the admins' list, form and take-down (``/api/admin/announcements``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from chalicelib.api import path_ids
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.fields import one_line
from chalicelib.api.guard import require_role
from chalicelib.api.http import json_response, parse_body, parse_query
from chalicelib.composition import Container
from chalicelib.domain.announcements import (
    Announcement,
    AnnouncementKind,
)
from chalicelib.domain.identity import Role

bp = ApiBlueprint(__name__)


Message = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=5, max_length=300)]


class AnnouncementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: AnnouncementKind
    message_ko: Message = Field(description="What residents read, e.g. '설 연휴에는 상담을 쉽니다.'")
    message_en: Message | None = Field(None, description="The English text (else the Korean one is shown).")
    starts_at: AwareDatetime = Field(description="When the notice goes up (with a UTC offset).")
    ends_at: AwareDatetime = Field(description="When it comes down (at most 62 days later).")

    @field_validator("message_ko", "message_en")
    @classmethod
    def _plain(cls, value: str | None) -> str | None:
        return one_line(value) if value is not None else None


class AnnouncementOut(BaseModel):
    id: str
    kind: AnnouncementKind
    message: str = Field(description="In the requested language.")
    message_ko: str
    message_en: str | None
    starts_at: datetime
    ends_at: datetime
    active: bool


class AnnouncementList(BaseModel):
    items: list[AnnouncementOut]


class LangQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lang: Literal["ko", "en"] = "ko"


def _out(a: Announcement, lang: str, container: Container) -> AnnouncementOut:
    local = container.calendar.to_local
    return AnnouncementOut(id=a.id, kind=a.kind, message=a.message(lang), message_ko=a.message_ko,
                           message_en=a.message_en, starts_at=local(a.starts_at), ends_at=local(a.ends_at),
                           active=a.is_active(container.clock()))


@operation(bp, "GET", "/api/announcements", "Notices to show on every page now (closures, maintenance)",
           tags=("meta",), query=LangQuery, responses={200: AnnouncementList})
def active_announcements(*, container: Container) -> object:
    query = parse_query(bp.current_request, LangQuery)
    items = [_out(a, query.lang, container) for a in container.announcements.active()]
    return json_response(AnnouncementList(items=items), headers={"Cache-Control": "no-store"})


@operation(bp, "GET", "/api/admin/announcements", "All notices, current and coming first (admins)",
           tags=("admin",), query=LangQuery, responses={200: AnnouncementList}, auth=True, errors=(403,))
def list_announcements(*, container: Container) -> object:
    require_role(bp.current_request, Role.ADMIN)
    query = parse_query(bp.current_request, LangQuery)
    items = [_out(a, query.lang, container) for a in container.announcements.all()]
    return json_response(AnnouncementList(items=items), private=True)


@operation(bp, "POST", "/api/admin/announcements", "Put up a notice for a period (admins)", tags=("admin",),
           request=AnnouncementIn, responses={201: AnnouncementOut}, auth=True, errors=(403, 413, 415, 422))
def put_up_announcement(*, container: Container) -> object:
    request = bp.current_request
    require_role(request, Role.ADMIN)
    body = parse_body(request, AnnouncementIn)
    made = container.announcements.put_up(body.kind, body.message_ko, body.message_en, body.starts_at,
                                                body.ends_at)
    return json_response(_out(made, "ko", container), 201, private=True)


@operation(bp, "DELETE", "/api/admin/announcements/{announcement_id}", "Take a notice down (admins)",
           tags=("admin",), responses={204: None}, auth=True, errors=(403, 404))
def take_down_announcement(announcement_id: str, *, container: Container) -> object:
    from chalice.app import Response

    require_role(bp.current_request, Role.ADMIN)
    path_ids.announcement_id(announcement_id)
    container.announcements.take_down(announcement_id)
    return Response(body="", status_code=204, headers={"Cache-Control": "no-store"})
