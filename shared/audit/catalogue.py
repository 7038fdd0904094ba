"""The issue catalogue: every audit code with its severity, threshold, title, explanation and fix.

One table shared by the audit, the api, the UI and the exports. Codes are stable (CONTRACT.md);
texts come in English and Russian (``lang="en"|"ru"``). ``threshold`` names the field of
``shared.model.crawlsettings.Thresholds`` that tunes the rule, if any; ``scope`` says whether the rule
runs on one page record while crawling (``page``) or on the whole crawl at the end (``site``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from shared.audit.rules import texts as checks_texts
from shared.model.crawlsettings import Thresholds
from shared.model.extraction import SEARCH_CODE_PREFIX
from shared.model.issues import SEVERITY_ORDER, Severity

Scope = Literal["page", "site"]
Language = Literal["en", "ru"]


class UnknownIssueCode(LookupError):
    """No catalogue entry has this code (``field`` names the input that carried it)."""

    field = "code"

    def __init__(self, code: str) -> None:
        super().__init__(f"Unknown issue code {code!r}; the catalogue lists the valid codes.")
        self.code = code


@dataclass(frozen=True)
class IssueType:
    """One catalogue entry."""

    code: str
    severity: Severity
    scope: Scope
    threshold: str | None
    title: str
    explanation: str
    fix: str
    title_ru: str
    explanation_ru: str
    fix_ru: str

    def text(self, lang: Language = "en") -> dict[str, str]:
        """Title, explanation and fix in ``lang`` (English for anything but ``ru``)."""
        if lang == "ru":
            return {"title": self.title_ru, "explanation": self.explanation_ru, "fix": self.fix_ru}
        return {"title": self.title, "explanation": self.explanation, "fix": self.fix}

    def default_threshold(self) -> Any:
        """The default value of this code's threshold, or None when it has none."""
        if self.threshold is None:
            return None
        return Thresholds.model_fields[self.threshold].default

    def as_dict(self, lang: Language = "en", thresholds: Thresholds | None = None) -> dict[str, Any]:
        """The JSON shape the api and the exports show."""
        value = getattr(thresholds, self.threshold) if thresholds and self.threshold else self.default_threshold()
        return {
            "code": self.code,
            "severity": self.severity,
            "scope": self.scope,
            "threshold": self.threshold,
            "threshold_value": value,
            **self.text(lang),
        }


def _e(
    code: str,
    severity: Severity,
    scope: Scope,
    threshold: str | None,
    en: tuple[str, str, str],
    ru: tuple[str, str, str],
) -> IssueType:
    return IssueType(code, severity, scope, threshold, *en, *ru)


_ENTRIES = [
    # --- responses --------------------------------------------------------------------------
    _e("status_3xx", "notice", "page", None,
       ("Internal URL redirects",
        "The URL answers with a 3xx redirect. Every redirect costs crawl budget and a round trip, and links "
        "pointing at it pass their value through an extra hop.",
        "Link straight to the final URL; keep the redirect only for old external links and bookmarks."),
       ("Внутренний URL перенаправляет",
        "URL отвечает перенаправлением 3xx. Каждое перенаправление тратит краулинговый бюджет и время, а ссылки "
        "на такой URL передают вес через лишний шаг.",
        "Ставьте ссылки сразу на конечный URL; редирект оставьте только для старых внешних ссылок и закладок.")),
    _e("status_4xx", "error", "page", None,
       ("Internal URL answers 4xx",
        "The URL answers with a client error such as 404 Not Found or 410 Gone. Visitors and search engines "
        "reach a dead end, and the page drops out of the index.",
        "Restore the page, redirect it (301) to the closest live page, or remove the links that point to it."),
       ("Внутренний URL отвечает 4xx",
        "URL отвечает ошибкой клиента, например 404 или 410. Посетители и поисковые роботы попадают в тупик, "
        "страница выпадает из индекса.",
        "Восстановите страницу, настройте 301-редирект на ближайшую живую страницу или уберите ссылки на неё.")),
    _e("status_5xx", "error", "page", None,
       ("Internal URL answers 5xx",
        "The server failed to answer the URL (500, 502, 503...). Repeated server errors make search engines "
        "crawl the site less and can drop pages from the index.",
        "Check the server and application logs for this URL and fix the cause; use 503 with Retry-After "
        "only for planned maintenance."),
       ("Внутренний URL отвечает 5xx",
        "Сервер не смог ответить на запрос (500, 502, 503...). Повторяющиеся ошибки сервера снижают частоту "
        "обхода и могут привести к выпадению страниц из индекса.",
        "Найдите причину в логах сервера и приложения; отвечайте 503 с Retry-After только на время плановых работ.")),
    _e("fetch_failed", "error", "page", None,
       ("URL could not be fetched",
        "The request failed before a usable answer arrived: a timeout, a DNS, TLS or connection error, or a "
        "body larger than the size cap. Search engines meet the same failure.",
        "Open the URL yourself, check DNS, certificates and server capacity, and keep pages below the size cap."),
       ("URL не удалось загрузить",
        "Запрос не получил ответа: тайм-аут, ошибка DNS, TLS или соединения, либо тело ответа больше лимита. "
        "Поисковые роботы сталкиваются с той же ошибкой.",
        "Откройте URL сами, проверьте DNS, сертификаты и мощность сервера, не превышайте лимит размера страницы.")),
    _e("slow_response", "warning", "page", "slow_response_ms",
       ("Slow server response",
        "The time to first byte is over the threshold. Slow answers hurt users and make crawlers fetch fewer "
        "pages per visit.",
        "Cache rendered pages, speed up slow database queries and check the server's load and location."),
       ("Медленный ответ сервера",
        "Время до первого байта больше порога. Медленные ответы раздражают посетителей, а роботы успевают "
        "обойти меньше страниц.",
        "Кэшируйте готовые страницы, ускорьте медленные запросы к базе, проверьте нагрузку и расположение сервера.")),
    _e("redirect_chain", "warning", "page", "redirect_chain_hops",
       ("Redirect chain",
        "Reaching the final URL takes two or more redirects. Each hop adds latency, and search engines stop "
        "following long chains.",
        "Point the first URL (and every link to it) straight at the final URL in a single redirect."),
       ("Цепочка перенаправлений",
        "До конечного URL два и более перенаправления. Каждый шаг добавляет задержку, а длинные цепочки "
        "роботы перестают проходить.",
        "Перенаправляйте первый URL (и все ссылки на него) сразу на конечный адрес одним редиректом.")),
    _e("redirect_loop", "error", "page", None,
       ("Redirect loop",
        "The redirects lead back to a URL already visited, so the page never loads for anyone.",
        "Fix the redirect rules so that the sequence ends at a page that answers 200."),
       ("Циклическое перенаправление",
        "Перенаправления возвращаются к уже пройденному URL, и страница не открывается ни у кого.",
        "Исправьте правила перенаправлений так, чтобы цепочка заканчивалась страницей с ответом 200.")),
    # --- links ---------------------------------------------------------------------------------
    _e("link_to_redirect", "notice", "site", None,
       ("Links to a redirecting URL",
        "The page links to an internal URL that redirects. Users and crawlers take an extra hop for every click.",
        "Update the link to point at the redirect's final URL."),
       ("Ссылка на перенаправляющий URL",
        "Страница ссылается на внутренний URL с редиректом. Каждый переход по ссылке проходит лишний шаг.",
        "Замените ссылку на конечный URL перенаправления.")),
    _e("broken_internal_link", "error", "site", None,
       ("Broken internal link",
        "The page links to an internal URL that answers 4xx or 5xx or cannot be fetched. Visitors hit an error "
        "and crawl budget is wasted.",
        "Fix the link target, or remove the link; the details list which links are broken."),
       ("Битая внутренняя ссылка",
        "Страница ссылается на внутренний URL, который отвечает 4xx или 5xx или не загружается. Посетитель "
        "видит ошибку, краулинговый бюджет тратится впустую.",
        "Исправьте адрес ссылки или удалите её; в подробностях перечислены битые ссылки.")),
    _e("low_link_score", "warning", "site", "link_score_min",
       ("Important page with a low link score",
        "The page is in the sitemap or linked from the start page, yet the site's internal links pass it "
        "little weight: its internal link score (PageRank over the site's links, 0 to 100) is under the threshold. "
        "Search engines read internal links as a sign of what matters, and find weakly linked pages later.",
        "Link to the page from strong pages (the home page, section hubs, navigation, related content), or drop "
        "it from the sitemap if it does not matter."),
       ("Важная страница с низким весом ссылок",
        "Страница есть в sitemap или на неё ссылается стартовая, но внутренние ссылки сайта почти не передают "
        "ей веса: её внутренний ссылочный вес (PageRank по ссылкам сайта, от 0 до 100) ниже порога. Поисковики "
        "считают внутренние ссылки признаком важности и позже находят слабо связанные страницы.",
        "Поставьте на страницу ссылки с сильных страниц (главной, разделов, навигации, похожих материалов) "
        "или уберите её из sitemap, если она не важна.")),
    # --- titles --------------------------------------------------------------------------------
    _e("title_missing", "error", "page", None,
       ("Title missing",
        "The page has no <title> or an empty one. The title is the headline of the search result; without it "
        "search engines invent one.",
        "Write a unique, descriptive <title> for the page."),
       ("Нет тега title",
        "У страницы нет <title> или он пустой. Title — заголовок сниппета в поиске; без него поисковик "
        "придумает заголовок сам.",
        "Напишите для страницы уникальный и понятный <title>.")),
    _e("title_too_short", "notice", "page", "title_min_length",
       ("Title too short",
        "The title is shorter than the threshold (in characters). A very short title wastes space in the "
        "search result and rarely describes the page well.",
        "Extend the title with the page's main topic and a distinguishing detail."),
       ("Слишком короткий title",
        "Title короче порога (в символах). Короткий заголовок плохо описывает страницу и не использует место "
        "в сниппете.",
        "Дополните title основной темой страницы и отличительной деталью.")),
    _e("title_too_long", "warning", "page", "title_max_length",
       ("Title too long",
        "The title is longer than the threshold (in characters); search engines cut it off in results.",
        "Shorten the title and put the important words first."),
       ("Слишком длинный title",
        "Title длиннее порога (в символах); в результатах поиска он будет обрезан.",
        "Сократите title и поставьте важные слова в начало.")),
    _e("title_duplicate", "warning", "site", None,
       ("Duplicate title",
        "Two or more indexable pages share this title, so search engines cannot tell them apart and may show "
        "the wrong one.",
        "Give every indexable page its own title; if the pages really are the same, canonicalise or merge them."),
       ("Повторяющийся title",
        "Несколько индексируемых страниц имеют одинаковый title; поисковик не различает их и может показать "
        "не ту страницу.",
        "Сделайте title каждой индексируемой страницы уникальным; одинаковые страницы объедините "
        "или укажите canonical.")),
    _e("title_multiple", "warning", "page", None,
       ("Multiple title tags",
        "The page has more than one <title>. Search engines pick one, not necessarily the one you meant.",
        "Keep a single <title> in the <head>; check templates and plugins that add their own."),
       ("Несколько тегов title",
        "На странице больше одного <title>. Поисковик выберет один из них, не обязательно нужный.",
        "Оставьте один <title> в <head>; проверьте шаблоны и плагины, которые добавляют свой.")),
    # --- descriptions --------------------------------------------------------------------------
    _e("meta_description_missing", "warning", "page", None,
       ("Meta description missing",
        "The page has no meta description or an empty one; search engines build the snippet from random page text.",
        "Write a meta description that summarises the page and invites the click."),
       ("Нет meta description",
        "У страницы нет meta description или он пустой; поисковик соберёт сниппет из случайного текста.",
        "Напишите meta description, который кратко описывает страницу и мотивирует перейти.")),
    _e("meta_description_too_short", "notice", "page", "meta_description_min_length",
       ("Meta description too short",
        "The description is shorter than the threshold (in characters) and leaves most of the snippet unused.",
        "Expand the description with what the visitor will find on the page."),
       ("Слишком короткий meta description",
        "Описание короче порога (в символах) и не использует место в сниппете.",
        "Дополните описание тем, что посетитель найдёт на странице.")),
    _e("meta_description_too_long", "notice", "page", "meta_description_max_length",
       ("Meta description too long",
        "The description is longer than the threshold (in characters); search engines cut it off.",
        "Shorten the description and keep the key message at the start."),
       ("Слишком длинный meta description",
        "Описание длиннее порога (в символах); поисковик его обрежет.",
        "Сократите описание, главное поставьте в начало.")),
    _e("meta_description_duplicate", "warning", "site", None,
       ("Duplicate meta description",
        "Two or more indexable pages share this description, so their snippets look the same.",
        "Write a specific description for each indexable page."),
       ("Повторяющийся meta description",
        "Несколько индексируемых страниц имеют одинаковое описание, их сниппеты не отличаются.",
        "Напишите своё описание для каждой индексируемой страницы.")),
    # --- headings ------------------------------------------------------------------------------
    _e("h1_missing", "warning", "page", None,
       ("H1 missing",
        "The page has no <h1>. The main heading tells visitors and search engines what the page is about.",
        "Add one <h1> that states the page's main topic."),
       ("Нет заголовка H1",
        "На странице нет <h1>. Главный заголовок сообщает посетителям и поисковикам, о чём страница.",
        "Добавьте один <h1> с основной темой страницы.")),
    _e("h1_multiple", "notice", "page", None,
       ("Multiple H1 headings",
        "The page has more than one <h1>, which blurs what its main topic is.",
        "Keep one <h1> for the main topic and use <h2>-<h6> for sections."),
       ("Несколько заголовков H1",
        "На странице больше одного <h1>, из-за этого главная тема размыта.",
        "Оставьте один <h1> для основной темы, разделы оформляйте <h2>-<h6>.")),
    _e("h1_duplicate", "notice", "site", None,
       ("Duplicate H1",
        "Two or more indexable pages share the same <h1> text, which suggests overlapping pages.",
        "Make each page's main heading specific to that page."),
       ("Повторяющийся H1",
        "Несколько индексируемых страниц имеют одинаковый <h1>; возможно, страницы дублируют друг друга.",
        "Сделайте главный заголовок каждой страницы уникальным.")),
    # --- canonicals ----------------------------------------------------------------------------
    _e("canonical_missing", "notice", "page", None,
       ("Canonical missing",
        "The page declares no canonical URL (neither a link element nor an HTTP header). Search engines then "
        "guess which of its URL variants (parameters, trailing slashes) to index.",
        "Add <link rel=\"canonical\" href=\"...\"> with the page's preferred absolute URL."),
       ("Нет canonical",
        "Страница не указывает канонический URL (ни тегом, ни HTTP-заголовком). Поисковик сам выбирает, какой "
        "из вариантов адреса (параметры, слэш в конце) индексировать.",
        "Добавьте <link rel=\"canonical\" href=\"...\"> с предпочтительным абсолютным URL страницы.")),
    _e("canonical_to_non_200", "error", "site", None,
       ("Canonical points to a broken URL",
        "The canonical target fails or answers 4xx/5xx (a redirecting target is canonical_to_redirect). Search "
        "engines ignore such a canonical or index the wrong page.",
        "Point the canonical at the final, live URL that answers 200."),
       ("Canonical ведёт на неработающий URL",
        "Канонический URL не загружается или отвечает 4xx/5xx (перенаправление — это canonical_to_redirect). "
        "Поисковик проигнорирует такой canonical или проиндексирует не ту страницу.",
        "Укажите в canonical конечный рабочий URL с ответом 200.")),
    _e("canonical_to_non_indexable", "warning", "site", None,
       ("Canonical points to a noindex page",
        "The canonical target carries noindex: the page asks to be indexed under a URL that forbids indexing, "
        "a contradiction search engines resolve unpredictably.",
        "Point the canonical at an indexable page, or remove the noindex from the target."),
       ("Canonical ведёт на страницу с noindex",
        "Канонический URL запрещён к индексации: страница просит индексировать её под адресом, который "
        "индексировать нельзя. Поисковик решит это противоречие непредсказуемо.",
        "Укажите canonical на индексируемую страницу или снимите noindex с целевой.")),
    _e("canonical_multiple", "warning", "page", None,
       ("Conflicting canonicals",
        "The page's <head> (or its HTTP Link headers) declares several canonical URLs that disagree; search "
        "engines then ignore all of them.",
        "Keep exactly one canonical (link element or header) per page."),
       ("Несколько разных canonical",
        "В <head> страницы (или в её HTTP-заголовках Link) несколько разных канонических URL; поисковик "
        "проигнорирует их все.",
        "Оставьте на странице ровно один canonical (тегом или заголовком).")),
    # --- indexability --------------------------------------------------------------------------
    _e("noindex", "notice", "page", None,
       ("Noindex page",
        "Meta robots or X-Robots-Tag says noindex, so the page will not appear in search results.",
        "Nothing to do if that is intended; otherwise remove the noindex directive."),
       ("Страница закрыта noindex",
        "Meta robots или X-Robots-Tag содержит noindex, страница не попадёт в результаты поиска.",
        "Если так задумано, ничего делать не нужно; иначе уберите директиву noindex.")),
    _e("nofollow_page", "notice", "page", None,
       ("Nofollow page",
        "Meta robots or X-Robots-Tag says nofollow: search engines will not follow any link on this page.",
        "Remove nofollow unless you really want every link on the page ignored."),
       ("Страница с nofollow",
        "Meta robots или X-Robots-Tag содержит nofollow: поисковик не пойдёт ни по одной ссылке страницы.",
        "Уберите nofollow, если не хотите, чтобы все ссылки страницы игнорировались.")),
    _e("blocked_by_robots", "notice", "page", None,
       ("Blocked by robots.txt",
        "robots.txt disallows this internal URL, so it was not fetched; search engines will not crawl it either.",
        "Nothing to do if intended; otherwise relax the Disallow rule or stop linking to the URL."),
       ("Закрыт в robots.txt",
        "robots.txt запрещает этот внутренний URL, он не загружался; поисковики его тоже не обойдут.",
        "Если так задумано, ничего делать не нужно; иначе ослабьте правило Disallow или уберите ссылки.")),
    # --- hreflang ------------------------------------------------------------------------------
    _e("hreflang_missing_return", "warning", "site", None,
       ("Hreflang without return link",
        "This page names another page as a language alternate, but that page does not name this one back. "
        "Search engines ignore hreflang pairs that are not reciprocal.",
        "Add the matching hreflang annotation on the alternate page, pointing back here."),
       ("Hreflang без обратной ссылки",
        "Страница указывает другую как языковую версию, но та не ссылается обратно. Невзаимные пары hreflang "
        "поисковики игнорируют.",
        "Добавьте на альтернативной странице ответную аннотацию hreflang на эту страницу.")),
    _e("hreflang_to_non_200", "warning", "site", None,
       ("Hreflang points to a non-200 URL",
        "An hreflang alternate redirects, fails or answers an error, so the annotation is ignored.",
        "Point hreflang at the final live URL of each language version."),
       ("Hreflang ведёт на URL без ответа 200",
        "Языковая версия из hreflang перенаправляет или отвечает ошибкой, аннотация игнорируется.",
        "Укажите в hreflang конечные рабочие URL языковых версий.")),
    _e("hreflang_invalid_code", "warning", "page", None,
       ("Invalid hreflang code",
        "An hreflang value is not a valid ISO 639-1 language (optionally with an ISO 3166-1 region) or "
        "x-default, so search engines ignore it.",
        "Use codes such as en, ru, en-GB, pt-BR or x-default."),
       ("Неверный код hreflang",
        "Значение hreflang не является кодом языка ISO 639-1 (с необязательным регионом ISO 3166-1) или "
        "x-default, и поисковик его игнорирует.",
        "Используйте коды вида en, ru, en-GB, pt-BR или x-default.")),
    _e("html_lang_missing", "notice", "page", None,
       ("HTML lang missing",
        "The <html> element has no lang attribute; browsers, screen readers and translators must guess the language.",
        "Add lang to <html>, for example <html lang=\"ru\">."),
       ("Нет атрибута lang",
        "У элемента <html> нет атрибута lang; браузерам, экранным дикторам и переводчикам приходится угадывать язык.",
        "Добавьте lang к <html>, например <html lang=\"ru\">.")),
    # --- content -------------------------------------------------------------------------------
    _e("thin_content", "warning", "page", "thin_content_words",
       ("Thin content",
        "The indexable page has fewer words of body text than the threshold. Pages with little content rarely "
        "rank and can lower the site's perceived quality.",
        "Add useful content, merge the page with a related one, or mark it noindex."),
       ("Мало текста",
        "На индексируемой странице меньше слов основного текста, чем задано порогом. Такие страницы плохо "
        "ранжируются и снижают качество сайта в глазах поисковиков.",
        "Добавьте полезный текст, объедините страницу с похожей или закройте её noindex.")),
    _e("duplicate_content", "warning", "site", None,
       ("Duplicate content",
        "Two or more indexable pages have identical body text. Search engines index one and filter the others.",
        "Keep one page and redirect or canonicalise the copies to it."),
       ("Дублированный контент",
        "У нескольких индексируемых страниц одинаковый основной текст. Поисковик проиндексирует одну, "
        "остальные отфильтрует.",
        "Оставьте одну страницу, копии перенаправьте на неё или укажите canonical.")),
    _e("near_duplicate_content", "warning", "site", "near_duplicate_similarity",
       ("Near-duplicate content",
        "The page's body text is at least as similar as the threshold to another indexable page (but not "
        "identical). Near copies compete with each other in search.",
        "Make the pages clearly different, or merge them and canonicalise the rest."),
       ("Почти одинаковый контент",
        "Основной текст страницы похож на текст другой индексируемой страницы не меньше порога (но не совпадает "
        "полностью). Почти одинаковые страницы конкурируют друг с другом в поиске.",
        "Сделайте страницы заметно разными или объедините их и укажите canonical.")),
    _e("image_missing_alt", "warning", "page", None,
       ("Image without alt",
        "An <img> has no alt attribute. Screen readers cannot describe it and image search has no text for it.",
        "Add alt text that describes the image (alt=\"\" for purely decorative images)."),
       ("Изображение без alt",
        "У <img> нет атрибута alt. Экранный диктор не опишет картинку, а поиску по картинкам нечего индексировать.",
        "Добавьте alt с описанием изображения (alt=\"\" для чисто декоративных).")),
    # --- structure -----------------------------------------------------------------------------
    _e("orphan_page", "warning", "site", None,
       ("Orphan page",
        "A sitemap lists the page, but no crawled page links to it. Search engines find it only through the "
        "sitemap and give it little weight. Not checked on crawls limited by max_pages, max_depth or "
        "include/exclude patterns, where links from the uncrawled part are unknown.",
        "Link to the page from relevant pages or navigation, or drop it from the sitemap if it is obsolete."),
       ("Страница-сирота",
        "Страница есть в sitemap, но ни одна обойдённая страница на неё не ссылается. Поисковик находит её только "
        "через sitemap и придаёт ей мало веса. Не проверяется, если обход ограничен max_pages, max_depth или "
        "шаблонами include/exclude: ссылки с необойдённой части сайта неизвестны.",
        "Поставьте на страницу ссылки с тематических страниц или из навигации либо уберите её из sitemap.")),
    _e("sitemap_noindex", "warning", "page", None,
       ("Noindex URL in sitemap",
        "A sitemap lists a URL that says noindex. A sitemap should list only the pages you want indexed.",
        "Remove the URL from the sitemap, or remove its noindex."),
       ("URL с noindex в sitemap",
        "В sitemap указан URL с noindex. В sitemap должны быть только страницы, которые нужно индексировать.",
        "Уберите URL из sitemap или снимите с него noindex.")),
    _e("sitemap_non_200", "warning", "page", None,
       ("Non-200 URL in sitemap",
        "A sitemap lists a URL that redirects, fails or answers an error. Search engines lose trust in "
        "sitemaps full of such URLs.",
        "List only final URLs that answer 200."),
       ("URL без ответа 200 в sitemap",
        "В sitemap указан URL, который перенаправляет или отвечает ошибкой. Поисковики меньше доверяют таким sitemap.",
        "Указывайте в sitemap только конечные URL с ответом 200.")),
    _e("deep_page", "notice", "page", "deep_page_depth",
       ("Deep page",
        "The page is more clicks away from the start page than the threshold. Deep pages are crawled less "
        "often and get little internal link weight.",
        "Link to it from higher-level pages, categories or navigation."),
       ("Глубокая страница",
        "До страницы больше кликов от стартовой, чем задано порогом. Глубокие страницы реже обходятся и "
        "получают мало внутреннего веса.",
        "Поставьте на неё ссылки со страниц верхнего уровня, из категорий или навигации.")),
    _e("dead_end_page", "notice", "page", None,
       ("Dead-end page",
        "The page has no internal outlinks: visitors and crawlers have nowhere to go next.",
        "Add navigation or links to related pages."),
       ("Тупиковая страница",
        "На странице нет внутренних ссылок: посетителю и роботу некуда перейти дальше.",
        "Добавьте навигацию или ссылки на связанные страницы.")),
    _e("viewport_missing", "notice", "page", None,
       ("Viewport missing",
        "The page has no <meta name=\"viewport\">, so phones render it as a zoomed-out desktop page; mobile-first "
        "indexing judges it as not mobile-friendly.",
        "Add <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">."),
       ("Нет meta viewport",
        "На странице нет <meta name=\"viewport\">, телефоны показывают её как уменьшенную десктопную; при "
        "mobile-first индексации она считается неадаптированной.",
        "Добавьте <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">.")),
    _e("http_page", "warning", "site", None,
       ("Page served over plain HTTP",
        "The page is served without HTTPS. Browsers mark it as not secure and search engines prefer HTTPS "
        "pages. On a site crawled over http this is reported once, on the start page.",
        "Serve the site over HTTPS and redirect every http URL to its https version with a 301."),
       ("Страница открывается по HTTP",
        "Страница отдаётся без HTTPS. Браузеры помечают её как небезопасную, поисковики предпочитают HTTPS. "
        "Если весь сайт обходится по http, проблема указывается один раз, на стартовой странице.",
        "Переведите сайт на HTTPS и настройте 301-редирект с каждого http-адреса на https.")),
    _e("mixed_content", "warning", "page", None,
       ("Mixed content",
        "The HTTPS page loads resources (scripts, styles, images, frames) over plain http. Browsers block or "
        "flag them, which can break the page.",
        "Load every resource over https (or with a protocol-relative URL)."),
       ("Смешанный контент",
        "HTTPS-страница загружает ресурсы (скрипты, стили, картинки, фреймы) по http. Браузеры блокируют их "
        "или предупреждают, страница может сломаться.",
        "Загружайте все ресурсы по https.")),
    _e("url_uppercase", "notice", "page", None,
       ("Uppercase in URL",
        "The URL path has capital letters. URLs are case-sensitive, so mixed case invites duplicates and typos.",
        "Use lowercase URLs and 301-redirect the uppercase variants."),
       ("Заглавные буквы в URL",
        "В пути URL есть заглавные буквы. URL чувствительны к регистру, это порождает дубли и опечатки.",
        "Используйте URL в нижнем регистре, варианты с заглавными перенаправьте 301-редиректом.")),
    _e("url_underscore", "notice", "page", None,
       ("Underscore in URL",
        "The URL path contains underscores. Search engines treat hyphens, not underscores, as word separators.",
        "Prefer hyphens in new URLs; change existing ones only with 301 redirects."),
       ("Подчёркивание в URL",
        "В пути URL есть подчёркивания. Разделителем слов поисковики считают дефис, а не подчёркивание.",
        "В новых URL используйте дефисы; существующие меняйте только с 301-редиректом.")),
    _e("url_too_long", "notice", "page", "url_max_length",
       ("URL too long",
        "The URL is longer than the threshold (in characters). Long URLs are hard to share and are often cut "
        "off in search results.",
        "Use shorter, readable URLs without redundant words or parameters."),
       ("Слишком длинный URL",
        "URL длиннее порога (в символах). Длинные адреса неудобно передавать, в поиске они обрезаются.",
        "Используйте короткие понятные URL без лишних слов и параметров.")),
    _e("large_page", "notice", "page", "large_page_bytes",
       ("Large HTML page",
        "The HTML document is bigger than the threshold. Large pages load slowly and search engines may stop "
        "reading before the end.",
        "Move inline scripts, styles and data out of the HTML, paginate long lists, remove unused markup."),
       ("Большая HTML-страница",
        "HTML-документ больше порога. Тяжёлые страницы медленно загружаются, поисковик может не дочитать их до конца.",
        "Вынесите встроенные скрипты, стили и данные из HTML, разбейте длинные списки, уберите лишнюю разметку.")),
]  # fmt: skip

# --- exactness: canonicals, hreflang (issue 13; engineer "audit") --------------------------------
_EXACTNESS_ENTRIES = [
    _e("canonical_invalid", "error", "page", None,
       ("Invalid canonical URL",
        "The canonical link is not an http(s) URL (for example file:///..., javascript:, or text that does not "
        "parse as a URL). Search engines ignore it, so the page has no usable canonical; the value as written is "
        "kept in the page record (canonical_raw).",
        "Set the canonical to the page's preferred absolute https:// URL."),
       ("Некорректный canonical",
        "Канонический URL не является http(s)-адресом (например, file:///..., javascript: или строка, которая не "
        "разбирается как URL). Поисковики его игнорируют, и у страницы нет действующего canonical; значение как "
        "есть сохранено в записи страницы (canonical_raw).",
        "Укажите в canonical предпочтительный абсолютный https://-адрес страницы.")),
    _e("canonical_relative", "notice", "page", None,
       ("Relative canonical URL",
        "The canonical is a relative URL (/page, page.html, //host/page). Google accepts it, resolving it against "
        "the page address, but recommends absolute URLs: a relative one breaks when the page is served under "
        "another host or path (staging, http and https, mirrors).",
        "Write the canonical as an absolute URL with scheme and host."),
       ("Относительный canonical",
        "Canonical указан относительным адресом (/page, page.html, //host/page). Google его принимает, "
        "достраивая от адреса страницы, но рекомендует абсолютные URL: относительный ломается, когда страница "
        "доступна по другому хосту или пути (тестовый стенд, http и https, зеркала).",
        "Укажите canonical абсолютным URL со схемой и хостом.")),
    _e("canonical_header_mismatch", "warning", "page", None,
       ("Canonical tag and HTTP header disagree",
        "The <link rel=\"canonical\"> in <head> and the HTTP Link header name different URLs. Google says to use "
        "one method; when they disagree it may ignore both.",
        "Declare the canonical in one place only, or make both name the same URL."),
       ("Canonical в теге и в HTTP-заголовке не совпадают",
        "<link rel=\"canonical\"> в <head> и HTTP-заголовок Link указывают разные URL. Google советует "
        "использовать один способ; при расхождении он может проигнорировать оба.",
        "Оставьте canonical в одном месте или укажите в обоих один и тот же URL.")),
    _e("canonical_outside_head", "warning", "page", None,
       ("Canonical outside <head>",
        "A rel=\"canonical\" link sits in <body>, or in <head> after an element that ends the head for parsers "
        "(an <img>, an <iframe>, text). Search engines read canonicals only in <head> and HTTP headers, so this "
        "one is ignored (and is not used by this audit either).",
        "Move the canonical link into <head>, before any <img>, <iframe> or other body content."),
       ("Canonical вне <head>",
        "Ссылка rel=\"canonical\" находится в <body> или в <head> после элемента, который для парсера "
        "завершает head (<img>, <iframe>, текст). Поисковики читают canonical только в <head> и HTTP-заголовках, "
        "поэтому эта ссылка игнорируется (и этим аудитом тоже).",
        "Перенесите canonical в <head>, выше любых <img>, <iframe> и другого содержимого body.")),
    _e("canonical_to_homepage", "warning", "page", None,
       ("Deep page canonicalised to the home page",
        "A page other than the home page names the site's root URL as its canonical. Unless the page really "
        "duplicates the home page, this asks search engines to drop it from the index in favour of the home page; "
        "it is usually a template mistake.",
        "Give each page a canonical pointing at its own preferred URL."),
       ("Внутренняя страница канонизирована на главную",
        "Страница, не являющаяся главной, указывает в canonical корень сайта. Если она не дублирует главную, это "
        "просит поисковик исключить её из индекса в пользу главной; обычно это ошибка шаблона.",
        "Укажите каждой странице canonical на её собственный предпочтительный URL.")),
    _e("canonical_to_hreflang_alternate", "warning", "page", None,
       ("Canonical points to another language version",
        "The page lists itself and its canonical target as hreflang alternates of each other, yet canonicalises "
        "to that other version. Language versions must each be canonical to themselves, or the alternates are "
        "dropped.",
        "Make each language version's canonical point at itself."),
       ("Canonical ведёт на другую языковую версию",
        "Страница указывает себя и свой canonical как hreflang-альтернативы друг друга, но канонизирована на "
        "другую версию. Каждая языковая версия должна быть канонической сама для себя, иначе альтернативы "
        "отбрасываются.",
        "Укажите каждой языковой версии canonical на саму себя.")),
    _e("canonical_to_redirect", "warning", "site", None,
       ("Canonical points to a redirect",
        "The canonical target redirects. Search engines may follow it, but the signal is weaker and the "
        "redirect target, not the named URL, is what they end up considering.",
        "Point the canonical straight at the redirect's final URL."),
       ("Canonical ведёт на перенаправление",
        "Канонический URL перенаправляет. Поисковик может пройти редирект, но сигнал ослабевает, и в итоге "
        "рассматривается конечный адрес, а не указанный.",
        "Укажите в canonical сразу конечный URL перенаправления.")),
    _e("canonical_to_blocked", "warning", "site", None,
       ("Canonical points to a URL blocked by robots.txt",
        "The canonical target is disallowed by robots.txt, so search engines cannot fetch it to confirm it; the "
        "canonical is likely ignored.",
        "Allow the canonical target in robots.txt, or point the canonical at a crawlable URL."),
       ("Canonical ведёт на URL, закрытый в robots.txt",
        "Канонический URL запрещён в robots.txt, поисковик не может его загрузить и подтвердить; такой canonical, "
        "скорее всего, будет проигнорирован.",
        "Откройте канонический URL в robots.txt или укажите canonical на доступный адрес.")),
    _e("canonical_chain", "warning", "site", None,
       ("Canonical chain",
        "The canonical target names yet another URL as its canonical (A to B, B to C). Search engines may not "
        "follow the chain and may pick neither.",
        "Point every page's canonical directly at the final canonical URL."),
       ("Цепочка canonical",
        "Канонический URL сам указывает canonical на другой адрес (A на B, B на C). Поисковик может не пройти "
        "цепочку и не выбрать ни один из них.",
        "Укажите в canonical каждой страницы сразу конечный канонический URL.")),
    _e("hreflang_missing_x_default", "notice", "page", None,
       ("hreflang without x-default",
        "The page has hreflang alternates but none for x-default, the version for visitors whose language "
        "matches none of the others (often a language selector or the main version).",
        "Add <link rel=\"alternate\" hreflang=\"x-default\" href=\"...\"> to every version of the set."),
       ("hreflang без x-default",
        "У страницы есть hreflang-альтернативы, но нет x-default — версии для посетителей, чей язык не совпал ни "
        "с одной из указанных (часто это выбор языка или основная версия).",
        "Добавьте <link rel=\"alternate\" hreflang=\"x-default\" href=\"...\"> во все версии набора.")),
    _e("hreflang_missing_self_reference", "warning", "page", None,
       ("hreflang without a self-reference",
        "The page lists alternate language versions but not itself. Google asks each version to list itself "
        "and all the others; without it the set may be ignored.",
        "Add an hreflang link to the page's own URL with its own language."),
       ("hreflang без ссылки на себя",
        "Страница перечисляет языковые версии, но не себя. Google требует, чтобы каждая версия указывала себя и "
        "все остальные; иначе набор может быть проигнорирован.",
        "Добавьте hreflang-ссылку на собственный URL страницы с её языком.")),
    _e("hreflang_relative_url", "warning", "page", None,
       ("Relative hreflang URL",
        "An hreflang alternate is given as a relative URL. Google requires fully qualified URLs with the scheme "
        "(https://...) for hreflang.",
        "Write every hreflang href as an absolute URL."),
       ("Относительный URL в hreflang",
        "Альтернатива hreflang указана относительным адресом. Google требует полные URL со схемой "
        "(https://...).",
        "Укажите href каждой hreflang-ссылки абсолютным URL.")),
    _e("hreflang_missing_href", "warning", "page", None,
       ("hreflang without a usable URL",
        "An hreflang link has no href, an empty one, or one that is not an http(s) URL, so it names no page.",
        "Give every hreflang link the absolute URL of its language version, or remove it."),
       ("hreflang без пригодного URL",
        "У hreflang-ссылки нет href, он пустой или не является http(s)-адресом, поэтому она не указывает ни на "
        "какую страницу.",
        "Укажите в каждой hreflang-ссылке абсолютный URL её языковой версии или удалите её.")),
    _e("hreflang_duplicate_language", "warning", "page", None,
       ("Two URLs for one hreflang value",
        "The page names different URLs for the same language (and region). Search engines cannot tell which one "
        "to show and may ignore the annotations.",
        "Keep one URL per hreflang value."),
       ("Два URL для одного значения hreflang",
        "Страница указывает разные URL для одного и того же языка (и региона). Поисковик не знает, какой "
        "показывать, и может проигнорировать разметку.",
        "Оставьте по одному URL на каждое значение hreflang.")),
    _e("hreflang_outside_head", "warning", "page", None,
       ("hreflang outside <head>",
        "rel=\"alternate\" hreflang links sit in <body>, or in <head> after an element that ends the head (an "
        "<img>, an <iframe>). Search engines read hreflang only in <head>, HTTP headers and sitemaps, so these "
        "are ignored (by this audit too).",
        "Move the hreflang links into <head>, before any body content."),
       ("hreflang вне <head>",
        "Ссылки rel=\"alternate\" hreflang находятся в <body> или в <head> после элемента, завершающего head "
        "(<img>, <iframe>). Поисковики читают hreflang только в <head>, HTTP-заголовках и sitemap, поэтому они "
        "игнорируются (и этим аудитом тоже).",
        "Перенесите hreflang-ссылки в <head>, выше содержимого body.")),
    _e("hreflang_to_noindex", "warning", "site", None,
       ("hreflang points to a noindex page",
        "An hreflang alternate carries noindex, so that language version cannot appear in search and the set is "
        "broken.",
        "Point hreflang only at indexable pages, or remove the noindex from the alternate."),
       ("hreflang ведёт на страницу с noindex",
        "Альтернативная версия запрещена к индексации, её нельзя показать в поиске, и набор hreflang нарушен.",
        "Указывайте в hreflang только индексируемые страницы или снимите noindex с альтернативы.")),
    _e("hreflang_to_non_canonical", "warning", "site", None,
       ("hreflang points to a non-canonical URL",
        "An hreflang alternate is canonicalised to another URL. Search engines expect hreflang to name canonical "
        "URLs; annotations between non-canonical URLs are ignored.",
        "Point hreflang at the canonical URL of each language version."),
       ("hreflang ведёт на неканонический URL",
        "Альтернативная версия канонизирована на другой URL. Поисковики ожидают в hreflang канонические адреса; "
        "разметка между неканоническими URL игнорируется.",
        "Указывайте в hreflang канонический URL каждой языковой версии.")),
    _e("robots_txt_missing", "notice", "site", None,
       ("No robots.txt",
        "/robots.txt answers 4xx (401 and 403 included, 429 excepted): search engines read that as \"no "
        "restrictions\" and crawl everything. Often fine, but a site usually wants a robots.txt at least to name "
        "its sitemaps.",
        "Serve a /robots.txt (plain text, UTF-8) with your rules and a Sitemap: line; an empty one allows all."),
       ("Нет robots.txt",
        "/robots.txt отвечает 4xx (включая 401 и 403, кроме 429): поисковики считают, что ограничений нет, и "
        "обходят всё. Это допустимо, но обычно robots.txt нужен хотя бы для указания sitemap.",
        "Разместите /robots.txt (простой текст, UTF-8) с правилами и строкой Sitemap:; пустой файл разрешает всё.")),
    _e("robots_txt_unavailable", "error", "site", None,
       ("robots.txt unavailable (5xx, 429 or no answer)",
        "/robots.txt answered 5xx or 429, or did not answer at all. Search engines then treat the whole site as "
        "disallowed: Google stops crawling it, and after a long outage drops it from the index. This crawl did "
        "the same: the details say how many URLs were not fetched because of it and whether it recovered.",
        "Make /robots.txt answer 200 (or 404 if you have none) reliably, including under load and from crawler "
        "IP ranges; check the firewall, CDN and rate limits."),
       ("robots.txt недоступен (5xx, 429 или нет ответа)",
        "/robots.txt ответил 5xx или 429 либо не ответил вовсе. Поисковики тогда считают закрытым весь сайт: "
        "Google прекращает обход, а при долгом сбое убирает сайт из индекса. Этот обход поступил так же: в деталях "
        "указано, сколько URL не загружено из-за этого и восстановился ли файл.",
        "Добейтесь, чтобы /robots.txt стабильно отвечал 200 (или 404, если файла нет), в том числе под нагрузкой "
        "и для IP поисковых роботов; проверьте файрвол, CDN и ограничения частоты запросов.")),
    _e("robots_txt_invalid", "warning", "site", None,
       ("robots.txt has syntax errors",
        "Lines of robots.txt that crawlers cannot read as intended: no colon, an unknown directive (typos such as "
        "\"Disalow\" included), a rule before any User-agent, a pattern that does not start with / or *, a $ "
        "inside a pattern, an empty User-agent. Crawlers ignore or misread such lines (the checks of Lighthouse's "
        "robots-txt audit).",
        "Fix or delete each listed line; test the file with a robots.txt tester."),
       ("Ошибки синтаксиса в robots.txt",
        "Строки robots.txt, которые роботы не прочитают как задумано: нет двоеточия, неизвестная директива "
        "(в том числе опечатки вроде \"Disalow\"), правило до любой строки User-agent, шаблон не с / или *, $ "
        "внутри шаблона, пустой User-agent. Роботы игнорируют или неверно понимают такие строки (проверки "
        "аудита robots-txt в Lighthouse).",
        "Исправьте или удалите каждую указанную строку; проверьте файл валидатором robots.txt.")),
    _e("robots_txt_sitemap_invalid", "warning", "site", None,
       ("Invalid Sitemap line in robots.txt",
        "A Sitemap: line of robots.txt is not an absolute http(s) URL (a relative path, another scheme, or "
        "empty). Search engines need the full URL and ignore the line.",
        "Write each Sitemap: line as an absolute URL, e.g. Sitemap: https://example.com/sitemap.xml."),
       ("Некорректная строка Sitemap в robots.txt",
        "Строка Sitemap: в robots.txt — не абсолютный http(s)-URL (относительный путь, другая схема или пусто). "
        "Поисковикам нужен полный адрес, такую строку они игнорируют.",
        "Укажите каждый Sitemap: абсолютным URL, например Sitemap: https://example.com/sitemap.xml.")),
    _e("robots_txt_sitemap_unreachable", "warning", "site", None,
       ("Sitemap named in robots.txt cannot be read",
        "A sitemap named by a Sitemap: line of robots.txt answered an error or did not answer, so its URLs are "
        "not submitted to search engines through it.",
        "Publish the sitemap at that URL (answering 200) or correct the Sitemap: line."),
       ("Sitemap из robots.txt недоступен",
        "Sitemap, указанный в строке Sitemap: файла robots.txt, ответил ошибкой или не ответил, и его URL не "
        "передаются поисковикам.",
        "Опубликуйте sitemap по этому адресу (с ответом 200) или исправьте строку Sitemap:.")),
    _e("sitemap_unreadable", "warning", "site", None,
       ("Sitemap cannot be read",
        "A sitemap the crawl found (at /sitemap.xml, in robots.txt or in a sitemap index) answered but could "
        "not be read, or not wholly: it is not well-formed XML, declares a DTD, is over the protocol's limits "
        "(50,000 URLs, 50 MB), is not a sitemap at all, or an index names a sitemap that does not answer or "
        "is on another host. Search engines skip what they cannot read; the reason is in the details and in "
        "the crawl's robots.txt report.",
        "Fix the file so that it is a well-formed sitemap within the limits (split a large one with a sitemap "
        "index), and list in an index only sitemaps of its own host that answer 200."),
       ("Sitemap не читается",
        "Sitemap, найденный сканированием (по адресу /sitemap.xml, в robots.txt или в индексе sitemap), "
        "ответил, но прочитать его не удалось или удалось не полностью: это не корректный XML, в нём объявлен "
        "DTD, он превышает лимиты протокола (50 000 URL, 50 МБ), это вообще не sitemap, или индекс ссылается "
        "на sitemap, который не отвечает или лежит на другом хосте. Поисковики пропускают то, что не могут "
        "прочитать; причина — в деталях и в отчёте о robots.txt сканирования.",
        "Исправьте файл, чтобы он был корректным sitemap в пределах лимитов (большой разбейте индексом "
        "sitemap), и указывайте в индексе только отвечающие 200 sitemap своего хоста.")),
    _e("robots_txt_too_large", "warning", "site", None,
       ("robots.txt over 500 KiB",
        "robots.txt is larger than 500 KiB (512,000 bytes). Google reads only the first 500 KiB and ignores the "
        "rest, so rules past that point have no effect (this crawl read it the same way).",
        "Shorten robots.txt: merge rules with wildcards, drop rules for pages that no longer exist."),
       ("robots.txt больше 500 КиБ",
        "robots.txt больше 500 КиБ (512 000 байт). Google читает только первые 500 КиБ и игнорирует остальное, "
        "поэтому правила дальше этой границы не действуют (этот обход читал файл так же).",
        "Сократите robots.txt: объедините правила шаблонами, удалите правила для несуществующих страниц.")),
    _e("llms_txt_invalid", "notice", "site", None,
       ("llms.txt does not follow the format",
        "The site has an /llms.txt, but it does not follow the llmstxt.org format: it must start with an H1 title "
        "(# Name), may have a summary and text without headings, then H2 sections that are lists of links "
        "(- [name](url): notes). AI tools that read it may misread the file.",
        "Rewrite /llms.txt to the format: one H1 first, H2 sections containing only link list items."),
       ("llms.txt не соответствует формату",
        "На сайте есть /llms.txt, но он не соответствует формату llmstxt.org: сначала заголовок H1 (# Название), "
        "затем краткое описание и текст без заголовков, далее разделы H2 со списками ссылок "
        "(- [название](url): пояснение). Читающие его ИИ-инструменты могут понять файл неверно.",
        "Перепишите /llms.txt по формату: первым идёт один H1, разделы H2 содержат только элементы списка ссылок.")),
    _e("search_page_indexable", "warning", "page", None,
       ("Internal search results page is indexable",
        "The page is the site's own search results (its address says so: /search, search.html, ?s=, ?q=) and "
        "search engines may index it. Such pages are endless variations of other pages' content; Google asks "
        "sites to keep them out of its index. (They are not reported as thin content.)",
        "Add <meta name=\"robots\" content=\"noindex\"> to search result pages, or disallow them in robots.txt."),
       ("Страница внутреннего поиска индексируется",
        "Это страница результатов поиска по сайту (это видно по адресу: /search, search.html, ?s=, ?q=), и "
        "поисковики могут её проиндексировать. Такие страницы — бесконечные вариации чужого содержимого; Google "
        "просит не допускать их в индекс. (Малым объёмом текста они не считаются.)",
        "Добавьте страницам результатов поиска <meta name=\"robots\" content=\"noindex\"> или закройте их в "
        "robots.txt.")),
]  # fmt: skip
# --- end of exactness block ---------------------------------------------------------------------

# --- issue 13's check families (links, structured data, security, content, resources) -----------
# Their texts live beside their rules (shared/audit/rules/texts.py); one line here keeps rebases simple.
_CHECKS_ENTRIES = [_e(*entry) for entry in checks_texts.ENTRIES]  # type: ignore[arg-type]

# --- issue 18: custom extraction ------------------------------------------------------------------
_EXTRACTION_ENTRIES = [
    _e("extraction_failed", "notice", "page", None,
       ("Custom extraction fell short",
        "A custom extraction rule of this crawl could not give its full result on the page: it was stopped after "
        "its time bound, its values were cut at their size bound, or the expression failed on this page's markup. "
        "The details name the rule and the reason; the other rules' values are kept.",
        "Make the rule's expression more specific (an XPath such as //*[count(//*) > 0] is quadratic in the page), "
        "or keep fewer matches."),
       ("Пользовательское извлечение не отработало полностью",
        "Правило извлечения этого обхода не смогло дать полный результат на странице: оно остановлено по времени, "
        "значения обрезаны по размеру или выражение не сработало на разметке этой страницы. В деталях указаны "
        "правило и причина; значения остальных правил сохранены.",
        "Сделайте выражение правила конкретнее (XPath вида //*[count(//*) > 0] квадратичен по размеру страницы) "
        "или берите меньше совпадений.")),
]  # fmt: skip

# Rendering (crawls with render: "chromium"): what scripts change, and whether the page renders at all.
_RENDERING = [
    _e("render_failed", "error", "page", None,
       ("Page could not be rendered",
        "The headless browser could not finish the page: it timed out, crashed, ran out of memory, tried to "
        "navigate away or went past a limit (requests, bytes). The audit judged the raw HTML instead; search "
        "engines that render may see a broken page or nothing.",
        "Open the page with the browser's developer tools: fix script errors, requests that never finish and "
        "redirects done by script; the details name the reason."),
       ("Страницу не удалось отрисовать",
        "Браузер не смог отрисовать страницу: истёк тайм-аут, процесс упал или исчерпал память, скрипт увёл "
        "на другой адрес или страница превысила лимит запросов или объёма. Аудит проверил исходный HTML; "
        "поисковики, которые выполняют JavaScript, могут увидеть сломанную или пустую страницу.",
        "Откройте страницу с инструментами разработчика: исправьте ошибки скриптов, бесконечные запросы и "
        "перенаправления скриптом; причина указана в подробностях.")),
    _e("render_blank_page", "error", "page", "blank_page_words",
       ("Rendered page is nearly empty",
        "After its scripts ran, the page has fewer words than the threshold: the application shell never "
        "rendered its content (a failed data request, a script error, content that waits for a click). Search "
        "engines index what they see, and here they see next to nothing.",
        "Render the content on the server (SSR, static generation) or make the client render it on load "
        "without interaction; check the page's console errors and failed requests."),
       ("Отрисованная страница почти пустая",
        "После выполнения скриптов на странице меньше слов, чем порог: оболочка приложения так и не показала "
        "содержимое (упал запрос данных, ошибка скрипта, контент ждёт клика). Поисковик индексирует то, что "
        "видит, а видит он почти ничего.",
        "Отдавайте содержимое с сервера (SSR, статическая генерация) или показывайте его при загрузке без "
        "действий пользователя; проверьте ошибки консоли и неудачные запросы страницы.")),
    _e("js_content_added", "warning", "page", "js_content_share",
       ("Content mostly added by JavaScript",
        "Most of the page's words exist only after scripts run. Search engines that render see them later "
        "(rendering is queued), and crawlers that do not render (some search engines, social previews, AI "
        "crawlers) never see them.",
        "Serve the main content in the HTML: server-side rendering, static generation or pre-rendering."),
       ("Контент в основном добавлен JavaScript",
        "Большая часть текста страницы появляется только после выполнения скриптов. Поисковики, которые "
        "отрисовывают страницы, увидят его позже (отрисовка идёт в очереди), а роботы без отрисовки "
        "(часть поисковиков, превью в соцсетях, ИИ-краулеры) не увидят вовсе.",
        "Отдавайте основной контент в HTML: серверный рендеринг, статическая генерация или пре-рендеринг.")),
    _e("js_links_only_rendered", "warning", "page", None,
       ("Links only in the rendered page",
        "Some links exist only after scripts run. Search engines find them only when they render the page, "
        "later than links in the HTML, and crawlers that do not render never follow them.",
        "Put navigation and important links in the server's HTML as <a href> elements."),
       ("Ссылки есть только после отрисовки",
        "Часть ссылок появляется только после выполнения скриптов. Поисковики находят их лишь при отрисовке, "
        "позже ссылок из HTML, а роботы без отрисовки не переходят по ним совсем.",
        "Выводите навигацию и важные ссылки в HTML с сервера, обычными элементами <a href>.")),
    _e("js_title_changed", "warning", "page", None,
       ("Title changed by JavaScript",
        "The <title> after rendering differs from the one in the HTML. Search engines may use either, and "
        "previews that read only the HTML show the other one.",
        "Serve the final title in the HTML; let scripts leave it alone."),
       ("Title изменён JavaScript",
        "После отрисовки <title> отличается от title в HTML. Поисковик может взять любой из них, а превью, "
        "которые читают только HTML, покажут другой.",
        "Отдавайте окончательный title в HTML и не меняйте его скриптами.")),
    _e("js_meta_description_changed", "notice", "page", None,
       ("Meta description changed by JavaScript",
        "The meta description after rendering differs from the one in the HTML; snippets and previews may "
        "show either.",
        "Serve the final description in the HTML."),
       ("Meta description изменён JavaScript",
        "После отрисовки meta description отличается от описания в HTML; сниппеты и превью могут показать "
        "любое из них.",
        "Отдавайте окончательное описание в HTML.")),
    _e("js_canonical_changed", "warning", "page", None,
       ("Canonical changed by JavaScript",
        "The canonical URL after rendering differs from the HTML's (added, removed or changed). Search engines "
        "get two conflicting signals and may ignore both.",
        "Serve one canonical in the HTML and do not change it with scripts."),
       ("Canonical изменён JavaScript",
        "После отрисовки canonical отличается от указанного в HTML (добавлен, удалён или изменён). Поисковик "
        "получает противоречивые сигналы и может проигнорировать оба.",
        "Указывайте один canonical в HTML и не меняйте его скриптами.")),
    _e("js_meta_robots_changed", "warning", "page", None,
       ("Meta robots changed by JavaScript",
        "The robots meta tag after rendering differs from the HTML's (index or noindex is the same, other "
        "directives such as nofollow or max-snippet differ). Search engines read the HTML first and may act on "
        "it before rendering.",
        "Serve the final robots directives in the HTML."),
       ("Meta robots изменён JavaScript",
        "После отрисовки meta robots отличается от HTML (index/noindex тот же, но другие директивы, например "
        "nofollow или max-snippet, отличаются). Поисковик сначала читает HTML и может действовать по нему "
        "до отрисовки.",
        "Отдавайте окончательные директивы robots в HTML.")),
    _e("js_noindex_changed", "error", "page", None,
       ("Noindex added or removed by JavaScript",
        "A noindex is in the HTML and not in the rendered page, or the other way round. Google does not render "
        "a page whose HTML says noindex, so a script removing it never runs for Google; a noindex added by "
        "script may keep the page out of the index, or not, depending on the search engine.",
        "Decide whether the page should be indexed and say so in the HTML; never toggle noindex with scripts."),
       ("Noindex добавлен или убран JavaScript",
        "Noindex есть в HTML, но не в отрисованной странице, или наоборот. Google не отрисовывает страницу с "
        "noindex в HTML, поэтому скрипт, убирающий его, для Google не выполнится; noindex, добавленный "
        "скриптом, в зависимости от поисковика может исключить страницу из индекса, а может и нет.",
        "Решите, должна ли страница индексироваться, и укажите это в HTML; не переключайте noindex скриптами.")),
    _e("js_errors", "warning", "page", None,
       ("JavaScript errors on load",
        "Scripts threw uncaught errors or logged errors while the page loaded. Content or links that depend on "
        "them may be missing for search engines as well as for visitors.",
        "Open the browser console on the page and fix the errors listed in the details."),
       ("Ошибки JavaScript при загрузке",
        "Во время загрузки скрипты выбросили необработанные исключения или вывели ошибки в консоль. Зависящие "
        "от них контент и ссылки могут не появиться ни у посетителей, ни у поисковиков.",
        "Откройте консоль браузера на странице и исправьте ошибки, перечисленные в подробностях.")),
    _e("render_resources_blocked", "warning", "page", None,
       ("Resources for rendering blocked by robots.txt",
        "robots.txt disallows scripts, styles or data requests the page loads. Search engines render the page "
        "without them and may see it broken or empty.",
        "Allow the resources the page needs (the details list them) in robots.txt."),
       ("Ресурсы для отрисовки закрыты в robots.txt",
        "robots.txt запрещает скрипты, стили или запросы данных, которые загружает страница. Поисковик "
        "отрисует её без них и может увидеть сломанной или пустой.",
        "Разрешите в robots.txt ресурсы, нужные странице (они перечислены в подробностях).")),
]  # fmt: skip

CATALOGUE: dict[str, IssueType] = {
    entry.code: entry for entry in [*_ENTRIES, *_EXACTNESS_ENTRIES, *_CHECKS_ENTRIES, *_EXTRACTION_ENTRIES, *_RENDERING]
}
CODES: tuple[str, ...] = tuple(CATALOGUE)
PAGE_CODES: tuple[str, ...] = tuple(c for c, e in CATALOGUE.items() if e.scope == "page")
SITE_CODES: tuple[str, ...] = tuple(c for c, e in CATALOGUE.items() if e.scope == "site")
RENDER_CODES: tuple[str, ...] = tuple(e.code for e in _RENDERING)  # only crawls that render raise them


def custom_search(code: str, severity: Severity = "warning") -> IssueType:
    """The entry of a custom search rule's issue: its code is ``custom_search:<rule name>`` (not catalogued:
    the crawl's ``extraction`` settings define it), its title the rule's name, its severity the rule's."""
    name = code.removeprefix(SEARCH_CODE_PREFIX)
    return IssueType(
        code, severity, "page", None,
        f"Custom search: {name}",
        f"The custom search rule \u201c{name}\u201d of this crawl reports the page: it contains what the rule looks "
        "for (a contains rule) or lacks it (a does-not-contain rule).",
        "Change the page, or the rule, as the rule's purpose says.",
        f"Пользовательский поиск: {name}",
        f"Правило пользовательского поиска \u00ab{name}\u00bb отметило страницу: на ней есть то, что правило ищет "
        "(правило «содержит»), или этого нет (правило «не содержит»).",
        "Исправьте страницу или правило, как того требует его назначение.",
    )  # fmt: skip


def lookup(code: str, severity: Severity = "warning") -> IssueType | None:
    """The entry of any stored code: the catalogue's, or a custom search's (with the stored ``severity``)."""
    entry = CATALOGUE.get(code)
    if entry is None and code.startswith(SEARCH_CODE_PREFIX):
        return custom_search(code, severity)
    return entry


def get(code: str) -> IssueType:
    """The catalogue entry of ``code``; ``UnknownIssueCode`` when there is none."""
    try:
        return CATALOGUE[code]
    except KeyError:
        raise UnknownIssueCode(code) from None


def severity_of(code: str) -> Severity:
    """The severity of ``code``."""
    return get(code).severity


def listing(lang: Language = "en", thresholds: Thresholds | None = None) -> list[dict[str, Any]]:
    """Every entry as JSON, most severe first (for the api's catalogue view and the UI)."""
    entries = sorted(CATALOGUE.values(), key=lambda e: (SEVERITY_ORDER[e.severity], e.code))
    return [e.as_dict(lang, thresholds) for e in entries]
