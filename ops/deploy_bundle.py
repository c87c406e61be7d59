"""``python -m ops.deploy_bundle <dir>``: build the Lambda bundle once (``<dir>/deployment.zip``).

The pipeline builds it once and deploys that same file to dev, staging and prod
(``scripts/deploy <stage> --bundle <dir>/deployment.zip``); a stored bundle is also how a
stage is rolled back (docs/OPERATIONS.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ops.deploy import build_bundle


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "build/bundle")
    print(build_bundle(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
