"""Screenshots of pages of a running site, at desktop and phone widths, to look at them.

    .venv/bin/python -m devtools.screenshots http://127.0.0.1:8000 /tmp/shots compta@demo.pole.test /comptabilite/ …

Signs in with the demo password when an e-mail is given ("-" for anonymous), uses Debian's
Chromium (never `playwright install`).
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def main(base: str, out: str, email: str, *paths: str) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_context(locale="fr-FR").new_page()
        if email != "-":
            page.goto(base + "/auth/login/")
            page.fill("input[name=login]", email)
            page.fill("input[name=password]", "demo-pole-2026")
            with page.expect_navigation():
                page.get_by_role("button", name="Connexion").click()
        for path in paths:
            page.goto(base + path)
            name = path.strip("/").replace("/", "-") or "home"
            for label, size in VIEWPORTS.items():
                page.set_viewport_size(size)
                page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
            print(folder / f"{name}-desktop.png")  # noqa: T201
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
