"""Every action the access log records is shown to operators (and a PIPC auditor) as words in the
console's languages, never as its code (``read_thread`` once showed as the code itself)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chalicelib.domain.audit import RIGHTS_ACTIONS
from chalicelib.services.staff_access import UNLINKED

ROOT = Path(__file__).resolve().parents[2]


def recorded_actions() -> set[str]:
    """The actions the services write: ``action="…"`` literals, the rights changes, the unlinking."""
    found = set(RIGHTS_ACTIONS) | {UNLINKED}
    for source in (ROOT / "chalicelib" / "services").glob("*.py"):
        found |= set(re.findall(r'\baction="([a-z_]+)"', source.read_text(encoding="utf-8")))
    return found


def test_the_scan_finds_the_reads_and_the_rights_changes() -> None:
    assert {"read", "read_phone", "read_thread", "open_attachment", "attorney_added"} <= recorded_actions()


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_recorded_action_has_a_label(lang: str) -> None:
    labels = json.loads((ROOT / "chalicelib" / "web" / "i18n" / lang / "operations.json").read_text(encoding="utf-8"))
    missing = sorted(a for a in recorded_actions() if not labels.get(f"js.op.action.{a}", "").strip())
    assert missing == []
