"""Bytes a browser transfers: the questionnaire-to-result journey on a first visit, and
the result page on a repeat visit.

    .venv/bin/python -m benchmarks.page_weight BASE_URL [SLUG]

Headless Chromium (Debian's), counting every response's encoded length as the
network reports it (headers included, compressed bodies as sent). The repeat visit
opens the page again in the same browser profile, as an agent coming back would.
"""

from __future__ import annotations

import random
import sys

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def _counted(context):
    """A new page whose every response is counted as the network reports it."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    sizes: list[tuple[str, int]] = []
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished",
           lambda e: sizes.append((urls.get(e["requestId"], "?"), int(e["encodedDataLength"]))))
    return page, sizes


def _journey(context, base_url: str, slug: str) -> tuple[int, list[tuple[str, int]], str]:
    """Every questionnaire page answered (a fixed, varied answer sheet, as a person gives),
    then the result with its charts."""
    rng = random.Random(7)
    page, sizes = _counted(context)
    page.goto(f"{base_url}/q/{slug}/1", wait_until="networkidle")
    while "/q/" in page.url:
        names = page.eval_on_selector_all("input[type=radio]", "els => [...new Set(els.map(e => e.name))]")
        for name in names:
            page.check(f"input[name='{name}'][value='{rng.choice((1, 2, 2, 3, 4, 4, 5))}']")
        page.click("form[novalidate] button.primary")
        page.wait_for_load_state("networkidle")
    page.wait_for_selector("[data-drawn]", state="attached", timeout=15000)
    result_url = page.url
    page.close()
    return sum(n for _, n in sizes), sizes, result_url


def _visit(context, url: str) -> tuple[int, list[tuple[str, int]]]:
    page, sizes = _counted(context)
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector("[data-drawn]", state="attached", timeout=15000)
    page.close()
    return sum(n for _, n in sizes), sizes


def measure(base_url: str, slug: str = "communication-style") -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context()
        first, first_items, result_url = _journey(context, base_url, slug)
        repeat, repeat_items = _visit(context, result_url)
        browser.close()
    return {"first_kb": first / 1024, "repeat_kb": repeat / 1024,
            "first_items": first_items, "repeat_items": repeat_items}


if __name__ == "__main__":
    result = measure(*sys.argv[1:])
    for label in ("first", "repeat"):
        print(f"{label} visit: {result[label + '_kb']:.1f} KB")
        for item, size in result[label + "_items"]:
            print(f"  {size / 1024:8.1f} KB  {item}")
