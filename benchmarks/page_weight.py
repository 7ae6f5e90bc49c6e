"""Bytes a browser transfers for the result page: first visit and repeat visit.

    .venv/bin/python -m benchmarks.page_weight URL

Headless Chromium (Debian's), counting every response's encoded length as the
network reports it (headers included, compressed bodies as sent). The repeat visit
opens the page again in the same browser profile, as an agent coming back would.
"""

from __future__ import annotations

import sys

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def _visit(context, url: str) -> tuple[int, list[tuple[str, int]]]:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    sizes: list[tuple[str, int]] = []
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished",
           lambda e: sizes.append((urls.get(e["requestId"], "?"), int(e["encodedDataLength"]))))
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector("[data-drawn]", state="attached", timeout=15000)
    page.close()
    return sum(n for _, n in sizes), sizes


def measure(url: str) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context()
        first, first_items = _visit(context, url)
        repeat, repeat_items = _visit(context, url)
        browser.close()
    return {"first_kb": first / 1024, "repeat_kb": repeat / 1024,
            "first_items": first_items, "repeat_items": repeat_items}


if __name__ == "__main__":
    result = measure(sys.argv[1])
    for label in ("first", "repeat"):
        print(f"{label} visit: {result[label + '_kb']:.1f} KB")
        for item, size in result[label + "_items"]:
            print(f"  {size / 1024:8.1f} KB  {item}")
