"""How each code's findings read as evidence: a family, and rows of named columns a person reads.

A finding's ``details`` are what its rule saw, in the rule's own shape (``{"links": [...]}``,
``{"length": 72, "title": ...}``). People need them as evidence: for a broken link the target,
its anchor text, its status and how often the page repeats it; for a duplicate the shared value
and the group; for a redirect the chain. ``SPECS`` says, for every catalogue code, which
**family** of evidence it is (the UI draws each family with its own renderer) and how its
details (and a few fields of its page) become **rows** of the columns in ``COLUMNS``. The UI and
the exports both read the rows (``rows_of``), so a finding reads the same on screen and in a
spreadsheet: one row per finding, one column per thing the rule saw.

Every catalogue code needs a spec (tests/unit/test_evidence.py names the missing ones): a new
code picks a family and maps its details onto the columns. Specs of codes on their way (another
branch's checks) may land first; a spec whose code is gone is harmless (``spec_of`` falls back).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

# The families, each drawn by its own renderer (frontend/src/components/evidence/).
Family = Literal["links", "group", "pair", "hreflang", "redirect", "length", "measure", "list", "response", "fact"]
FAMILIES: tuple[str, ...] = Family.__args__  # type: ignore[attr-defined]

# The columns of evidence rows, in the exports' order. A family uses some of them.
COLUMNS: tuple[str, ...] = (
    "target",  # the URL the finding points at: a link target, the other duplicate, an alternate, a canonical
    "anchor",  # a link's anchor text
    "status",  # the HTTP status of the target (or of the page itself)
    "occurrences",  # how many times the page repeats this (links to one target)
    "value",  # the text the rule judged: a title, a description, a heading, a directive, a code
    "length",  # its length in characters
    "measure",  # a number the rule compared with its threshold (ms, bytes, words, levels, count)
    "lang",  # an hreflang language code
    "similarity",  # 0..1, for near duplicates
    "group_size",  # how many pages share the value
    "chain",  # a redirect chain: [{url, status_code}]
    "reason",  # why, in the rule's words: an error message, "missing_return", a crawler's reason
    "field",  # the page field a fact is about (meta_robots, x_robots_tag, in_sitemap, url)
)

# Units of ``measure`` (the UI words them in the reader's language).
Unit = Literal["ms", "bytes", "words", "levels", "count"]

# Page fields the evidence may read beside the details (the api and the exports select these).
PAGE_FIELDS: tuple[str, ...] = (
    "url", "final_url", "status_code", "redirect_chain", "title", "meta_description", "h1", "canonical",
    "meta_robots", "x_robots_tag", "hreflang", "in_sitemap", "content_hash",
)  # fmt: skip

Row = dict[str, Any]
Rows = Callable[[Mapping[str, Any], Mapping[str, Any]], list[Row]]


@dataclass(frozen=True)
class Evidence:
    """How one code's findings read: its ``family``, the ``columns`` its rows fill, and ``rows``."""

    family: Family
    columns: tuple[str, ...]
    rows: Rows = field(repr=False)
    unit: Unit | None = None
    # Findings of a group code are listed group by group: this names the group (see ``group_key``).
    group_by: Literal["value", "content_hash"] | None = None

    def as_dict(self) -> dict[str, Any]:
        """What the api shows of the spec (the UI picks its renderer by ``family``)."""
        return {"family": self.family, "columns": list(self.columns), "unit": self.unit}


def _items(details: Mapping[str, Any], key: str) -> list[Any]:
    value = details.get(key)
    return value if isinstance(value, list) else []


# --- row builders, one per shape of details -------------------------------------------------------


def _link_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    """Links of the page: ``links`` or ``anchors`` (objects with a URL and anchor text) or ``urls``."""
    rows: list[Row] = []
    for key in ("links", "anchors", "targets", "urls"):
        for item in _items(details, key):
            if isinstance(item, str):
                rows.append({"target": item, "anchor": None, "status": None, "occurrences": 1})
            elif isinstance(item, Mapping):
                status = item.get("final_status", item.get("status_code"))
                anchor = item.get("anchor", item.get("text", item.get("rel")))
                rows.append({"target": item.get("url", item.get("href")), "anchor": anchor, "status": status,
                             "occurrences": item.get("occurrences", 1)})  # fmt: skip
    by_type = details.get("by_type")
    if isinstance(by_type, Mapping):  # broken resources, by kind (image, stylesheet, script)
        for kind, items in by_type.items():
            for item in items if isinstance(items, list) else []:
                if isinstance(item, Mapping):
                    rows.append({"target": item.get("url"), "anchor": kind, "status": item.get("status_code"),
                                 "occurrences": 1})  # fmt: skip
    return rows


def _redirect_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    chain = [dict(h) for h in page.get("redirect_chain") or [] if isinstance(h, Mapping)]
    if not chain:  # a stored loop without its chain on the page: the rule's list of URLs
        chain = [{"url": u, "status_code": None} for u in _items(details, "chain") if isinstance(u, str)]
    final = details.get("final_url") or page.get("final_url")
    if final and (not chain or chain[-1].get("url") != final):
        chain.append({"url": final, "status_code": None})  # where it pointed, not fetched (a loop, a limit)
    hops = details.get("hops") or sum(1 for h in chain if 300 <= (h.get("status_code") or 0) < 400) or None
    return [{"chain": chain, "target": final, "status": details.get("status_code") or page.get("status_code"),
             "measure": hops}]  # fmt: skip


def _length_rows(source: str) -> Rows:
    def rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
        value = details.get("title") if source == "title" and details.get("title") else page.get(source)
        length = details.get("length")
        if length is None and isinstance(value, str):
            length = len(value)
        return [{"value": value, "length": length}]

    return rows


def _measure_rows(key: str) -> Rows:
    def rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
        return [{"measure": details.get(key)}]

    return rows


def _sized_rows(key: str) -> Rows:
    """Several things with a size each (``images: [{url, bytes}]``): the URL and its measure."""

    def rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
        return [
            {"target": i.get("url"), "measure": i.get("bytes")} for i in _items(details, key) if isinstance(i, Mapping)
        ]

    return rows


def _values_rows(*keys: str) -> Rows:
    """Values the rule names (a string, or a list of them), each a row; objects read as their text."""

    def rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
        out: list[Row] = []
        for key in keys:
            value = details.get(key)
            for v in value if isinstance(value, list) else [value] if value not in (None, "") else []:
                out.append({"value": _text_of(v), "field": key})
        return out

    return rows


def _text_of(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    if "missing" in value:  # a rich-result item: its type and the properties it lacks
        missing = value.get("missing")
        missing_text = ", ".join(map(str, missing)) if isinstance(missing, list) else missing
        return f"{value.get('type')} ({value.get('feature')}): {missing_text}"
    if "status" in value and "type" in value:  # a retired rich-result type
        return f"{value.get('type')}: {value.get('status')}"
    return "; ".join(f"{k}: {v}" for k, v in value.items())


def _group_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    return [{"value": details.get("value"), "group_size": details.get("count"),
             "target": details.get("example_url") or details.get("duplicate_of_url")}]  # fmt: skip


def _near_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    return [{"target": details.get("duplicate_of_url"), "similarity": details.get("similarity")}]


def _response_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    return [{"status": details.get("status_code", page.get("status_code")), "reason": details.get("error")}]


def _list_rows(key: str, source: str | None = None) -> Rows:
    def rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
        values = _items(details, key) or (list(page.get(source) or []) if source else [])
        return [{"value": v} for v in values]

    return rows


def _fact_rows(*fields: str) -> Rows:
    def rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
        out = [{"field": f, "value": page.get(f)} for f in fields if page.get(f) not in (None, "", [])]
        if details.get("site_wide"):
            out.append({"field": "site_wide", "value": True})
        return out

    return rows


def _canonical_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    reason = details.get("error") or (None if "status_code" in details else "noindex")
    return [{"target": details.get("canonical") or page.get("canonical"), "status": details.get("status_code"),
             "reason": reason}]  # fmt: skip


def _alternates(page: Mapping[str, Any]) -> dict[str, str]:
    return {h["url"]: h["lang"] for h in page.get("hreflang") or [] if isinstance(h, Mapping) and "url" in h}


def _hreflang_missing_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    langs = _alternates(page)
    return [{"target": url, "lang": langs.get(url), "reason": "missing_return"}
            for url in _items(details, "urls") if isinstance(url, str)]  # fmt: skip


def _hreflang_failing_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    return [{"target": t.get("url"), "lang": t.get("lang"), "status": t.get("status_code"), "reason": "target_not_200"}
            for t in _items(details, "targets") if isinstance(t, Mapping)]  # fmt: skip


def _hreflang_invalid_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    urls = {lang: url for url, lang in _alternates(page).items()}
    problems = {p.get("value"): p.get("problem") for p in _items(details, "problems") if isinstance(p, Mapping)}
    return [{"lang": code, "target": urls.get(code), "reason": problems.get(code) or "invalid_code"}
            for code in _items(details, "codes") if isinstance(code, str)]  # fmt: skip


def _hreflang_target_rows(reason: str) -> Rows:
    def rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
        return [{"target": t.get("url"), "lang": t.get("lang"), "status": t.get("status_code"),
                 "reason": t.get("canonical") and f"canonical: {t['canonical']}" or reason}
                for t in _items(details, "targets") if isinstance(t, Mapping)]  # fmt: skip

    return rows


def _hreflang_values_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    """``hreflang_missing_href`` (values), ``hreflang_relative_url`` (links of value and href)."""
    rows: list[Row] = [{"lang": v, "reason": "missing_href"} for v in _items(details, "values") if isinstance(v, str)]
    rows += [{"lang": link.get("value"), "target": link.get("href"), "reason": "relative_url"}
             for link in _items(details, "links") if isinstance(link, Mapping)]  # fmt: skip
    return rows


def _hreflang_duplicate_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    languages = details.get("languages")
    if not isinstance(languages, Mapping):
        return []
    return [{"lang": lang, "target": url, "reason": "duplicate_language"}
            for lang, urls in languages.items() for url in (urls if isinstance(urls, list) else [])]  # fmt: skip


def _hreflang_set_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    """The page's annotations, the set a missing x-default or self-reference is missing from."""
    return [
        {"lang": h.get("lang"), "target": h.get("url")} for h in page.get("hreflang") or [] if isinstance(h, Mapping)
    ]


def _canonical_target_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    """Canonical to a redirect, a blocked URL, another canonical: where it points and what is there."""
    then = details.get("final_url") or details.get("then")
    return [{"target": details.get("canonical") or page.get("canonical"), "status": details.get("status_code"),
             "reason": f"→ {then}" if then else None}]  # fmt: skip


def _https_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    return [{"target": details.get("https_url"), "status": None, "reason": None}]


def _file_response_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    """robots.txt's answer: its status and why it counts as missing or unavailable."""
    reason = details.get("error") or details.get("reason")
    not_fetched = details.get("urls_not_fetched")
    if not_fetched:
        reason = f"{reason or 'unavailable'}; {not_fetched} URLs not fetched"
    return [{"status": details.get("status_code"), "reason": reason}]


def _problem_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    """A file's problems, each with its line (robots.txt, llms.txt)."""
    rows: list[Row] = []
    for p in _items(details, "problems"):
        if isinstance(p, Mapping):
            text = f" {p['text']}" if p.get("text") else ""
            rows.append({"value": f"line {p.get('line')}:{text} — {p.get('message')}", "field": None})
    return rows


def _sitemap_line_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    """``Sitemap:`` lines of robots.txt: as written (invalid ones) or with what their URL answered."""
    rows: list[Row] = []
    for s in _items(details, "sitemaps"):
        if isinstance(s, Mapping):
            rows.append({"target": s.get("url") or s.get("value"), "anchor": None,
                         "status": s.get("status_code"), "occurrences": 1})  # fmt: skip
    return rows


def _sitemap_file_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    """Sitemap files that could not be read, each with why."""
    return [
        {"value": f"{s.get('url')}: {s.get('error')}", "field": s.get("found_in")}
        for s in _items(details, "sitemaps")
        if isinstance(s, Mapping)
    ]


def _rule_reason_rows(details: Mapping[str, Any], page: Mapping[str, Any]) -> list[Row]:
    """Custom extraction rules that fell short on the page, each with why."""
    rules = [r for r in _items(details, "rules") if isinstance(r, Mapping)]
    return [{"value": f"{r.get('rule')}: {r.get('reason')}", "field": "extraction_errors"} for r in rules]


_LINKS = ("target", "anchor", "status", "occurrences")
_REDIRECT = ("chain", "target", "status", "measure")
_LENGTH = ("value", "length")
_GROUP = ("value", "group_size", "target")
_HREFLANG = ("lang", "target", "status", "reason")
_FACT = ("field", "value")


def _e(family: Family, columns: tuple[str, ...], rows: Rows, **kw: Any) -> Evidence:
    return Evidence(family, columns, rows, **kw)


SPECS: dict[str, Evidence] = {
    # responses and redirects
    "status_3xx": _e("redirect", _REDIRECT, _redirect_rows),
    "status_4xx": _e("response", ("status", "reason"), _response_rows),
    "status_5xx": _e("response", ("status", "reason"), _response_rows),
    "fetch_failed": _e("response", ("status", "reason"), _response_rows),
    "slow_response": _e("measure", ("measure",), _measure_rows("ttfb_ms"), unit="ms"),
    "redirect_chain": _e("redirect", _REDIRECT, _redirect_rows),
    "redirect_loop": _e("redirect", _REDIRECT, _redirect_rows),
    # links
    "link_to_redirect": _e("links", _LINKS, _link_rows),
    "broken_internal_link": _e("links", _LINKS, _link_rows),
    # titles, descriptions, headings
    "title_missing": _e("fact", _FACT, _fact_rows()),
    "title_too_short": _e("length", _LENGTH, _length_rows("title")),
    "title_too_long": _e("length", _LENGTH, _length_rows("title")),
    "title_duplicate": _e("group", _GROUP, _group_rows, group_by="value"),
    "title_multiple": _e("measure", ("measure",), _measure_rows("count"), unit="count"),
    "meta_description_missing": _e("fact", _FACT, _fact_rows()),
    "meta_description_too_short": _e("length", _LENGTH, _length_rows("meta_description")),
    "meta_description_too_long": _e("length", _LENGTH, _length_rows("meta_description")),
    "meta_description_duplicate": _e("group", _GROUP, _group_rows, group_by="value"),
    "h1_missing": _e("fact", _FACT, _fact_rows()),
    "h1_multiple": _e("list", ("value",), _list_rows("h1", "h1")),
    "h1_duplicate": _e("group", _GROUP, _group_rows, group_by="value"),
    # canonicals and directives
    "canonical_missing": _e("fact", _FACT, _fact_rows()),
    "canonical_to_non_200": _e("pair", ("target", "status", "reason"), _canonical_rows),
    "canonical_to_non_indexable": _e("pair", ("target", "status", "reason"), _canonical_rows),
    "canonical_multiple": _e("list", ("value",), _list_rows("canonicals")),
    "canonical_invalid": _e("list", ("value", "field"), _values_rows("href")),
    "canonical_relative": _e("list", ("value", "field"), _values_rows("href", "canonical")),
    "canonical_header_mismatch": _e("list", ("value", "field"), _values_rows("head", "header")),
    "canonical_outside_head": _e("list", ("value", "field"), _values_rows("hrefs")),
    "canonical_to_homepage": _e("pair", ("target", "status", "reason"), _canonical_target_rows),
    "canonical_to_hreflang_alternate": _e("pair", ("target", "status", "reason"), _canonical_target_rows),
    "canonical_to_redirect": _e("pair", ("target", "status", "reason"), _canonical_target_rows),
    "canonical_to_blocked": _e("pair", ("target", "status", "reason"), _canonical_target_rows),
    "canonical_chain": _e("pair", ("target", "status", "reason"), _canonical_target_rows),
    "noindex": _e("fact", _FACT, _fact_rows("meta_robots", "x_robots_tag")),
    "nofollow_page": _e("fact", _FACT, _fact_rows("meta_robots", "x_robots_tag")),
    "blocked_by_robots": _e("fact", _FACT, _fact_rows()),
    # hreflang
    "hreflang_missing_return": _e("hreflang", _HREFLANG, _hreflang_missing_rows),
    "hreflang_to_non_200": _e("hreflang", _HREFLANG, _hreflang_failing_rows),
    "hreflang_invalid_code": _e("hreflang", _HREFLANG, _hreflang_invalid_rows),
    "hreflang_to_noindex": _e("hreflang", _HREFLANG, _hreflang_target_rows("noindex")),
    "hreflang_to_non_canonical": _e("hreflang", _HREFLANG, _hreflang_target_rows("non_canonical")),
    "hreflang_missing_href": _e("hreflang", _HREFLANG, _hreflang_values_rows),
    "hreflang_relative_url": _e("hreflang", _HREFLANG, _hreflang_values_rows),
    "hreflang_duplicate_language": _e("hreflang", _HREFLANG, _hreflang_duplicate_rows),
    "hreflang_missing_x_default": _e("hreflang", _HREFLANG, _hreflang_set_rows),
    "hreflang_missing_self_reference": _e("hreflang", _HREFLANG, _hreflang_set_rows),
    "hreflang_outside_head": _e("measure", ("measure",), _measure_rows("count"), unit="count"),
    "html_lang_missing": _e("fact", _FACT, _fact_rows()),
    # content
    "thin_content": _e("measure", ("measure",), _measure_rows("word_count"), unit="words"),
    "duplicate_content": _e("group", _GROUP, _group_rows, group_by="content_hash"),
    "near_duplicate_content": _e("pair", ("target", "similarity"), _near_rows),
    "image_missing_alt": _e("measure", ("measure",), _measure_rows("count"), unit="count"),
    # structure
    "orphan_page": _e("fact", _FACT, _fact_rows("in_sitemap")),
    "sitemap_noindex": _e("fact", _FACT, _fact_rows("meta_robots", "x_robots_tag")),
    "sitemap_non_200": _e("response", ("status", "reason"), _response_rows),
    "deep_page": _e("measure", ("measure",), _measure_rows("depth"), unit="levels"),
    "dead_end_page": _e("fact", _FACT, _fact_rows()),
    "viewport_missing": _e("fact", _FACT, _fact_rows()),
    "http_page": _e("fact", _FACT, _fact_rows()),
    "mixed_content": _e("measure", ("measure",), _measure_rows("count"), unit="count"),
    "url_uppercase": _e("fact", _FACT, _fact_rows("url")),
    "url_underscore": _e("fact", _FACT, _fact_rows("url")),
    "url_too_long": _e("length", _LENGTH, _length_rows("url")),
    "large_page": _e("measure", ("measure",), _measure_rows("size_bytes"), unit="bytes"),
    "low_link_score": _e("measure", ("measure",), _measure_rows("link_score"), unit="count"),
    # issue 13's check families (shared/audit/rules)
    "soft_404": _e("list", ("value", "field"), _values_rows("signal")),
    "lorem_ipsum": _e("fact", _FACT, _fact_rows()),
    "empty_page": _e("fact", _FACT, _fact_rows()),
    "html_lang_invalid": _e("list", ("value", "field"), _values_rows("lang")),
    "charset_missing": _e("list", ("value", "field"), _values_rows("detected")),
    "doctype_missing": _e("fact", _FACT, _fact_rows()),
    "meta_refresh": _e("list", ("value", "field"), _values_rows("content")),
    "open_graph_missing": _e("list", ("value", "field"), _values_rows("missing")),
    "twitter_card_missing": _e("fact", _FACT, _fact_rows()),
    "viewport_zoom_disabled": _e("list", ("value", "field"), _values_rows("viewport")),
    "title_site_name_only": _e("length", _LENGTH, _length_rows("title")),
    "redirect_temporary": _e("redirect", _REDIRECT, _redirect_rows),
    "url_space": _e("fact", _FACT, _fact_rows("url")),
    "url_double_slash": _e("fact", _FACT, _fact_rows("url")),
    "url_session_id": _e("list", ("value", "field"), _values_rows("parameters")),
    "url_too_many_params": _e("measure", ("measure",), _measure_rows("count"), unit="count"),
    "link_not_crawlable": _e("links", _LINKS, _link_rows),
    "link_href_empty": _e("links", _LINKS, _link_rows),
    "link_href_not_encoded": _e("links", _LINKS, _link_rows),
    "link_text_non_descriptive": _e("links", _LINKS, _link_rows),
    "link_text_empty": _e("links", _LINKS, _link_rows),
    "link_internal_nofollow": _e("links", _LINKS, _link_rows),
    "link_to_http": _e("links", _LINKS, _link_rows),
    "links_too_many": _e("measure", ("measure",), _measure_rows("count"), unit="count"),
    "image_missing_dimensions": _e("list", ("value", "field"), _values_rows("urls")),
    "render_blocking_script": _e("list", ("value", "field"), _values_rows("urls")),
    "favicon_missing": _e("response", ("status", "reason"), _response_rows),
    "image_too_large": _e("measure", ("target", "measure"), _sized_rows("images"), unit="bytes"),
    "page_weight_too_large": _e("measure", ("measure",), _measure_rows("bytes"), unit="bytes"),
    "resource_broken": _e("links", _LINKS, _link_rows),
    "external_link_broken": _e("links", _LINKS, _link_rows),
    "external_link_redirect": _e("links", _LINKS, _link_rows),
    "pagination_broken": _e("links", _LINKS, _link_rows),
    "http_no_https_redirect": _e("pair", ("target", "status", "reason"), _https_rows),
    "hsts_missing": _e("list", ("value", "field"), _values_rows("header")),
    "cookie_not_secure": _e("list", ("value", "field"), _values_rows("cookies")),
    "form_insecure_action": _e("list", ("value", "field"), _values_rows("actions")),
    "x_content_type_options_missing": _e("list", ("value", "field"), _values_rows("value")),
    "x_frame_options_missing": _e("fact", _FACT, _fact_rows()),
    "structured_data_invalid_json": _e("list", ("value", "field"), _values_rows("errors")),
    "structured_data_unknown_type": _e("list", ("value", "field"), _values_rows("types")),
    "rich_result_missing_required": _e("list", ("value", "field"), _values_rows("items")),
    "rich_result_missing_recommended": _e("list", ("value", "field"), _values_rows("items")),
    "rich_result_retired": _e("list", ("value", "field"), _values_rows("items")),
    # robots.txt, llms.txt and internal search (issue 13)
    "robots_txt_missing": _e("response", ("status", "reason"), _file_response_rows),
    "robots_txt_unavailable": _e("response", ("status", "reason"), _file_response_rows),
    "robots_txt_invalid": _e("list", ("value", "field"), _problem_rows),
    "robots_txt_sitemap_invalid": _e("links", _LINKS, _sitemap_line_rows),
    "robots_txt_sitemap_unreachable": _e("links", _LINKS, _sitemap_line_rows),
    "robots_txt_too_large": _e("measure", ("measure",), _measure_rows("size_bytes"), unit="bytes"),
    "sitemap_unreadable": _e("list", ("value", "field"), _sitemap_file_rows),
    "llms_txt_invalid": _e("list", ("value", "field"), _problem_rows),
    "search_page_indexable": _e("fact", _FACT, _fact_rows("url")),
    # custom extraction (issue 18)
    "extraction_failed": _e("list", ("value", "field"), _rule_reason_rows),
    # rendering (issue 17): what scripts changed, raw beside rendered
    "render_failed": _e("response", ("status", "reason"), _response_rows),
    "render_blank_page": _e("measure", ("measure",), _measure_rows("word_count"), unit="words"),
    "js_content_added": _e("measure", ("measure",), _measure_rows("word_count"), unit="words"),
    "js_links_only_rendered": _e("links", _LINKS, _link_rows),
    "js_title_changed": _e("list", ("value", "field"), _values_rows("raw", "rendered")),
    "js_meta_description_changed": _e("list", ("value", "field"), _values_rows("raw", "rendered")),
    "js_canonical_changed": _e("list", ("value", "field"), _values_rows("raw", "rendered")),
    "js_meta_robots_changed": _e("list", ("value", "field"), _values_rows("raw", "rendered")),
    "js_noindex_changed": _e("list", ("value", "field"), _values_rows("raw", "rendered", "change")),
    "js_errors": _e("list", ("value", "field"), _values_rows("errors")),
    "render_resources_blocked": _e("links", _LINKS, _link_rows),
}

# What a code nobody described yet (a finding stored by a newer or older rule set) reads as.
_UNKNOWN = Evidence("list", ("value",), lambda details, page: [{"value": f"{k}: {v}"} for k, v in details.items()])


def spec_of(code: str) -> Evidence:
    """The evidence spec of ``code`` (a generic list for a code the catalogue no longer has)."""
    return SPECS.get(code, _UNKNOWN)


def rows_of(code: str, details: Mapping[str, Any] | None, page: Mapping[str, Any] | None = None) -> list[Row]:
    """The evidence rows of one finding: ``details`` as its rule stored them, ``page`` its page's fields.

    Every row has the spec's columns (missing values are None). A finding whose details hold
    nothing to show (``title_missing``: the page is the evidence) has no rows.
    """
    spec = spec_of(code)
    try:
        produced = spec.rows(details or {}, page or {})
    except (AttributeError, KeyError, TypeError, ValueError):  # details of an unexpected shape: still readable
        produced = _UNKNOWN.rows(details or {}, page or {})
        return [{c: r.get(c) for c in _UNKNOWN.columns} for r in produced]
    return [{c: row.get(c) for c in spec.columns} for row in produced]


def group_key(code: str, details: Mapping[str, Any] | None, page: Mapping[str, Any] | None = None) -> str:
    """The group a finding of a group code belongs to ("" for other codes): findings are listed by it."""
    spec = spec_of(code)
    if spec.group_by == "value":
        return str((details or {}).get("value") or "")
    if spec.group_by == "content_hash":
        return str((page or {}).get("content_hash") or "")
    return ""


def chain_text(chain: Any) -> str:
    """A redirect chain as one line of text (exports): ``url (301) → url (200)``."""
    if not isinstance(chain, list):
        return ""
    return " → ".join(
        f"{h.get('url')} ({h.get('status_code')})" if h.get("status_code") else str(h.get("url"))
        for h in chain
        if isinstance(h, Mapping)
    )
