"""What the programme offers, for anyone: the facts behind ``GET /api/meta``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from chalicelib.clock import Clock
from chalicelib.domain import categories, languages, regions
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.settings import Policy


class Label(BaseModel):
    code: str
    name_ko: str
    name_en: str
    name: str = Field(description="The name in the language asked for (``?lang=``, else the negotiated one)")


class CategoryInfo(Label):
    share_percent: int | None


class RegionInfo(Label):
    admin_code: str


class WindowInfo(BaseModel):
    start: str
    end: str


class ServiceHours(BaseModel):
    timezone: str
    days: str
    windows: list[WindowInfo]


class Today(BaseModel):
    date: str
    is_service_day: bool
    holiday_name: str | None
    open_now: bool
    next_opening: datetime


class LanguageInfo(BaseModel):
    code: str = Field(description="BCP 47 tag: the ``lang`` cookie value, ``?lang=`` and ``<html lang>``")
    name: str = Field(description="The language's own name, e.g. Tiếng Việt")
    html_lang: str


class Meta(BaseModel):
    categories: list[CategoryInfo]
    regions: list[RegionInfo]
    service_hours: ServiceHours
    modes: list[Label]
    methods: list[Label]
    fallback_phone: str
    today: Today
    languages: list[LanguageInfo]
    lang: str = Field(description="The language the ``name`` fields are in")


def describe(policy: Policy, calendar: ServiceCalendar, now: datetime, lang: str = languages.DEFAULT) -> Meta:
    today = calendar.local_date(now)
    return Meta(
        categories=[CategoryInfo(code=c.code, name_ko=c.name_ko, name_en=c.name_en,
                                 name=categories.category_name(c.code, lang),
                                 share_percent=c.share_percent) for c in categories.CATEGORIES],
        regions=[RegionInfo(code=r.code, admin_code=r.admin_code, name_ko=r.name_ko,
                            name_en=r.name_en, name=regions.region_name(r, lang)) for r in regions.REGIONS],
        service_hours=ServiceHours(
            timezone=policy.timezone,
            days="Weekdays, except Korean public holidays (평일, 공휴일 제외)",
            windows=[WindowInfo(start=w.start.strftime("%H:%M"), end=w.end.strftime("%H:%M"))
                     for w in policy.service_windows],
        ),
        modes=[Label(code=m.value, name_ko=categories.label(m, "ko"), name_en=categories.label(m, "en"),
                     name=categories.label(m, lang)) for m in categories.Mode],
        methods=[Label(code=m.value, name_ko=categories.label(m, "ko"), name_en=categories.label(m, "en"),
                       name=categories.label(m, lang)) for m in categories.Method],
        fallback_phone=policy.fallback_phone,
        today=Today(
            date=today.isoformat(),
            is_service_day=calendar.is_service_day(today),
            holiday_name=calendar.holiday_name(today),
            open_now=calendar.is_open(now),
            next_opening=calendar.next_opening(now),
        ),
        languages=[LanguageInfo(code=x.code, name=x.name, html_lang=x.code) for x in languages.LANGUAGES],
        lang=lang,
    )


class Programme:
    """The programme's public facts, as of the container's clock."""

    def __init__(self, policy: Policy, calendar: ServiceCalendar, clock: Clock) -> None:
        self.policy = policy
        self.calendar = calendar
        self.clock = clock

    def describe(self, lang: str = languages.DEFAULT) -> Meta:
        return describe(self.policy, self.calendar, self.clock(), lang)
