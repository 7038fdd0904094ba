"""Form login: performed before the crawl, and again whenever a page sends the crawler back to the login page.

The login page is fetched (through the crawl's session, so the SSRF guard and the credentials
middleware judge it like any request), its form is read in the CPU pool, filled with the user's
field values (the form's own hidden fields, such as CSRF tokens, kept) and posted to the form's
action, which must be on the crawl's origin. The session cookies the answers set are kept by the
credentials middleware. The page the login ends on must show the success text, or the crawl
fails with the reason: crawling a site logged out would report its login page a thousand times.

The session has ended when a page redirects to the login page (any hop; the query aside, as in
``/login?next=/page``). The crawler then logs in once (concurrent pages that noticed it wait for
that one login) and fetches the page again. A page that still redirects to the login page is
recorded as it is; ``MAX_FUTILE_LOGINS`` such logins in a row mean the login does not hold, and
the crawl fails.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp

from services.worker.extract import loginform
from services.worker.fetch import fetcher
from services.worker.fetch.credentials import SiteCredentials
from services.worker.job import CrawlError
from shared.model.sites import origin_of
from shared.platform import cpupool

MAX_LOGIN_PAGE_BYTES = 2 * 1024 * 1024
MAX_FUTILE_LOGINS = 3
RETRIES_PER_PAGE = 2


def same_page(a: str, b: str) -> bool:
    """Whether two URLs name one page, the query and fragment aside (``/login?next=/x`` is ``/login``)."""
    pa, pb = urlsplit(a), urlsplit(b)
    return origin_of(a) == origin_of(b) and (pa.path or "/") == (pb.path or "/")


class FormLogin:
    """The form login of one crawl attempt."""

    def __init__(
        self, session: aiohttp.ClientSession, credentials: SiteCredentials, cpu: cpupool.CpuPool, log: Any
    ) -> None:  # fmt: skip
        assert credentials.form is not None
        self.session = session
        self.credentials = credentials
        self.form = credentials.form
        self.cpu = cpu
        self.log = log
        self.futile = 0  # logins in a row after which the page still went to the login page

    async def _off_origin(self, target: str) -> str | None:
        return None if self.credentials.applies_to(target) else "off the crawl's origin"

    async def _pool(self, what: str, function: object, *args: object) -> object:
        try:
            return await self.cpu.run(function, *args)  # type: ignore[arg-type]
        except cpupool.TaskFailed as exc:
            raise CrawlError(f"form login: reading the {what} {exc.reason}") from exc

    async def log_in(self) -> None:
        """Fetch the login page, submit its form, check the success text; ``CrawlError`` with the reason if not."""
        page = await fetcher.fetch(
            self.session, self.form.url, max_body_bytes=MAX_LOGIN_PAGE_BYTES, read_body=lambda _: True,
            body_after_redirects=True, follow=self._off_origin,
        )  # fmt: skip
        if page.error is not None:
            raise CrawlError(f"form login: the login page {self.form.url} could not be fetched: {page.error}",
                             retryable=True)  # fmt: skip
        if page.stopped_at is not None:
            raise CrawlError(f"form login: the login page redirects to {page.final_url}, {page.stopped_at}")
        if page.status != 200:
            raise CrawlError(f"form login: the login page {page.final_url} answered HTTP {page.status}")
        found = await self._pool(
            "login page", loginform.find, page.body, page.content_type, page.final_url, tuple(self.form.fields)
        )
        if isinstance(found, str):
            raise CrawlError(f"form login: {found} ({page.final_url})")
        assert isinstance(found, loginform.LoginForm)
        if not self.credentials.applies_to(found.action):
            raise CrawlError(
                f"form login: the form of {page.final_url} posts to {origin_of(found.action)}; the crawl's credentials "
                f"go only to {self.credentials.origin}"
            )
        values = dict(found.fields)
        values.update(self.form.fields)
        answer = await fetcher.fetch(
            self.session, found.action, method="POST", data=urlencode(values).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": self.credentials.origin,
                     "Referer": page.final_url},
            max_body_bytes=MAX_LOGIN_PAGE_BYTES, read_body=lambda _: True, body_after_redirects=True,
            follow=self._off_origin,
        )  # fmt: skip
        if answer.error is not None:
            raise CrawlError(f"form login: submitting the form to {found.action} failed: {answer.error}",
                             retryable=True)  # fmt: skip
        shown = await self._pool("page after logging in", loginform.contains, answer.body, answer.content_type,
                                 self.form.success_text)  # fmt: skip
        if not shown:
            raise CrawlError(
                f"form login failed: the page after logging in ({answer.final_url}, HTTP {answer.status}) does not "
                "show the success text"
            )
        self.credentials.logins += 1
        self.credentials.generation += 1
        self.log.info("logged in", login_page=page.final_url, landed_on=answer.final_url,
                      logins=self.credentials.logins)  # fmt: skip

    def sent_to_login(self, url: str, got: fetcher.Fetched) -> bool:
        """Whether fetching ``url`` was redirected to the login page (the session ended)."""
        if not got.chain or same_page(url, self.form.url):
            return False
        targets = [hop.url for hop in got.chain[1:]] + [got.final_url]
        return any(same_page(target, self.form.url) for target in targets)

    async def again(self, generation: int) -> None:
        """Log in again, unless another page already did since ``generation`` (the login it saw)."""
        async with self.credentials.lock:
            if self.credentials.generation != generation:
                return
            self.log.info("session ended: logging in again")
            await self.log_in()

    def outcome(self, still_sent: bool) -> None:
        """After a page was fetched again: count logins that did not hold; fail the crawl past the bound."""
        if not still_sent:
            self.futile = 0
            return
        self.futile += 1
        if self.futile >= MAX_FUTILE_LOGINS:
            raise CrawlError(
                f"form login: logged in {self.futile} times in a row and pages still redirect to the login page "
                f"{self.form.url}: the session does not hold"
            )
