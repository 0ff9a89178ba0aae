"""A phone in headless Chromium (Debian's package, driven by Playwright) for the pages' tests.

Playwright's own browser builds are never downloaded: Debian's ``chromium`` is launched by
path (``.ci/run`` installs it). Every request the phone makes is recorded, so a test can say
the page fetched nothing from outside this machine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, ViewportSize, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
#: An iPhone 13/14-sized screen: CSS pixels, and device pixels per CSS pixel.
VIEWPORT: ViewportSize = {"width": 390, "height": 844}
SCALE = 2


@dataclass
class Phone:
    """One browsing context on a phone-sized screen, and every URL it requested."""

    context: BrowserContext
    requested: list[str] = field(default_factory=list)

    async def page(self) -> Page:
        """A new tab."""
        return await self.context.new_page()


def chromium() -> str:
    """The browser's path; fails (does not skip) without Debian's chromium: CI installs it."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`; "
            ".ci/run does it) to run the browser tests"
        )
    return str(CHROMIUM)


@asynccontextmanager
async def phone() -> AsyncIterator[Phone]:
    """A mobile Chromium context on :data:`VIEWPORT`, recording every request."""
    executable = chromium()
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            context = await browser.new_context(
                viewport=VIEWPORT,
                device_scale_factor=SCALE,
                is_mobile=True,
                has_touch=True,
            )
            found = Phone(context)
            context.on("request", lambda request: found.requested.append(request.url))
            yield found
        finally:
            await browser.close()
