"""hreflang values as Google reads them: ISO 639-1 language, optional ISO 15924 script, optional
ISO 3166-1 alpha-2 region, or ``x-default``.

Google: "The value of the hreflang attribute identifies the language (in ISO 639-1 format) and
optionally a region (in ISO 3166-1 Alpha 2 format) of an alternate URL"; script variants such as
``zh-Hant`` are supported (developers.google.com/search/docs/specialty/international/
localized-versions). Matching is case-insensitive (``en-gb`` = ``en-GB``). Stricter than
Lighthouse's hreflang audit, which looks only at the language part and accepts any IANA subtag
(``en-UK``, ``eng`` and ``iw`` pass there, and fail here); docs/AUDIT.md lists the differences.

The code lists are Debian's ``iso-codes`` 4.15 (iso_639-2.json entries with an alpha_2,
iso_3166-1.json, iso_15924.json), copied here so that nothing is read at run time.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import asyncpg

from shared.audit import catalogue, queries
from shared.model.pages import PageRecord

# ISO 639-1: the 184 two-letter language codes.
LANGUAGES = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz
    ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io
    is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr
    ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si
    sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh
    yi yo za zh zu""".split()  # noqa: SIM905
)
# ISO 3166-1 alpha-2: the 249 assigned region codes (not UK, EU or UN M.49 numbers such as 419).
REGIONS = frozenset(
    """ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq br bs bt bv bw
    by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh er es et fi fj
    fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq
    ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh
    mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl
    pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st sv sx sy sz tc td
    tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw""".split()  # noqa: SIM905
)
# ISO 15924: the 182 four-letter script codes.
SCRIPTS = frozenset(
    """adlm afak aghb ahom arab aran armi armn avst bali bamu bass batk beng bhks blis bopo brah brai bugi buhd
    cakm cans cari cham cher cirt copt cprt cyrl cyrs deva dsrt dupl egyd egyh egyp elba ethi geok geor glag goth
    gran grek gujr guru hanb hang hani hano hans hant hatr hebr hira hluw hmng hrkt hung inds ital jamo java jpan
    jurc kali kana khar khmr khoj kitl kits knda kore kpel kthi lana laoo latf latg latn leke lepc limb lina linb
    lisu loma lyci lydi mahj mand mani marc maya mend merc mero mlym modi mong moon mroo mtei mult mymr narb nbat
    newa nkgb nkoo nshu ogam olck orkh orya osge osma palm pauc perm phag phli phlp phlv phnx piqd plrd prti qaaa
    qabx rjng roro runr samr sara sarb saur sgnw shaw shrd sidd sind sinh sora sund sylo syrc syre syrj syrn tagb
    takr tale talu taml tang tavt telu teng tfng tglg thaa thai tibt tirh ugar vaii visp wara wole xpeo xsux yiii
    zinh zmth zsye zsym zxxx zyyy zzzz""".split()  # noqa: SIM905
)
# Frequent mistakes, named in the report with the code meant.
_HINTS = {"en-uk": "en-GB", "jp": "ja", "cz": "cs", "dk": "da", "gr": "el", "ua": "uk", "cn": "zh", "iw": "he",
          "ji": "yi", "eng": "en", "rus": "ru", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr",
          "spa": "es"}  # fmt: skip


def problem(value: str) -> str | None:
    """Why ``value`` is not a valid hreflang value, or None when it is."""
    if value != value.strip():
        return "leading or trailing spaces"
    if not value:
        return "empty"
    lowered = value.lower()
    if lowered == "x-default":
        return None
    if "_" in value:
        return "underscore instead of a hyphen"
    parts = lowered.split("-")
    language, rest = parts[0], parts[1:]
    if language not in LANGUAGES:
        hint = _HINTS.get(language)
        if len(language) == 3:
            return "not an ISO 639-1 code (Google reads two-letter languages)" + (f"; use {hint}" if hint else "")
        if language in REGIONS:
            return "a region is not a language" + (f"; the language is {hint}" if hint else "")
        return "unknown language" + (f"; use {hint}" if hint else "")
    if rest and len(rest[0]) == 4:
        if rest[0] not in SCRIPTS:
            return "unknown script"
        rest = rest[1:]
    if len(rest) > 1:
        return "too many parts (language, script, region at most)"
    if rest and rest[0] not in REGIONS:
        hint = _HINTS.get(lowered)
        return "unknown region" + (f"; did you mean {hint}" if hint else "")
    return None


def normalised(value: str) -> str:
    """A valid value in its usual spelling (``en-gb`` -> ``en-GB``, ``zh-hant`` -> ``zh-Hant``)."""
    parts = value.strip().split("-")
    if parts[0].lower() == "x" and len(parts) == 2:
        return "x-default"
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 else part.upper())
    return "-".join(out)


def language_of(value: str) -> str:
    """The language part of a value, lower-cased (``x-default`` for the fallback)."""
    lowered = value.strip().lower()
    return lowered if lowered == "x-default" else lowered.split("-")[0]


# --- rules ---------------------------------------------------------------------------------------

MAX_DETAIL_ITEMS = 10


def _issue(page_id: int, code: str, **details: Any) -> dict[str, Any]:
    return {"page_id": page_id, "code": code, "severity": catalogue.severity_of(code), "details": details}


def _relative(href: str) -> bool:
    try:
        return not urlsplit(href).scheme
    except ValueError:
        return False


def page_rules(page: PageRecord) -> list[dict[str, Any]]:
    """hreflang issues of one HTML page that answered 200 (annotations in <head> and Link headers)."""
    out: list[dict[str, Any]] = []
    if page.hreflang_outside_head:
        out.append(_issue(page.id, "hreflang_outside_head", count=page.hreflang_outside_head))
    if not page.hreflang:
        return out
    invalid = [{"value": h.lang, "problem": problem(h.lang)} for h in page.hreflang if problem(h.lang)]
    if invalid:
        out.append(_issue(page.id, "hreflang_invalid_code", codes=sorted({i["value"] for i in invalid}),
                          problems=invalid[:MAX_DETAIL_ITEMS]))  # fmt: skip
    missing = [h.lang for h in page.hreflang if not h.href or not h.url]
    if missing:
        out.append(_issue(page.id, "hreflang_missing_href", values=missing[:MAX_DETAIL_ITEMS], count=len(missing)))
    relative = [{"value": h.lang, "href": h.href} for h in page.hreflang if h.href and h.url and _relative(h.href)]
    if relative:
        out.append(_issue(page.id, "hreflang_relative_url", links=relative[:MAX_DETAIL_ITEMS], count=len(relative)))
    usable = [h for h in page.hreflang if h.url and not problem(h.lang)]
    if not usable:
        return out
    if not any(language_of(h.lang) == "x-default" for h in usable):
        out.append(_issue(page.id, "hreflang_missing_x_default"))
    own = {page.url, page.final_url}
    if not any(h.url in own for h in usable):
        out.append(_issue(page.id, "hreflang_missing_self_reference"))
    urls_of: dict[str, set[str]] = {}
    for h in usable:
        urls_of.setdefault(normalised(h.lang), set()).add(h.url)
    clashes = {value: sorted(urls)[:MAX_DETAIL_ITEMS] for value, urls in sorted(urls_of.items()) if len(urls) > 1}
    if clashes:
        out.append(_issue(page.id, "hreflang_duplicate_language", languages=dict(list(clashes.items())[:10])))
    return out


# Each alternate of a content page (not itself) that was crawled: what it answered, whether it links back.
_ALTERNATES = f"""
WITH alt AS (
    SELECT s.id AS source_id, s.url AS source_url, h->>'url' AS target_url, h->>'lang' AS lang
    FROM pages s CROSS JOIN LATERAL jsonb_array_elements(s.hreflang) h
    WHERE s.crawl_id = $1 AND {queries.content("s")} AND s.hreflang <> '[]'::jsonb AND h->>'url' <> ''
)
SELECT a.source_id, a.target_url, a.lang, t.status_code, {queries.content("t")} AS ok,
       {queries.robots_columns("t")}, t.canonical AS target_canonical,
       EXISTS (SELECT 1 FROM jsonb_array_elements(t.hreflang) b WHERE b->>'url' = a.source_url) AS returns
FROM alt a JOIN pages t ON t.crawl_id = $1 AND t.url = a.target_url
WHERE a.target_url <> a.source_url AND NOT t.blocked_by_robots
ORDER BY a.source_id
"""


async def site_rules(conn: asyncpg.Connection, crawl_id: Any) -> list[dict[str, Any]]:
    """``hreflang_to_non_200``, ``hreflang_to_noindex``, ``hreflang_to_non_canonical`` and
    ``hreflang_missing_return``, one issue per source page and code (alternates that were crawled)."""
    found: dict[str, dict[int, list[dict[str, Any]]]] = {}

    def add(code: str, page_id: int, item: dict[str, Any]) -> None:
        found.setdefault(code, {}).setdefault(page_id, []).append(item)

    async for row in queries.stream(conn, _ALTERNATES, crawl_id):
        item = {"url": row["target_url"], "lang": row["lang"]}
        if not row["ok"]:
            add("hreflang_to_non_200", row["source_id"], {**item, "status_code": row["status_code"]})
        elif queries.says_noindex(row):
            add("hreflang_to_noindex", row["source_id"], item)
        elif row["target_canonical"] and row["target_canonical"] != row["target_url"]:
            add("hreflang_to_non_canonical", row["source_id"], {**item, "canonical": row["target_canonical"]})
        elif not row["returns"]:
            add("hreflang_missing_return", row["source_id"], item)
    out: list[dict[str, Any]] = []
    for code, pages in found.items():
        for page_id, items in pages.items():
            if code == "hreflang_missing_return":  # details as before: the URLs without a return link
                out.append(_issue(page_id, code, urls=[i["url"] for i in items][:MAX_DETAIL_ITEMS], count=len(items)))
            else:
                out.append(_issue(page_id, code, targets=items[:MAX_DETAIL_ITEMS], count=len(items)))
    return out
