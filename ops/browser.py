"""Make sure Debian's Chromium is installed for the browser tests.

``python -m ops.browser --ensure``: if ``/usr/bin/chromium`` is missing and we
are root with apt-get, install ``chromium`` (Playwright cannot download its
own browser here). Otherwise say what to do; browser tests then skip with
that reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("MAEUL_CHROMIUM", "/usr/bin/chromium")
# Text renders as boxes without a font for its script: Hangul (Nanum); Thai, Khmer, Burmese and
# Devanagari (Noto core); simplified Chinese (Noto CJK). tests/e2e/test_languages_browser.py checks.
FONT_DIRS = ("/usr/share/fonts/truetype/nanum", "/usr/share/fonts/truetype/noto",
             "/usr/share/fonts/opentype/noto")
PACKAGES = ["chromium", "fonts-nanum", "fonts-noto-core", "fonts-noto-cjk"]


def available() -> bool:
    return os.path.exists(CHROMIUM)


def ensure() -> bool:
    if available() and all(os.path.isdir(d) for d in FONT_DIRS):
        return True
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"Chromium not found at {CHROMIUM}; install Debian's 'chromium' package to run "
              "the browser tests.", file=sys.stderr)
        return False
    print("installing Debian's chromium and fonts for every script for the browser tests…", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
    result = subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES],
                            check=False, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-2000:] + result.stderr[-2000:], file=sys.stderr)
    return result.returncode == 0 and available()


if __name__ == "__main__":
    if "--ensure" in sys.argv:
        ensure()
    sys.exit(0)
