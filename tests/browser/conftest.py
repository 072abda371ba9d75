"""A real browser for page tests: Debian's Chromium driven by Playwright, offline.

Skipped, with the reason shown, where ``/usr/bin/chromium`` or Playwright is missing,
unless ``MLWRIGHT_REQUIRE_BROWSER=1`` (CI sets it, after installing Chromium), which turns
the skip into a failure.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

CHROMIUM = Path("/usr/bin/chromium")
# No background traffic: this machine's network is closed, and a page test must see only
# the page's own requests.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for one test module.

    Not for the whole session: Playwright's sync API keeps an event loop running in the
    main thread while it is open, and later tests that call ``asyncio.run`` would fail.
    """
    missing = None
    if not CHROMIUM.exists():
        missing = f"no browser at {CHROMIUM} (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = missing or "playwright is not installed (pip install 'mlwright[dev]')"
    if missing:
        if os.environ.get("MLWRIGHT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"MLWRIGHT_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@dataclass
class Watched:
    """A new page, with every console error, page error and request it causes."""

    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    """A page of ``browser`` (1280 x 900) whose errors and requests are recorded."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = Watched(page)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    page.on("request", lambda r: seen.requests.append(r.url))
    yield seen
    page.close()
