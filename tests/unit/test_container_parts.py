"""Tests hand the container its parts as arguments: the services it builds then work over them, and a
name the container does not build is refused (a misspelt one would otherwise leave the real adapter)."""

from datetime import UTC, datetime

import pytest

from chalicelib.composition import Container
from chalicelib.domain.login import Client
from chalicelib.settings import Settings
from tests.twins.memory import MemoryAuditLog, MemoryRoster

NOW = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)


def settings() -> Settings:
    return Settings.from_env({"MAEUL_STAGE": "local"})


def test_a_part_given_is_the_one_the_services_are_built_on() -> None:
    audit = MemoryAuditLog()
    container = Container(settings(), clock=lambda: NOW, audit=audit)

    container.login_history.success("kakao", Client(ip="203.0.113.7", user_agent="test"), "kakao:1")

    assert container.audit is audit
    assert [(e.subject, e.at) for e in audit.logins] == [("kakao:1", NOW)]
    assert container.login_history.of("kakao:1") == audit.logins


def test_use_replaces_a_part_on_a_container_already_built() -> None:
    container = Container(settings(), clock=lambda: NOW)
    roster = MemoryRoster()
    container.use(attorneys=roster)
    assert container.attorneys is roster


@pytest.mark.parametrize("name", ["attorney", "tables", "bind_tables", "client"])
def test_a_name_the_container_does_not_build_is_refused(name: str) -> None:
    with pytest.raises(TypeError, match=f"no part named {name}"):
        Container(settings(), **{name: object()})
