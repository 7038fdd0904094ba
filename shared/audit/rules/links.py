"""Link checks of one page: anchors crawlers cannot follow, link text, nofollow, link counts.

Non-descriptive link text follows Lighthouse's link-text audit (v13.4.1: exact, whole-text,
case-insensitive match against a list per language, skipping nofollow, same-page and script
links; the page's ``lang`` picks the list, all lists when it has none) with a Russian list added
and trailing arrows and ellipses ignored ("Подробнее →"), which Lighthouse does not do.
"""

from __future__ import annotations

from typing import Any

from shared.audit import catalogue
from shared.model.crawlsettings import Thresholds
from shared.model.pages import PageRecord

MAX_DETAIL_ITEMS = 10

# Lighthouse's lists (core/audits/seo/link-text.js, v13.4.1), and the project's Russian one.
NON_DESCRIPTIVE: dict[str, frozenset[str]] = {
    "en": frozenset({"click here", "click this", "go", "here", "information", "learn more", "more", "more info",
                     "more information", "right here", "read more", "see more", "start", "this"}),
    "ja": frozenset({"ここをクリック", "こちらをクリック", "リンク", "続きを読む", "続く", "全文表示"}),
    "es": frozenset({"click aquí", "click aqui", "clicka aquí", "clicka aqui", "pincha aquí", "pincha aqui", "aquí",
                     "aqui", "más", "mas", "más información", "más informacion", "mas información",
                     "mas informacion", "este", "enlace", "este enlace", "empezar"}),
    "pt": frozenset({"clique aqui", "ir", "mais informação", "mais informações", "mais", "veja mais"}),
    "ko": frozenset({"여기", "여기를 클릭", "클릭", "링크", "자세히", "자세히 보기", "계속", "이동", "전체 보기"}),
    "sv": frozenset({"här", "klicka här", "läs mer", "mer", "mer info", "mer information"}),
    "de": frozenset({"klicke hier", "hier klicken", "hier", "mehr", "siehe", "dies", "das", "weiterlesen"}),
    "ta": frozenset({"அடுத்த பக்கம்", "மறுபக்கம்", "முந்தைய பக்கம்", "முன்பக்கம்", "மேலும் அறிக", "மேலும் தகவலுக்கு",
                     "மேலும் தரவுகளுக்கு", "தயவுசெய்து இங்கே அழுத்தவும்", "இங்கே கிளிக் செய்யவும்"}),
    "fa": frozenset({"اطلاعات بیشتر", "اطلاعات", "این", "اینجا بزنید", "اینجا کلیک کنید", "اینجا", "برو",
                     "بیشتر بخوانید", "بیشتر بدانید", "بیشتر", "شروع"}),
    "ru": frozenset({"подробнее", "здесь", "тут", "читать далее", "нажмите здесь", "ссылка", "далее", "еще",
                     "читать дальше", "читать", "узнать больше", "узнать подробнее", "подробности", "кликните здесь",
                     "жмите сюда", "сюда", "перейти", "по ссылке", "эта ссылка", "больше", "нажмите"}),
}  # fmt: skip
_ALL_LISTS = frozenset().union(*NON_DESCRIPTIVE.values())
_LONGEST = max(len(text) for text in _ALL_LISTS) + 4  # longer link text cannot be on a list (4: trailing marks)
_TRAILING = " \t→»›…>.:!"
NOT_CRAWLABLE = ("javascript", "no_href", "file", "unparsable")
LEADS_NOWHERE = ("empty_href", "fragment_only")


def _issue(page: PageRecord, code: str, **details: Any) -> dict[str, Any]:
    return {"page_id": page.id, "code": code, "severity": catalogue.severity_of(code), "details": details}


def generic_texts(lang: str | None) -> frozenset[str]:
    """The non-descriptive list for a page in ``lang``: its language's, every list when unknown."""
    primary = (lang or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return NON_DESCRIPTIVE.get(primary, frozenset()) if primary else _ALL_LISTS


def non_descriptive(text: str, lang: str | None, table: frozenset[str] | None = None) -> bool:
    """``text`` is generic link text in the page's language (any language when unknown)."""
    if len(text) > _LONGEST:
        return False  # most link text: longer than anything on the lists
    value = text.strip().lower().rstrip(_TRAILING).replace("ё", "е")
    return bool(value) and value in (generic_texts(lang) if table is None else table)


def evaluate(page: PageRecord, t: Thresholds) -> list[dict[str, Any]]:
    """Link issues of a content page."""
    out: list[dict[str, Any]] = []
    by_reason: dict[str, list[dict[str, Any]]] = {}
    for problem in page.anchor_problems:
        by_reason.setdefault(problem.reason, []).append({"href": problem.href, "text": problem.text})
    blocked = [dict(a, reason=r) for r in NOT_CRAWLABLE for a in by_reason.get(r, [])]
    if blocked:
        out.append(_issue(page, "link_not_crawlable", count=len(blocked), anchors=blocked[:MAX_DETAIL_ITEMS]))
    nowhere = [a for r in LEADS_NOWHERE for a in by_reason.get(r, [])]
    if nowhere:
        out.append(_issue(page, "link_href_empty", count=len(nowhere), anchors=nowhere[:MAX_DETAIL_ITEMS]))
    if raw := by_reason.get("non_ascii"):
        out.append(_issue(page, "link_href_not_encoded", count=len(raw), anchors=raw[:MAX_DETAIL_ITEMS]))

    own = {page.url, page.final_url}
    generic: list[dict[str, str]] = []
    empty: list[str] = []
    nofollow: list[str] = []
    to_http: list[str] = []
    https_page = page.url.startswith("https://")
    table = generic_texts(page.lang)
    for link in page.links:
        nofollowed = bool(link.rel) and "nofollow" in link.rel.split()
        if not link.anchor.strip():
            empty.append(link.url)
        elif not nofollowed and non_descriptive(link.anchor, page.lang, table) and link.url not in own:
            generic.append({"url": link.url, "text": link.anchor})
        if nofollowed and link.internal:
            nofollow.append(link.url)
        if https_page and link.internal and link.url.startswith("http://"):
            to_http.append(link.url)
    if generic:
        out.append(_issue(page, "link_text_non_descriptive", count=len(generic), links=generic[:MAX_DETAIL_ITEMS]))
    if empty:
        out.append(_issue(page, "link_text_empty", count=len(empty), urls=empty[:MAX_DETAIL_ITEMS]))
    if nofollow:
        out.append(_issue(page, "link_internal_nofollow", count=len(nofollow), urls=nofollow[:MAX_DETAIL_ITEMS]))
    if to_http:
        out.append(_issue(page, "link_to_http", count=len(to_http), urls=to_http[:MAX_DETAIL_ITEMS]))
    if len(page.links) > t.links_max_per_page:
        out.append(_issue(page, "links_too_many", count=len(page.links)))
    return out
