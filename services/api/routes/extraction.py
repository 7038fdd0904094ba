"""Testing extraction rules on one page before a crawl: ``POST /api/extraction/test``.

The page is fetched through the SSRF guard (every connection checked after DNS, every redirect
hop judged again), bounded in time and size, and its bytes are decoded and searched in the api's
own small CPU pool (``RULE_POOL``), never on the loop: the same ``shared.extractor`` the crawl runs,
with the same time and memory bounds, so what the test shows is what the crawl would record.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, Literal

import aiohttp
from aiohttp import web
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from yarl import URL

from services.api.problems import Problem
from services.api.routing import RouteTable, dump
from shared import extractor, netguard
from shared.model import crawlrules
from shared.model import extraction as extractionrules
from shared.model.crawlauth import Credentials, basic_header, cookie_pairs
from shared.model.crawlsettings import HttpUrlText
from shared.model.sites import origin_of
from shared.model.userinput import HeaderValue
from shared.platform import cpupool
from shared.platform.service import SETTINGS

routes = RouteTable("extraction")

RULE_POOL = web.AppKey("rule_pool", cpupool.CpuPool)
MAX_PAGE_BYTES = 5 * 1024 * 1024
FETCH_SECONDS = 15.0
TASK_SECONDS = 10.0
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HTML = ("text/html", "application/xhtml+xml")


class RuleTestCredentials(Credentials):
    """Credentials for the tested page's origin, used for this one request and not stored (no form login)."""

    @model_validator(mode="after")
    def _no_form(self) -> RuleTestCredentials:
        if self.form is not None:
            raise ValueError("a rule test does not log in with a form: give the session cookie in `cookies`")
        return self


class RuleTestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrlText = Field(description="the page to fetch (through the SSRF guard)")
    extraction: Annotated[list[extractionrules.ExtractionRule], AfterValidator(extractionrules.unique_names)] = Field(
        min_length=1,
        max_length=extractionrules.MAX_RULES,
        description="the rules, as a crawl's `extraction` takes them",
    )
    user_agent: HeaderValue = Field(default=crawlrules.OUR_USER_AGENT, min_length=1, max_length=512)
    user_agent_preset: crawlrules.UserAgentPreset | None = None
    auth: RuleTestCredentials | None = Field(
        default=None, description="basic auth, headers or cookies for the page's origin (not stored, never echoed)"
    )


class RuleOutcome(BaseModel):
    name: str
    type: str
    value: str | int | list[str] | None = Field(
        description="what the rule extracts from the page, as `extracted` would hold it"
    )
    error: str | None = Field(description="why the rule fell short on this page (cut at a bound, failed), or null")
    search: Literal["contains", "not_contains"] | None
    reported: bool | None = Field(description="a search rule: whether the page would be reported with its issue")


class RuleTestResult(BaseModel):
    url: str
    final_url: str = Field(description="where the redirects (at most 5) ended")
    status_code: int | None
    content_type: str | None
    charset: str | None = Field(description="how the page was decoded")
    error: str | None = Field(description="why no rule ran (the fetch failed, not HTML, a bound was hit), or null")
    fetch_ms: float | None
    rules: list[RuleOutcome]


async def rule_pool_ctx(app: web.Application) -> AsyncIterator[None]:
    """One process, started on the first test: parsing a hostile page never runs on the api's loop."""
    settings = app[SETTINGS]
    seconds = min(TASK_SECONDS, settings.cpu_task_timeout_seconds)
    pool = cpupool.CpuPool(1, timeout_seconds=seconds, memory_mb=settings.cpu_task_memory_mb)
    app[RULE_POOL] = pool
    yield
    await pool.close()


class _Fetched(BaseModel):
    final_url: str
    status: int | None = None
    content_type: str | None = None
    body: bytes = b""
    error: str | None = None


async def _read(response: aiohttp.ClientResponse) -> bytes:
    parts, total = [], 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        total += len(chunk)
        if total > MAX_PAGE_BYTES:
            raise ValueError(f"the page is larger than {MAX_PAGE_BYTES} bytes")
        parts.append(chunk)
    return b"".join(parts)


async def _fetch(request: web.Request, url: str, user_agent: str, auth: RuleTestCredentials | None) -> _Fetched:
    """GET ``url`` hop by hop; the credentials go to ``url``'s origin only, as in a crawl."""
    settings = request.app[SETTINGS]
    origin = origin_of(url)
    own: dict[str, str] = dict(auth.headers or {}) if auth else {}
    if auth is not None and auth.basic is not None:
        own["Authorization"] = basic_header(auth.basic.username, auth.basic.password)
    cookies = cookie_pairs(auth.cookies) if auth is not None and auth.cookies else {}
    connector = netguard.GuardedConnector(
        allow_private=settings.allow_private_networks, allowlist=settings.private_allowlist, limit=2
    )
    timeout = aiohttp.ClientTimeout(total=FETCH_SECONDS, connect=10)
    current = url
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar(), max_line_size=16384,
        max_field_size=16384, headers={"User-Agent": user_agent, "Accept": "text/html,*/*"},
    ) as session:  # fmt: skip
        try:
            for _ in range(MAX_REDIRECTS + 1):
                headers = dict(own) if origin_of(current) == origin else {}
                if cookies and origin_of(current) == origin:
                    headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
                async with session.get(URL(current, encoded=True), headers=headers, allow_redirects=False) as answer:
                    location = answer.headers.get("Location")
                    if answer.status in _REDIRECTS and location:
                        target = str(answer.url.join(URL(location)))
                        if not target.lower().startswith(("http://", "https://")):
                            return _Fetched(
                                final_url=current, status=answer.status, error="a redirect to a non-HTTP URL"
                            )
                        current = target
                        continue
                    content_type = answer.headers.get("Content-Type")
                    kind = (content_type or "").split(";", 1)[0].strip().lower()
                    if kind not in _HTML:
                        return _Fetched(final_url=current, status=answer.status, content_type=content_type,
                                        error=f"the answer is not HTML ({kind or 'no Content-Type'})")  # fmt: skip
                    body = await _read(answer)
                    return _Fetched(final_url=current, status=answer.status, content_type=content_type, body=body)
            return _Fetched(final_url=current, error=f"more than {MAX_REDIRECTS} redirects")
        except TimeoutError:
            return _Fetched(final_url=current, error=f"no answer within {FETCH_SECONDS:.0f} s")
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            refused = netguard.refusal_of(exc)
            return _Fetched(final_url=current, error=refused or f"{type(exc).__name__}: {exc}"[:300])


@routes.operation(
    "POST", "/api/extraction/test", summary="Test extraction rules on one page", body=RuleTestRequest,
    response=RuleTestResult, errors=(413, 422),
)  # fmt: skip
async def test_rules(request: web.Request, body: RuleTestRequest) -> web.Response:
    """Fetches `url` once (through the SSRF guard, at most 5 redirects, 5 MB, 15 s) and shows what each rule
    extracts, exactly as a crawl would record it in `extracted` (values, their bounds, a search's verdict).
    Nothing is stored. A target on a private network is a 422 unless ALLOW_PRIVATE_NETWORKS=true."""
    settings = request.app[SETTINGS]
    reason = await netguard.check_url(
        body.url, allow_private=settings.allow_private_networks, allowlist=settings.private_allowlist, timeout=5.0
    )
    if reason is not None:
        raise Problem(422, f"{body.url} cannot be fetched: {reason}.", errors=[{"field": "url", "message": reason}])
    user_agent = body.user_agent
    if body.user_agent_preset not in (None, "custom"):
        user_agent = crawlrules.USER_AGENT_PRESETS[body.user_agent_preset]  # type: ignore[index]
    started = time.perf_counter()
    got = await _fetch(request, body.url, user_agent, body.auth)
    fetch_ms = round((time.perf_counter() - started) * 1000, 1)
    outcomes: list[RuleOutcome] = []
    encoding: str | None = None
    error = got.error
    if error is None:
        try:
            found, encoding = await request.app[RULE_POOL].run(
                extractor.run_on_bytes, got.body, got.content_type, body.extraction
            )
        except cpupool.TaskFailed as exc:
            error = f"extraction {exc.reason}"
        else:
            for rule in body.extraction:
                value = found.values.get(rule.name)
                reported = None
                if rule.search is not None:
                    hit = extractor.searches_found(rule, value)
                    reported = hit if rule.search == "contains" else not hit
                outcomes.append(
                    RuleOutcome(name=rule.name, type=rule.type, value=value, error=found.errors.get(rule.name),
                                search=rule.search, reported=reported)
                )  # fmt: skip
    result = RuleTestResult(
        url=body.url, final_url=got.final_url, status_code=got.status, content_type=got.content_type,
        charset=encoding, error=error, fetch_ms=fetch_ms, rules=outcomes,
    )  # fmt: skip
    return dump(result)
