"""The defect site crawled end to end: exactly the expected URLs get each code, clean pages get none."""

from __future__ import annotations

import ssl
from urllib.parse import unquote, urlsplit

import asyncpg
import trustme

from services.api.reports import issues
from shared.audit import audit, catalogue
from shared.eventlog import events as ev
from shared.eventlog import streams
from tests.integration.crawlharness import crawl
from tests.sites import Site, defects


async def _found(conn: asyncpg.Connection, crawl_id: object) -> dict[str, set[str]]:
    rows = await conn.fetch(
        "SELECT p.url, i.code FROM issues i JOIN pages p ON p.id = i.page_id WHERE i.crawl_id = $1", crawl_id
    )
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(unquote(urlsplit(r["url"]).path), set()).add(r["code"])
    return out


def _scores(expected: dict[str, set[str]], found: dict[str, set[str]]) -> dict[str, tuple[float, float]]:
    """code -> (precision, recall) over URLs."""
    out = {}
    for code in catalogue.CODES:
        want = {p for p, codes in expected.items() if code in codes}
        got = {p for p, codes in found.items() if code in codes}
        if want or got:
            hit = len(want & got)
            out[code] = (hit / len(got) if got else 0.0, hit / len(want) if want else 0.0)
    return out


async def test_defect_site_gets_exactly_the_expected_issues(  # type: ignore[no-untyped-def]
    pool: asyncpg.Pool, site_factory, tmp_path, monkeypatch
) -> None:
    # https on the site's own port, signed by a CA the crawler trusts for this test (OpenSSL's SSL_CERT_FILE)
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    site: Site = await site_factory(server)
    external: Site = await site_factory(host="127.0.0.2")  # another host: its links are external
    expected = defects.build(site, external)
    # The rendering codes come from a rendered crawl of tests/sites/spa.py (test_render_crawl.py);
    # extraction_failed needs a crawl's own extraction rules (tests/unit/test_customsearch.py).
    expected_here = set(catalogue.CODES) - defects.ELSEWHERE - set(catalogue.RENDER_CODES) - {"extraction_failed"}
    assert expected_here == {c for codes in expected.values() for c in codes}

    job = await crawl(pool, url=site.url("/"), thresholds={"slow_response_ms": defects.SLOW_THRESHOLD_MS},
                      check_external_links=True)  # fmt: skip
    async with pool.acquire() as conn:
        found = await _found(conn, job.crawl_id)
        crawled = {unquote(urlsplit(u).path) for u in await conn.fetchval(
            "SELECT array_agg(url) FROM pages WHERE crawl_id = $1", job.crawl_id)}  # fmt: skip

        # the start page, which every page links back to, is the strongest: link score 100
        scored = await conn.fetch(
            "SELECT url, link_score FROM pages WHERE crawl_id = $1 AND link_score IS NOT NULL", job.crawl_id
        )
        link_scores = {unquote(urlsplit(r["url"]).path): r["link_score"] for r in scored}
        assert link_scores["/"] == 100 and max(link_scores.values()) == 100, link_scores
        assert link_scores["/weakly-linked"] < 15 <= link_scores["/clean-1"], link_scores

        scores = _scores(expected, found)
        weak = {code: s for code, s in scores.items() if min(s) < 0.95}
        assert not weak, f"precision/recall below 0.95: {weak}"
        wanted = {path: codes for path, codes in expected.items() if codes}
        assert found == wanted, {
            p: {
                "extra": found.get(p, set()) - wanted.get(p, set()),
                "missing": wanted.get(p, set()) - found.get(p, set()),
            }
            for p in set(found) | set(wanted)
            if found.get(p) != wanted.get(p)
        }
        legacy = await conn.fetchrow("SELECT title, title_length FROM pages WHERE url = $1", site.url("/windows-1251"))
        assert legacy["title"].startswith("Чайный магазин") and legacy["title_length"] == 51
        clean = {p for p, codes in expected.items() if not codes}
        assert clean <= crawled and len(clean) >= 10  # the clean pages were crawled and got nothing

        # counts per code come from SQL and agree with the URLs
        summary = {row["code"]: row["count"] for row in await issues.summary(conn, job.crawl_id)}
        assert summary == {code: sum(1 for c in wanted.values() if code in c) for code in summary}
        rows, _ = await issues.pages_with(conn, job.crawl_id, "broken_internal_link")
        (hub,) = rows
        broken = {unquote(urlsplit(link["url"]).path) for link in hub["details"]["links"]}
        assert broken == {"/gone", "/broken-server", "/fetch-fails", "/loop-a"}

        # the closest duplicate of each copy is the other copy
        dup = await conn.fetch(
            """SELECT p.url, d.url AS other, p.near_duplicate_similarity AS sim FROM pages p
               JOIN pages d ON d.id = p.near_duplicate_of WHERE p.crawl_id = $1""",
            job.crawl_id,
        )
        pairs = {unquote(urlsplit(r["url"]).path): (unquote(urlsplit(r["other"]).path), r["sim"]) for r in dup}
        assert pairs["/copy-1"] == ("/copy-2", 1.0) and pairs["/near-1"][0] == "/near-2"
        assert 0.9 <= pairs["/near-2"][1] < 1.0 and set(pairs) == {"/copy-1", "/copy-2", "/near-1", "/near-2"}

        # a re-audit from the stored records reproduces every issue (rules can change without recrawling)
        before = await conn.fetch("SELECT page_id, code, severity FROM issues WHERE crawl_id = $1 ORDER BY 1, 2",
                                  job.crawl_id)  # fmt: skip
        await conn.execute("DELETE FROM issues WHERE crawl_id = $1 AND code = 'title_missing'", job.crawl_id)
        async with conn.transaction():
            events = await audit.reaudit(conn, job.crawl_id)
            await streams.append(conn, ev.crawl_stream(job.crawl_id), events)
        after = await conn.fetch("SELECT page_id, code, severity FROM issues WHERE crawl_id = $1 ORDER BY 1, 2",
                                 job.crawl_id)  # fmt: skip
        assert after == before
        # ... and with other thresholds, the rules follow them
        events = await audit.reaudit(conn, job.crawl_id, catalogue.Thresholds(title_max_length=30))
        long_titles = {i["page_id"] for e in events for i in e.issues if i["code"] == "title_too_long"}
        assert len(long_titles) > 10
