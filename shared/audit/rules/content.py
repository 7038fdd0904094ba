"""Content, head and URL checks of one page: soft 404, placeholder text, empty pages, the document's
head (lang, charset, doctype, refresh, social tags, viewport zoom), the title that is only the site
name, and URL hygiene.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from shared.audit import catalogue, pagerules
from shared.model.crawlsettings import Thresholds
from shared.model.pages import PageRecord

# Not-found phrases (docs: /work research, reference-facts §e): en + ru, lower-case.
NOT_FOUND_PHRASES = (
    "page not found", "404 not found", "404 error", "error 404", "not found", "page cannot be found",
    "page can't be found", "page could not be found", "the page you requested could not be found",
    "the page you are looking for doesn't exist", "the page you are looking for no longer exists",
    "the page you are looking for cannot be found", "the page you are looking for might have been removed",
    "this page does not exist", "this page doesn't exist", "sorry, we couldn't find that page",
    "we can't find the page", "this page is no longer available", "product not found", "item not found",
    "article not found", "content not found", "that page can't be found", "page unavailable",
    "страница не найдена", "страница не существует", "такой страницы нет", "такой страницы не существует",
    "запрашиваемая страница не найдена", "запрашиваемая страница не существует", "ошибка 404", "404 ошибка",
    "страница удалена", "страница была удалена", "страница недоступна", "не удалось найти страницу",
    "документ не найден", "товар не найден", "статья не найдена", "раздел не найден", "запись не найдена",
    "вы ошиблись адресом",
)  # fmt: skip
# A title or heading segment that *is* a not-found message: the phrase, maybe after "Oops!",
# "Error", "404" or "Sorry", and nothing else. "How to fix 404 not found errors" is an article.
_SEGMENT = re.compile(
    r"^(?:(?:oops|sorry|error|ошибка|упс|извините|404)[\s!.,:–—-]*)*(?:"
    + "|".join(re.escape(p) for p in sorted(NOT_FOUND_PHRASES, key=len, reverse=True))
    + r")[\s!.…]*$"
)
_SEPARATORS = re.compile(r"\s+[|–—·:»/-]\s+|\s*\|\s*")
# In the body text only the longer phrases count ("not found" alone is too common in real text).
_BODY_PHRASES = tuple(p for p in NOT_FOUND_PHRASES if len(p) > 10)
SOFT_404_BODY_WORDS = 150
_LANG_TAG = re.compile(r"^[a-z]{2,3}(?:-[a-z]{4})?(?:-(?:[a-z]{2}|[0-9]{3}))?(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*$")
_SESSION_PARAMS = frozenset({"jsessionid", "phpsessid", "sid", "sessionid", "session_id", "sessid", "aspsessionid",
                             "cfid", "cftoken", "zenid", "oscsid", "s_id"})  # fmt: skip
_PATH_SESSION = re.compile(r";\s*(?:jsessionid|phpsessid|sessionid)=", re.IGNORECASE)
_MAX_SCALE = re.compile(r"maximum-scale\s*=\s*([0-9.]+)", re.IGNORECASE)
_USER_SCALABLE_NO = re.compile(r"user-scalable\s*=\s*(?:no|0)\b", re.IGNORECASE)


def _issue(page: PageRecord, code: str, **details: Any) -> dict[str, Any]:
    return {"page_id": page.id, "code": code, "severity": catalogue.severity_of(code), "details": details}


def not_found_heading(text: str | None) -> str | None:
    """The segment of a title or heading that is a not-found message, if any."""
    if not text:
        return None
    lowered = text.strip().lower().replace("’", "'").replace("ё", "е")
    for segment in [lowered, *_SEPARATORS.split(lowered)]:
        if _SEGMENT.match(segment.strip()):
            return segment.strip()
    return None


def soft_404_signal(page: PageRecord) -> str | None:
    """Why a 200 page reads like a "not found" page, or None."""
    for text in [page.title, *page.h1[:3]]:
        if found := not_found_heading(text):
            return f"heading: {found}"
    if page.word_count is not None and page.word_count < SOFT_404_BODY_WORDS:
        excerpt = (page.text_excerpt or "").lower().replace("’", "'").replace("ё", "е")
        for phrase in _BODY_PHRASES:
            if phrase in excerpt:
                return f"text: {phrase}"
    return None


def valid_language_tag(value: str) -> bool:
    """A well-formed BCP 47 tag whose two-letter language is an ISO 639-1 code (``en``, ``pt-BR``, ``zh-Hant``)."""
    tag = value.strip().lower()
    if not _LANG_TAG.match(tag) and not tag.startswith("x-") and not tag.startswith("i-"):
        return False
    primary = tag.split("-", 1)[0]
    return len(primary) != 2 or pagerules.valid_hreflang(primary)  # the ISO 639-1 table of the hreflang rules


def site_name(page: PageRecord) -> str | None:
    """The site's name as the page declares it: ``og:site_name``, else a WebSite item's name."""
    if name := (page.open_graph.get("og:site_name") or "").strip():
        return name
    for item in page.structured_data:
        if "WebSite" in item.type and isinstance(item.properties.get("name"), str):
            return str(item.properties["name"]).strip() or None
    return None


def _zoom_disabled(viewport: str) -> bool:
    if _USER_SCALABLE_NO.search(viewport):
        return True
    scale = _MAX_SCALE.search(viewport)
    try:
        return scale is not None and float(scale.group(1)) < 5  # as Lighthouse's meta-viewport audit
    except ValueError:
        return False


def evaluate(page: PageRecord, t: Thresholds) -> list[dict[str, Any]]:
    """Content and head issues of a content page (HTML, answered 200)."""
    out: list[dict[str, Any]] = []
    if why := soft_404_signal(page):
        out.append(_issue(page, "soft_404", signal=why))
    if page.lorem_ipsum or "lorem ipsum" in (page.title or "").lower():
        out.append(_issue(page, "lorem_ipsum"))
    if page.word_count == 0:
        out.append(_issue(page, "empty_page"))
    lang = (page.lang or "").strip()
    if lang and not valid_language_tag(lang):
        out.append(_issue(page, "html_lang_invalid", lang=lang))
    if page.charset_declared is False:
        out.append(_issue(page, "charset_missing", detected=page.charset))
    if page.has_doctype is False:
        out.append(_issue(page, "doctype_missing"))
    if page.meta_refresh:
        out.append(_issue(page, "meta_refresh", content=page.meta_refresh[:200]))
    missing_og = [key for key in ("og:title", "og:image") if not page.open_graph.get(key)]
    if missing_og:
        out.append(_issue(page, "open_graph_missing", missing=missing_og))
    if not page.twitter_card.get("twitter:card"):
        out.append(_issue(page, "twitter_card_missing"))
    if page.viewport and _zoom_disabled(page.viewport):
        out.append(_issue(page, "viewport_zoom_disabled", viewport=page.viewport[:200]))
    name = site_name(page)
    title = (page.title or "").strip()
    if name and title and title.casefold() == name.casefold():
        out.append(_issue(page, "title_site_name_only", title=title))
    return out


TEMPORARY_REDIRECTS = (302, 303, 307)


def redirect_issues(page: PageRecord, t: Thresholds) -> list[dict[str, Any]]:
    """``redirect_temporary``: the URL itself answers with a temporary redirect."""
    if pagerules.redirected(page) and page.status_code in TEMPORARY_REDIRECTS and not page.blocked_by_robots:
        return [_issue(page, "redirect_temporary", status_code=page.status_code, final_url=page.final_url)]
    return []


def url_issues(page: PageRecord, t: Thresholds) -> list[dict[str, Any]]:
    """URL hygiene of a content page's own address."""
    out: list[dict[str, Any]] = []
    parts = urlsplit(page.url)
    if "%20" in page.url or " " in page.url or "+" in parts.path:
        out.append(_issue(page, "url_space"))
    if "//" in parts.path:
        out.append(_issue(page, "url_double_slash"))
    params = parse_qsl(parts.query, keep_blank_values=True)
    session = sorted({k for k, _ in params if k.lower() in _SESSION_PARAMS})
    if session or _PATH_SESSION.search(unquote(parts.path)):
        out.append(_issue(page, "url_session_id", parameters=session or ["jsessionid"]))
    if len(params) > t.url_max_params:
        out.append(_issue(page, "url_too_many_params", count=len(params)))
    return out
