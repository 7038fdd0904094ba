"""Errors of the reports (issues, comparison, exports), each with the HTTP status the api answers.

Every one is a user's mistake with a message that says why; none is a server fault. The api
maps ``ReportError.status`` to a problem document (``detail`` = ``str(exc)``, ``field`` if set).
"""

from __future__ import annotations

import uuid


class ReportError(Exception):
    """Base: ``status`` is the HTTP status to answer with, ``field`` the offending input (if any)."""

    status = 400
    field: str | None = None


class CrawlNotFound(ReportError, LookupError):
    """No crawl has this id."""

    status = 404

    def __init__(self, crawl_id: uuid.UUID | str) -> None:
        super().__init__(f"No crawl has the id {crawl_id}.")
        self.crawl_id = crawl_id


class CrawlNotFinished(ReportError):
    """The crawl is still queued, running or paused (or failed / was cancelled) and cannot be compared yet."""

    status = 409

    def __init__(self, crawl_id: uuid.UUID | str, status: str) -> None:
        super().__init__(f"Crawl {crawl_id} is {status}; only completed crawls can be compared.")
        self.crawl_id = crawl_id
        self.crawl_status = status


class CrawlsNotComparable(ReportError):
    """The two crawls cannot be compared (the same crawl, or two different sites)."""

    status = 422
    field = "other_id"


class InvalidReportRequest(ReportError, ValueError):
    """A parameter is not one of the accepted values."""

    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
