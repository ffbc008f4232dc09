"""A real browser for the staff console: Debian's chromium driven by Python playwright (no browser
download), yibang's web app served by uvicorn on a loopback port in a thread of its own.

Skips, saying why, only when no chromium or no playwright can be had. The machine may have no font with
Chinese glyphs: the Noto Sans CJK font that yibang's charts use (a dependency) is handed to chromium
through a fontconfig file of the test's own, so screenshots show characters, not boxes.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path

import pytest

from bot.staff_console import Console
from bot.webapp import create_web_app
from support.serving import serving

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _fontconfig(directory: Path) -> Path:
    from cvttf_NotoSansCJK_Regular import get_TTF_path

    config = directory / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{Path(get_TTF_path()).parent}</dir><cachedir>{directory / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """One browser for a test module. Not longer: playwright's sync API keeps an event loop running on the
    main thread while it is open, and later tests start loops of their own there."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("no chromium on this machine (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("python playwright is not installed (the test extra has it)")
    fonts = _fontconfig(tmp_path_factory.mktemp("fonts"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             env={"FONTCONFIG_FILE": str(fonts), "HOME": str(fonts.parent)})
        yield browser
        browser.close()


class LiveApp:
    """An ASGI app served on 127.0.0.1 from a thread with its own event loop, until stopped."""

    def __init__(self, app):
        self.app = app
        self.url = ""
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serving(self.app) as url:
            self.url = url
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> LiveApp:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the web app did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)


@pytest.fixture
def live_console(services):
    with LiveApp(create_web_app(services, Console(services).routes())) as live:
        yield live.url


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where a test leaves its screenshots (pytest's tmp folder for the test)."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return folder
