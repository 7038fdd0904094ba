"""Defect-site pages for the exactness checks of issue 13 (canonicals, hreflang, robots.txt, ...).

Called by ``defects.build``; each page is clean except for the defect its codes name. Kept in its
own module so that the engineers adding check families do not edit the same lines.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.sites.server import Site

Page = Callable[..., None]


# Codes a site can show only once (its one robots.txt answers 4xx or 5xx): checked on sites of their
# own (``robots_variants``), not on the defect site.
ELSEWHERE = frozenset({"robots_txt_missing", "robots_txt_unavailable"})


def build(site: Site, page: Page, expected: dict[str, set[str]], home_links: list[str]) -> None:
    """Add the pages (and their expected codes) to the defect site."""
    _canonicals(site, page, expected, home_links)
    _hreflang(site, page, expected, home_links)
    _site_files(site, expected)
    _search_pages(page)
    # unavailable_after in the past makes a page noindex (Google drops it then); a future date does not.
    page("/unavailable-after", {"noindex"}, robots="unavailable_after: 25 Jun 2010 15:00:00 GMT")
    page("/unavailable-later", set(), robots="unavailable_after: 2099-01-01T00:00:00Z")


def robots_txt(site: Site) -> str:
    """The defect site's robots.txt: the rules the site needs, then one of each defect.

    A typo Google still reads (``Disalow``), a relative and an unreachable ``Sitemap:`` line, one that
    answers with a broken sitemap, GPTBot
    shut out (the AI crawler report), and padding past 500 KiB (only the head is read).
    """
    rules = (
        f"User-agent: *\nDisallow: /private/\nDisalow: /typo-rule\nSitemap: {site.url('/sitemap.xml')}\n"
        f"Sitemap: /relative-sitemap.xml\nSitemap: {site.url('/missing-sitemap.xml')}\n"
        f"Sitemap: {site.url('/broken-sitemap.xml')}\n\n"
        "User-agent: GPTBot\nDisallow: /\n\n"
    )
    padding = "# " + "-" * 97 + "\n"  # 100 bytes a line
    return rules + padding * 5200


def _site_files(site: Site, expected: dict[str, set[str]]) -> None:
    # Replaces the robots.txt defects.build set: the same rules plus the robots.txt defects.
    site.page("/robots.txt", robots_txt(site), content_type="text/plain")
    # A sitemap that answers 200 and is not well-formed XML (an unclosed <loc>): read, refused, reported.
    site.page("/broken-sitemap.xml", "<urlset><url><loc>" + site.url("/clean-1"), content_type="application/xml")
    # An llms.txt without its H1 title, and a section line that is no link list item.
    site.page("/llms.txt", "Tea shop\n\n## Guides\nSee the guides.\n- [Brewing](/brewing)\n",
              content_type="text/plain; charset=utf-8")  # fmt: skip
    expected.setdefault("/", set()).update(
        {"robots_txt_invalid", "robots_txt_sitemap_invalid", "robots_txt_sitemap_unreachable",
         "robots_txt_too_large", "llms_txt_invalid", "sitemap_unreadable"}
    )  # fmt: skip


def _canonicals(site: Site, page: Page, expected: dict[str, set[str]], home_links: list[str]) -> None:
    # The Python docs' mistake: a file:// canonical. Invalid, so ignored: the page stays indexable.
    page("/canonical-invalid", {"canonical_invalid"}, canonical="file:///usr/share/doc/tea/index.html")
    page("/canonical-relative", {"canonical_relative"}, canonical="rel:/canonical-relative")
    page(
        "/canonical-header-mismatch",
        {"canonical_header_mismatch"},
        headers={"Link": f'<{site.url("/clean-1")}>; rel="canonical"'},
    )
    # Outside <head>: in <body>, and in <head> after an <img>, where the HTML parser ends the head.
    # Both are ignored (the pages stay indexable and are not canonicalised elsewhere).
    page(
        "/canonical-in-body",
        {"canonical_outside_head"},
        body_extra=f'<link rel="canonical" href="{site.url("/clean-2")}">',
    )
    page(
        "/canonical-after-img",
        {"canonical_outside_head"},
        head_extra='<img src="/pic.png" alt="Tea leaf" width="8" height="8">'
        f'<link rel="canonical" href="{site.url("/clean-2")}">',
    )
    page("/canonical-to-home", {"canonical_to_homepage"}, canonical="/")
    page("/canonical-to-blocked", {"canonical_to_blocked"}, canonical="/private/canonical-target")
    expected["/private/canonical-target"] = {"blocked_by_robots"}
    page("/canonical-chain", {"canonical_chain"}, canonical="/canonical-chain-middle")
    page("/canonical-chain-middle", set(), linked=False, canonical="/clean-3")
    # A language version canonicalised to its alternate; the alternate, in turn, names a non-canonical URL.
    pair = [
        ("en", "/canonical-to-alternate"),
        ("de", "/canonical-alternate-de"),
        ("x-default", "/canonical-to-alternate"),
    ]
    page(
        "/canonical-to-alternate",
        {"canonical_to_hreflang_alternate"},
        hreflang=pair,
        canonical="/canonical-alternate-de",
    )
    page("/canonical-alternate-de", {"hreflang_to_non_canonical"}, linked=False, hreflang=pair, lang="de")


def _hreflang(site: Site, page: Page, expected: dict[str, set[str]], home_links: list[str]) -> None:
    pair = [("en", "/hreflang-no-x-default"), ("de", "/hreflang-no-x-default-de")]
    page("/hreflang-no-x-default", {"hreflang_missing_x_default"}, hreflang=pair)
    page("/hreflang-no-x-default-de", {"hreflang_missing_x_default"}, linked=False, hreflang=pair, lang="de")
    page(
        "/hreflang-no-self",
        {"hreflang_missing_self_reference"},
        hreflang=[("de", "/hreflang-self-de"), ("x-default", "/hreflang-self-de")],
    )
    page(
        "/hreflang-self-de",
        set(),
        linked=False,
        lang="de",
        hreflang=[("en", "/hreflang-no-self"), ("de", "/hreflang-self-de"), ("x-default", "/hreflang-self-de")],
    )
    page(
        "/hreflang-relative",
        {"hreflang_relative_url"},
        hreflang=[("en", "rel:/hreflang-relative"), ("x-default", "/hreflang-relative")],
    )
    page(
        "/hreflang-no-href",
        {"hreflang_missing_href"},
        hreflang=[("en", "/hreflang-no-href"), ("de", None), ("x-default", "/hreflang-no-href")],
    )
    # Two URLs for "en"; the second is blocked by robots.txt, so it is not judged as an alternate.
    page(
        "/hreflang-two-urls",
        {"hreflang_duplicate_language"},
        hreflang=[("en", "/hreflang-two-urls"), ("EN", "/private/en-copy"), ("x-default", "/hreflang-two-urls")],
    )
    expected["/private/en-copy"] = {"blocked_by_robots"}
    page(
        "/hreflang-in-body",
        {"hreflang_outside_head"},
        body_extra=f'<link rel="alternate" hreflang="de" href="{site.url("/clean-1")}">',
    )
    page(
        "/hreflang-to-noindex",
        {"hreflang_to_noindex"},
        hreflang=[("en", "/hreflang-to-noindex"), ("de", "/noindex-page"), ("x-default", "/hreflang-to-noindex")],
    )
    page(
        "/hreflang-to-non-canonical",
        {"hreflang_to_non_canonical"},
        hreflang=[
            ("en", "/hreflang-to-non-canonical"),
            ("de", "/canonical-to-home"),
            ("x-default", "/hreflang-to-non-canonical"),
        ],
    )


def _search_pages(page: Page) -> None:
    # Internal search results: short, but not thin content; indexable is the problem, noindex is right.
    few = "Results for tea: green tea, black tea, tea kettles and tea cups."
    page("/search.html", {"search_page_indexable"}, body=few)
    page("/find/search", {"noindex"}, body=few, robots="noindex, follow")
    page("/research", set())  # "search" inside a word is not a search page
