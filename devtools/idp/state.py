"""The state one IdP app holds, kept in ``app.extensions["maeul_idp"]`` for the blueprints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

from .config import Config
from .store import Store

if TYPE_CHECKING:
    from .faults import Faults

EXTENSION = "maeul_idp"


@dataclass(frozen=True)
class IdpState:
    config: Config
    store: Store
    faults: Faults


def idp_state(app: Flask | None = None) -> IdpState:
    """The state of ``app``, by default of the app handling the current request."""
    state: IdpState = (app or current_app).extensions[EXTENSION]
    return state
