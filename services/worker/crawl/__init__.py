"""Running one crawl: the frontier, politeness, page batches and the crawl loop."""
