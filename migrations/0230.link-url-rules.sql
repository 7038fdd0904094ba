-- URL rules (issue 18): a link's target is stored as the crawler requested it (after the crawl's URL
-- rules, so that it joins to the page it reached); the target as written and the rules that changed
-- it are kept beside it for the link report and the per-rule counts.
-- depends: 0150.page-checks-and-resources

ALTER TABLE links
    ADD COLUMN original_url text,
    ADD COLUMN url_rules    text[];
