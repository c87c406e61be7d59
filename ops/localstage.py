"""The environment of the ``local`` stage, in one place.

The local stage's environment is: ``.chalice/config.json``'s ``local`` stage,
then the infrastructure stack's outputs (``.run/local-stack.json``, written by
``scripts/deploy local``), then the port overrides (``MAEUL_AWS_PORT``,
``MAEUL_APP_PORT``, ``MAEUL_IDP_PORT``, ``MAEUL_SENS_PORT``). The app server, ``scripts/tick``,
the local scheduler and the tests all build their Chalice ``Config`` here, so
they cannot disagree about where the emulator is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from chalicelib.clock import CLOCK_VAR
from ops.processes import ROOT

RUN_DIR = Path(os.environ.get("MAEUL_RUN_DIR", ROOT / ".run"))
# Tests deploy their own stack into their own emulator and point here instead.
STACK_ENV_FILE = Path(os.environ.get("MAEUL_STACK_ENV_FILE", RUN_DIR / "local-stack.json"))
# the shifted clock of the stack ``make run AT=…`` started (pinned MAEUL_CLOCK), for scripts run beside it
CLOCK_FILE = RUN_DIR / "clock"


@dataclass(frozen=True)
class Ports:
    aws: int = 4566
    app: int = 8000
    idp: int = 8101
    sens: int = 8102  # the dev SENS emulator (devtools/sens)
    translate: int = 8103  # the dev translator (devtools/translate)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Ports:
        return cls(aws=int(env.get("MAEUL_AWS_PORT", 4566)), app=int(env.get("MAEUL_APP_PORT", 8000)),
                   idp=int(env.get("MAEUL_IDP_PORT", 8101)), sens=int(env.get("MAEUL_SENS_PORT", 8102)),
                   translate=int(env.get("MAEUL_TRANSLATE_PORT", 8103)))


def config_environment(stage: str = "local") -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    env = dict(config.get("environment_variables", {}))
    env.update(config.get("stages", {}).get(stage, {}).get("environment_variables", {}))
    return env


def port_overrides(ports: Ports) -> dict[str, str]:
    idp = f"http://127.0.0.1:{ports.idp}"
    return {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{ports.aws}",
        "MAEUL_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports.app}",
        "KAKAO_AUTH_BASE_URL": idp, "KAKAO_API_BASE_URL": idp,
        "NAVER_AUTH_BASE_URL": idp, "NAVER_API_BASE_URL": idp,
        "MAEUL_SENS_BASE_URL": f"http://127.0.0.1:{ports.sens}",
        # chat translation: the boto3 translate client goes to the dev translator, not to moto
        "AWS_ENDPOINT_URL_TRANSLATE": f"http://127.0.0.1:{ports.translate}",
    }


def stack_environment(path: Path = STACK_ENV_FILE) -> dict[str, str]:
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def write_clock_file(value: str | None, path: Path = CLOCK_FILE) -> None:
    """Remember the running stack's shifted clock for the scripts run beside it (``scripts/tick``)."""
    if value:
        path.write_text(value, encoding="utf-8")
    else:
        path.unlink(missing_ok=True)


def local_environment(ports: Ports | None = None, stack_env: Mapping[str, str] | None = None) -> dict[str, str]:
    env = config_environment("local")
    if stack_env is None:
        env.update(stack_environment())
        if CLOCK_VAR in os.environ:  # the stack's processes get it from ``make run`` or the tests
            env[CLOCK_VAR] = os.environ[CLOCK_VAR]
        elif CLOCK_FILE.exists():  # a script run beside ``make run AT=…``
            env[CLOCK_VAR] = CLOCK_FILE.read_text(encoding="utf-8").strip()
    else:
        env.update(stack_env)
    env.update(port_overrides(ports or Ports.from_env()))
    return env


def chalice_config(env: Mapping[str, str]):  # -> chalice.config.Config
    """A Chalice ``Config`` for the local stage carrying exactly ``env``."""
    from chalice.config import Config

    return Config.create(chalice_stage="local", app_name="maeul", environment_variables=dict(env),
                         project_dir=str(ROOT))


def aws_environment(ports: Ports | None = None) -> dict[str, str]:
    """What an operator script needs to talk to the emulator."""
    env = config_environment("local")
    keys = ("AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    out = {k: env[k] for k in keys if k in env}
    out["AWS_ENDPOINT_URL"] = port_overrides(ports or Ports.from_env())["AWS_ENDPOINT_URL"]
    return out
