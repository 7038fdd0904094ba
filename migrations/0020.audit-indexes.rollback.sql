DROP INDEX issues_crawl_page;
DROP INDEX pages_crawl_indexable;
DROP INDEX pages_crawl_final_url;
