"""Read queries only the api serves: the issue summary, crawl comparison, exports (and their errors)."""
