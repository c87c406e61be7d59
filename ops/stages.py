"""Where each AWS stage lives (``infra/stages.json``) and the checks before deploying to it.

- ``region(stage)``: the stage's region (ap-northeast-2, Seoul, for every AWS stage unless set).
  Every operator command that talks to AWS or runs ``chalice package`` gets it through
  ``environment(stage)``, so nothing depends on the operator's shell or ``~/.aws/config``.
- ``preflight(stage, account, region)``: refuses prod outside Seoul, in an account other than
  the one written down for it, with a placeholder left in its settings (the TURN servers'
  addresses included), or without the networks its operations console may be reached from
  (``admin_cidrs``); any stage whose ``ice_servers`` hold a credential.
- ``admin_networks(stage)``: those networks (``admin_cidrs``, IPv4 and IPv6 CIDRs): the WAF lets
  ``/admin`` and ``/api/admin/`` through from them only (``ops/front_door.py``). Empty: no
  restriction (dev and staging may leave it so; prod may not).

``python -m ops.stages <stage> -- <command...>`` runs a command with the stage's region
(``make package`` uses it).
"""

from __future__ import annotations

import ipaddress
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
STAGES_FILE = ROOT / "infra" / "stages.json"
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"
SEOUL = "ap-northeast-2"
AWS_STAGES = ("dev", "staging", "prod")
PLACEHOLDERS = ("maeul.example", "set-in-config-for-")


class RefusedDeploy(SystemExit):
    """A deploy refused before anything was changed; the message says what to fix."""


def settings(stage: str) -> dict[str, Any]:
    stages = json.loads(STAGES_FILE.read_text(encoding="utf-8"))
    return dict(stages.get(stage, {}))


def region(stage: str) -> str:
    return settings(stage).get("region") or SEOUL


def environment(stage: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the stage's region set for boto3 and Chalice."""
    env = dict(os.environ if base is None else base)
    if stage in AWS_STAGES:
        env["AWS_DEFAULT_REGION"] = env["AWS_REGION"] = region(stage)
    return env


def chalice_environment(stage: str) -> dict[str, str]:
    config = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    env = dict(config.get("environment_variables", {}))
    env.update(config.get("stages", {}).get(stage, {}).get("environment_variables", {}))
    return env


def domain(stage: str) -> str:
    """The stage's public host name, from ``MAEUL_PUBLIC_BASE_URL`` (the one address users see)."""
    return urlparse(chalice_environment(stage).get("MAEUL_PUBLIC_BASE_URL", "")).hostname or ""


MIN_PREFIX = {4: 16, 6: 32}  # wider than this is not "the operator's network"


class BadAdminNetworkError(ValueError):
    """An ``admin_cidrs`` entry that is not a network, or one too wide to restrict anything."""


def parse_admin_networks(values: Any) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``admin_cidrs`` as networks; ``BadAdminNetworkError`` names the first entry that is wrong."""
    if values in (None, ""):
        return []
    if not isinstance(values, list):
        raise BadAdminNetworkError("admin_cidrs must be a list of CIDRs, e.g. [\"203.0.113.0/24\"]")
    networks = []
    for value in values:
        try:
            network = ipaddress.ip_network(str(value).strip(), strict=True)
        except ValueError:
            raise BadAdminNetworkError(f"admin_cidrs: {value!r} is not a network in CIDR form "
                                       "(e.g. 203.0.113.0/24, or 203.0.113.7/32 for one address)") from None
        if network.prefixlen < MIN_PREFIX[network.version]:
            raise BadAdminNetworkError(f"admin_cidrs: {value} is wider than /{MIN_PREFIX[network.version]}: "
                                       "name the operator's own networks")
        networks.append(network)
    return networks


def admin_networks(stage: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return parse_admin_networks(settings(stage).get("admin_cidrs"))


def placeholders(stage: str) -> list[str]:
    """Settings of ``stage`` that still hold an example value (also inside lists, e.g. ice_servers)."""
    found = [f".chalice/config.json {stage}: {key}={value}"
             for key, value in chalice_environment(stage).items()
             if isinstance(value, str) and any(p in value for p in PLACEHOLDERS)]
    for key, value in settings(stage).items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if any(p in text for p in PLACEHOLDERS):
            found.append(f"infra/stages.json {stage}: {key}={text}")
    return found


def ice_servers(stage: str) -> list[dict[str, Any]]:
    """The stage's STUN/TURN servers for the video room (``MAEUL_ICE_SERVERS`` of its functions)."""
    return list(settings(stage).get("ice_servers") or [])


def ice_problems(stage: str) -> list[str]:
    """What is wrong with the stage's ``ice_servers``: not RTCIceServer objects, or a credential
    written into the repository (it belongs in the stage's secret, ``TURN_SHARED_SECRET``)."""
    problems = []
    for server in ice_servers(stage):
        urls = server.get("urls") if isinstance(server, dict) else None
        urls = [urls] if isinstance(urls, str) else urls
        if not urls or not all(isinstance(u, str) and u.startswith(("stun:", "turn:", "turns:")) for u in urls):
            problems.append(f"infra/stages.json {stage}: ice_servers entry {server!r} needs 'urls' "
                            "of stun:, turn: or turns: addresses")
        elif server.get("username") or server.get("credential"):
            problems.append(f"infra/stages.json {stage}: ice_servers entry for {urls[0]} holds a credential; "
                            "remove it and store the TURN shared secret with TURN_SHARED_SECRET="
                            f"... scripts/set-oauth-secret {stage}")
    return problems


def preflight(stage: str, account: str, current_region: str) -> list[str]:
    """Reasons to refuse deploying ``stage`` to ``account``/``current_region`` (empty: go ahead).

    Prod must be in Seoul, in the account written in ``infra/stages.json``, without placeholders,
    with ``admin_cidrs``. Other stages are refused only when an expected account is written down
    and differs, or when an ``admin_cidrs`` entry is wrong.
    """
    reasons = ice_problems(stage)
    expected = str(settings(stage).get("account_id") or "")
    if expected and expected != account:
        reasons.append(f"{stage} belongs to account {expected} (infra/stages.json), but these "
                       f"credentials are for account {account}")
    if stage == "prod":
        if current_region != SEOUL:
            reasons.append(f"prod is deployed only in {SEOUL} (Seoul); this session's region is "
                           f"{current_region}")
        if not expected:
            reasons.append("prod has no expected account: set account_id for prod in infra/stages.json")
        reasons += [f"placeholder setting: {p}" for p in placeholders(stage)]
    try:
        networks = admin_networks(stage)
    except BadAdminNetworkError as exc:
        reasons.append(str(exc))
    else:
        if stage == "prod" and not networks:
            reasons.append("prod lets /admin and /api/admin/ through from the operator's networks only: "
                           "set admin_cidrs for prod in infra/stages.json")
    return reasons


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 3 or args[1] != "--":
        print("usage: python -m ops.stages <stage> -- <command...>", file=sys.stderr)
        return 2
    stage, command = args[0], args[2:]
    os.execvpe(command[0], command, environment(stage))
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
