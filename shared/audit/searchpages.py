"""Internal search result pages: recognised by their address, judged by whether they are indexable.

A site's own search results (``/search``, ``search.html``, ``?s=`` of WordPress, ``?q=``) are
not thin content to be padded: they are pages search engines should not index at all (Google
asks sites to keep infinite spaces such as internal search out of its index). So the audit does
not call them thin, and reports them when they are indexable.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

# Last path segments (extension dropped) that name a search page, in the languages of the UI's users.
SEGMENTS = frozenset(
    {"search", "searchresults", "search-results", "search_results", "suche", "recherche", "buscar", "busca",
     "ricerca", "zoeken", "szukaj", "hledat", "haku", "sok", "poisk", "поиск", "найти"}
)  # fmt: skip
# Query parameters that carry a search term (WordPress s, Google-style q, and common names).
PARAMETERS = frozenset({"s", "q", "query", "search", "search_query", "searchword", "searchterm", "keyword", "keywords"})


def is_search_page(url: str) -> bool:
    """Whether ``url`` is (by its address) a page of internal search results."""
    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).lower().split("/") if s]
    if segments and segments[-1].rsplit(".", 1)[0] in SEGMENTS:
        return True
    return any(name.lower() in PARAMETERS for name, _ in parse_qsl(parts.query, keep_blank_values=True))
