"""Local test sites for crawler, audit and end-to-end tests (see ``tests.sites.server``)."""

from tests.sites.server import Request, Site, generated_site, site_factory

__all__ = ["Request", "Site", "generated_site", "site_factory"]
