"""Getting bytes from a site: the HTTP fetcher, robots.txt, sitemaps, URL rules and charsets."""
