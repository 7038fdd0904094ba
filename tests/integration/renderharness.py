"""One Chromium for every rendering test: a session-scoped browser on the session's event loop.

Playwright objects belong to the event loop that made them, so the rendering tests run on the
session loop (``pytestmark = RENDER_LOOP``) and use the fixtures here, which live on it too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import asyncpg
import pytest
import pytest_asyncio
import structlog

from services.worker.crawl.politeness import Politeness
from services.worker.fetch import fetcher
from services.worker.render import renderer
from services.worker.render.browser import Browser
from services.worker.render.subresources import Subresources
from shared import netguard
from shared.model.crawlsettings import CrawlSettings
from shared.platform import database
from shared.platform.settings import Settings
from tests.sites import Site

RENDER_LOOP = pytest.mark.asyncio(loop_scope="session")
SITE_ONLY = "127.0.0.1"  # the guard lets the test site through, and nothing else that is not public


def browser_settings(**overrides: Any) -> Settings:
    """Small bounds: the test pages are tiny, the hostile ones hit the bounds sooner."""
    values = {"render_concurrency": 2, "render_restart_pages": 1000, "render_process_memory_mb": 256,
              "render_max_memory_mb": 1200, **overrides}  # fmt: skip
    return Settings(**values)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def shared_browser() -> AsyncIterator[Browser]:
    browser = Browser(browser_settings())
    yield browser
    await browser.close()


@pytest_asyncio.fixture(loop_scope="session")
async def render_sites() -> AsyncIterator[Callable[[], Awaitable[Site]]]:
    started: list[Site] = []

    async def factory() -> Site:
        site = await Site().start()
        started.append(site)
        return site

    yield factory
    for site in started:
        await site.close()


@pytest_asyncio.fixture(loop_scope="session")
async def render_pool(dsn: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await database.create_pool(dsn, min_size=1, max_size=20)
    try:
        yield pool
    finally:
        await pool.close()


class Renderer:
    """Render pages of a test site the way a crawl does: guarded session, robots.txt, politeness."""

    def __init__(self, browser: Browser, session: aiohttp.ClientSession, settings: CrawlSettings) -> None:
        self.browser = browser
        self.session = session
        self.subresources = Subresources(
            session, Politeness(session, settings, structlog.get_logger("test")),
            allowlist=netguard.parse_networks(SITE_ONLY),
        )  # fmt: skip
        self.limits = renderer.Limits(
            timeout=settings.render_timeout_seconds,
            max_requests=settings.render_max_requests,
            max_bytes=settings.render_max_bytes,
            load_media=settings.render_load_media,
            user_agent=settings.user_agent,
        )

    async def render(self, url: str, **limits: Any) -> renderer.Rendering:
        got = await fetcher.fetch(self.session, url, max_body_bytes=1_000_000)
        assert got.status is not None, got.error
        document = renderer.Document(url=url, status=got.status, headers=list(got.headers.items()), body=got.body)
        limit = renderer.Limits(**{**self.limits.__dict__, **limits})
        return await renderer.render(self.browser, document, self.subresources.fetch, limit)


@pytest_asyncio.fixture(loop_scope="session")
async def make_renderer(shared_browser: Browser) -> AsyncIterator[Callable[..., Renderer]]:
    """Factory: ``make_renderer(**crawl_settings)``; the session allows 127.0.0.1 only."""
    session = fetcher.new_session(
        user_agent="RenderTest/1.0", allow_private=False, allowlist=netguard.parse_networks(SITE_ONLY), limit=20,
        timeout=10,
    )  # fmt: skip

    def factory(browser: Browser | None = None, **settings: Any) -> Renderer:
        crawl = CrawlSettings.model_validate({"url": "http://127.0.0.1/", "max_rps": 1000, **settings})
        return Renderer(browser or shared_browser, session, crawl)

    yield factory
    await session.close()
