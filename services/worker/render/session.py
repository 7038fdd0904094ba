"""One crawl attempt's rendering: the worker's browser, the crawl's limits, its subresource answers."""

from __future__ import annotations

import aiohttp

from services.worker.crawl.politeness import Politeness
from services.worker.fetch.fetcher import Fetched
from services.worker.render import renderer
from services.worker.render.browser import Browser
from services.worker.render.subresources import Subresources
from shared.model.crawlsettings import CrawlSettings
from shared.platform.settings import Settings


class RenderSession:
    """Renders the HTML pages of one crawl attempt in the worker's browser."""

    def __init__(
        self, browser: Browser, session: aiohttp.ClientSession, politeness: Politeness, settings: CrawlSettings,
        config: Settings,
    ) -> None:  # fmt: skip
        self.browser = browser
        self.subresources = Subresources(
            session, politeness, allow_private=config.allow_private_networks, allowlist=config.private_allowlist
        )
        self.limits = renderer.Limits(
            timeout=settings.render_timeout_seconds,
            max_requests=settings.render_max_requests,
            max_bytes=settings.render_max_bytes,
            load_media=settings.render_load_media,
            # The rendered DOM is held to the raw body's cap (characters, not bytes: close enough).
            max_html_chars=settings.max_body_bytes,
            user_agent=settings.user_agent,
        )
        self.pages = 0
        self.failures = 0

    async def render(self, got: Fetched) -> renderer.Rendering:
        """Render the page ``got`` fetched (an HTML 200 answer with its body), from those very bytes."""
        document = renderer.Document(
            url=got.final_url, status=got.status or 200, headers=list(got.headers.items()), body=got.body
        )
        rendering = await renderer.render(self.browser, document, self.subresources.fetch, self.limits)
        self.pages += 1
        self.failures += rendering.error is not None
        return rendering
