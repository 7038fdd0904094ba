"""Command-line tools, kept out of the services' runtime packages.

``seo`` (``python -m cli``) is the client over the HTTP API; ``seo admin ...`` are the operator
commands that work on the database directly (the API token, the OpenAPI document).
"""
