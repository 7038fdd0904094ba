"""What an alert says, in English or Russian: a subject, a plain-text body and an HTML body.

Everything that came from a crawled site (URLs, titles, robots.txt lines) is hostile text: the
HTML body escapes every value, and every body is capped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

MAX_LINES = 20
MAX_VALUE = 300
MAX_DIFF_LINES = 60


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class AlertView:
    """An alert as a message needs it."""

    site_name: str
    site_origin: str
    kind: str
    params: dict[str, Any]
    evidence: dict[str, Any]
    link: str | None  # absolute URL of the comparison (or the crawl) in the UI


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """Russian plural of a count: 1 страница, 2 страницы, 5 страниц (11-14 take ``many``)."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _pages(n: int, lang: str) -> str:
    if lang == "ru":
        return f"{n} {plural_ru(n, 'страница', 'страницы', 'страниц')}"
    return f"{n} page" + ("" if n == 1 else "s")


def _issues(n: int, lang: str) -> str:
    if lang == "ru":
        return f"{n} {plural_ru(n, 'новая проблема', 'новые проблемы', 'новых проблем')}"
    return f"{n} new issue" + ("" if n == 1 else "s")


_FIELD_RU = {"canonical": "canonical", "title": "title", "meta_description": "meta description"}


def title(view: AlertView, lang: str) -> str:
    """One line: what happened to which site."""
    e, p, site = view.evidence, view.params, view.site_name
    n = int(e.get("count") or 0)
    ru = lang == "ru"
    match view.kind:
        case "crawl_failed":
            reason = _cut(str(e.get("error") or ""))
            return f"Сканирование {site} не удалось: {reason}" if ru else f"Crawl of {site} failed: {reason}"
        case "health_drop":
            before, after = e.get("before"), e.get("after")
            drop = round(float(before or 0) - float(after or 0), 1)
            if ru:
                return f"Здоровье {site} упало на {drop:g} п.: {before} → {after}"
            return f"Health of {site} fell by {drop:g} points: {before} → {after}"
        case "new_issues":
            severity = p.get("severity", "error")
            if ru:
                level = {"error": "ошибки", "warning": "предупреждения и хуже", "notice": "любой важности"}[severity]
                return f"{site}: {_issues(n, lang)} ({level})"
            level = {"error": "errors", "warning": "warnings or worse", "notice": "any severity"}[severity]
            return f"{site}: {_issues(n, lang)} ({level})"
        case "issue_count_up":
            code, before, after = p.get("code"), e.get("before"), e.get("after")
            return f"{site}: {code} {before} → {after}"
        case "pages_broken":
            if ru:
                return f"{site}: {_pages(n, lang)} перестали отвечать 200"
            return f"{site}: {_pages(n, lang)} stopped answering 200"
        case "pages_noindexed":
            return f"{site}: {_pages(n, lang)} " + ("больше не индексируются" if ru else "became non-indexable")
        case "field_changed":
            field = str(p.get("field"))
            if ru:
                return f"{site}: {_FIELD_RU.get(field, field)} изменился на {n} стр."
            return f"{site}: {field.replace('_', ' ')} changed on {_pages(n, lang)}"
        case "pages_removed":
            return f"{site}: {_pages(n, lang)} " + ("пропали из сканирования" if ru else "gone from the crawl")
        case "robots_changed":
            return f"{site}: robots.txt " + ("изменился" if ru else "changed")
        case "sitemap_changed":
            before, after = e.get("before"), e.get("after")
            what = "URL в sitemap" if ru else "sitemap URLs"
            return f"{site}: {what} {before} → {after} ({e.get('percent', 0):+g} %)"
        case "watch_urls":
            if ru:
                return f"{site}: изменились отслеживаемые URL ({n})"
            return f"{site}: {n} watched URL" + ("" if n == 1 else "s") + " changed"
        case "test":
            return "Тестовое сообщение SEO crawler" if ru else "SEO crawler test message"
    return f"{site}: {view.kind}"


def _cut(value: str, limit: int = MAX_VALUE) -> str:
    value = " ".join(value.split()) if "\n" not in value else value
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return _cut(", ".join(str(v) for v in value)) or "—"
    return _cut(str(value)) or "—"


def _lines(view: AlertView) -> list[str]:
    """The evidence as lines: ``url: before → after`` (capped)."""
    out = []
    for item in (view.evidence.get("items") or [])[:MAX_LINES]:
        url = _cut(str(item.get("url", "")))
        if "before" in item or "after" in item:
            change = f"{_show(item.get('before'))} → {_show(item.get('after'))}"
            label = f" [{item['field']}]" if item.get("field") else ""
            out.append(f"{url}{label}: {change}")
        elif item.get("code"):
            out.append(f"{url}: {item['code']}")
        else:
            out.append(url)
    return out


def render(view: AlertView, lang: str) -> Message:
    """Subject, text and HTML of an alert in ``lang`` (``en`` or ``ru``)."""
    ru = lang == "ru"
    head = title(view, lang)
    lines = _lines(view)
    more = int(view.evidence.get("count") or 0) - len(lines)
    diff = str(view.evidence.get("diff") or "")
    diff_lines = diff.splitlines()[:MAX_DIFF_LINES]
    text = [head, "", f"{'Сайт' if ru else 'Site'}: {view.site_name} ({view.site_origin})"]
    if lines:
        text += ["", *lines]
    if more > 0 and lines:
        text.append(f"… {'и ещё' if ru else 'and'} {more} {'' if ru else 'more'}".rstrip())
    if diff_lines:
        text += ["", *diff_lines]
    if view.link:
        text += ["", f"{'Полное сравнение' if ru else 'Full comparison'}: {view.link}"]
    esc = html.escape
    body = [f"<h2>{esc(head)}</h2>", f"<p>{esc(view.site_name)} ({esc(view.site_origin)})</p>"]
    if lines:
        body.append("<ul>" + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul>")
    if more > 0 and lines:
        body.append(f"<p>… {esc('и ещё' if ru else 'and')} {more} {esc('' if ru else 'more')}</p>")
    if diff_lines:
        body.append("<pre>" + esc("\n".join(diff_lines)) + "</pre>")
    if view.link:
        label = "Полное сравнение" if ru else "Full comparison"
        body.append(f'<p><a href="{esc(view.link, quote=True)}">{esc(label)}</a></p>')
    return Message(subject=head, text="\n".join(text), html="\n".join(body))


def test_view(channel_name: str) -> AlertView:
    """The "send test message" alert: it says which channel it came through."""
    return AlertView(
        site_name=channel_name, site_origin="-", kind="test", params={},
        evidence={"items": [{"url": "https://example.com/", "before": 200, "after": 200}], "count": 1}, link=None,
    )  # fmt: skip
