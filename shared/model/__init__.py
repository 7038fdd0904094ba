"""The domain's data shapes: the page schema, crawl settings, the issue shape. Imports nothing of ours."""
