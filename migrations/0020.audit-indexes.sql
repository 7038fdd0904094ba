-- Indexes the audit's site-wide rules, the sitemap export and crawl comparison lean on.
-- depends: 0002.pages-links-issues

-- Where redirects lead: orphan detection asks "does any redirect end at this page?" once per
-- sitemap page; without this it would scan the crawl's pages each time (quadratic).
CREATE INDEX pages_crawl_final_url ON pages (crawl_id, final_url) WHERE final_url <> url;

-- sitemap.xml lists the indexable pages of a crawl in id order.
CREATE INDEX pages_crawl_indexable ON pages (crawl_id, id) WHERE indexable;

-- A page's issues (page detail, exports' per-page counts) within one crawl.
CREATE INDEX issues_crawl_page ON issues (crawl_id, page_id);
