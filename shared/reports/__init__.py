"""Reports on stored crawls that more than one service reads: crawl comparison and its errors.

The api serves them (``services.api.reports`` keeps the queries only it uses: issues, exports);
the worker's alert checks compare a crawl with the site's previous one through the same code.
"""
