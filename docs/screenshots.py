"""Regenerate docs/screenshots/*.png from the end-to-end run in headless Chromium.

Usage: python docs/screenshots.py

Runs tests/web/test_browser.py with LEAKDESK_SCREENSHOTS pointing here, so the pictures show
exactly what the end-to-end test sees: the queue, the escalation steps, the escalations view,
the charts and a case page (made-up cases on example hosts; no image is ever shown).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "docs" / "screenshots"


def main() -> int:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for old in FOLDER.glob("*.png"):
        old.unlink()
    env = {**os.environ, "LEAKDESK_SCREENSHOTS": str(FOLDER)}
    test = "tests/web/test_browser.py"
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", test], cwd=ROOT, env=env)
    for picture in sorted(FOLDER.glob("*.png")):
        print(f"{picture.relative_to(ROOT)}: {picture.stat().st_size // 1024} KB")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
