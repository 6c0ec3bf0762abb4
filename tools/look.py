"""Screenshot pages of a running Bahali as a given user, to look at them as a user would.

Run: .venv/bin/python tools/look.py --base http://127.0.0.1:8000 --user sana \
        /cases/ /cases/sign-offs/ [--lang ur] [--width 390]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import re
import struct
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

# The demo's documented authenticator key (README; BAHALI_DEMO_AUTHENTICATOR_KEY overrides it).
DEMO_KEY = "BAHALIDEMOKEYFORTHESYNTHETICDEMO"


def current_code(key: str) -> str:
    """The 6-digit time-based code (RFC 6238, SHA-1, 30 s) an authenticator app shows now."""
    secret = base64.b32decode(key.replace(" ", "").upper())
    digest = hmac.new(secret, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 1_000_000).zfill(6)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="sana")
    parser.add_argument(
        "--password", default=os.environ.get("BAHALI_DEMO_PASSWORD", "bahali-demo-2026")
    )
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "look"))
    parser.add_argument("--lang", default="en")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": args.width, "height": 900})
        page.goto(args.base + "/accounts/sign-in/")
        if args.lang != "en":
            page.get_by_test_id(f"lang-{args.lang}").click()
        page.fill("#id_username", args.user)
        page.fill("#id_password", args.password)
        page.get_by_test_id("sign-in").click()
        page.wait_for_load_state()
        if "/sign-in/code/" in page.url:  # the demo's roles that sign in with two factors
            key = os.environ.get("BAHALI_DEMO_AUTHENTICATOR_KEY") or DEMO_KEY
            page.fill("#id_code", current_code(key))
            page.get_by_test_id("verify").click()
            page.wait_for_load_state()
        for path in args.paths:
            page.goto(args.base + path)
            page.evaluate("document.fonts.ready.then(() => true)")
            name = re.sub(r"[^a-z0-9]+", "-", f"{args.user}-{args.lang}-{args.width}{path}".lower())
            target = out / f"{name.strip('-')}.png"
            page.screenshot(path=str(target), full_page=True)
            print(target, page.title())
        browser.close()


if __name__ == "__main__":
    main()
