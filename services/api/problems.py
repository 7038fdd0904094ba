"""RFC 9457 problem details: every error the api returns is ``application/problem+json``."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web
from pydantic import ValidationError

from shared.audit import catalogue
from shared.platform.service import SETTINGS
from shared.reports import errors as reporterrors

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class Problem(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    status: int, detail: str, *, errors: list[dict[str, Any]] | None = None, **extra: Any
) -> web.Response:
    body: dict[str, Any] = {"type": "about:blank", "title": _TITLES.get(status, "Error"), "status": status}
    body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    return web.Response(
        status=status, text=json.dumps(body, ensure_ascii=False), content_type=PROBLEM_JSON.split(";")[0]
    )


def validation_errors(exc: ValidationError, *, prefix: tuple[str | int, ...] = ()) -> list[dict[str, Any]]:
    """pydantic errors as ``[{"field": "max_pages", "message": "..."}]``."""
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = [str(p) for p in (*prefix, *err["loc"])]
        message = err["msg"].removeprefix("Value error, ")
        out.append({"field": ".".join(loc) if loc else "body", "message": message})
    return out


def validation_problem(exc: ValidationError, *, prefix: tuple[str | int, ...] = ()) -> Problem:
    errors = validation_errors(exc, prefix=prefix)
    fields = ", ".join(e["field"] for e in errors)
    first = errors[0]["message"] if errors else "invalid input"
    return Problem(422, f"Invalid {fields}: {first}", errors=errors)


@web.middleware
async def problem_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    limit = request.app[SETTINGS].max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        # Refuse before reading a byte of it; aiohttp would otherwise buffer up to the limit.
        return problem_response(413, f"The request body is larger than the limit of {limit} bytes.")
    try:
        return await handler(request)
    except Problem as p:
        response = problem_response(p.status, p.detail, errors=p.errors, **p.extra)
        response.headers.update(p.headers)
        return response
    except ValidationError as exc:
        invalid = validation_problem(exc)
        return problem_response(invalid.status, invalid.detail, errors=invalid.errors)
    except reporterrors.ReportError as exc:
        # The report library's errors are the user's mistakes and carry their status (404/409/422).
        errors = [{"field": exc.field, "message": str(exc)}] if exc.field else None
        extra = {"crawl_status": exc.crawl_status} if isinstance(exc, reporterrors.CrawlNotFinished) else {}
        return problem_response(exc.status, str(exc), errors=errors, **extra)
    except catalogue.UnknownIssueCode as exc:
        return problem_response(422, str(exc), errors=[{"field": exc.field, "message": str(exc)}])
    except web.HTTPRequestEntityTooLarge:
        # A body without Content-Length (chunked) that grew past the limit while being read.
        limit = request.app[SETTINGS].max_body_bytes
        return problem_response(413, f"The request body is larger than the limit of {limit} bytes.")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        detail = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        if exc.status == 404:
            detail = f"Nothing is at {request.path}."
        elif exc.status == 405:
            detail = f"{request.method} is not allowed on {request.path}."
        response = problem_response(exc.status, detail)
        for name in ("Allow", "Retry-After", "WWW-Authenticate"):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response
    except Exception:
        log.exception("unhandled error", path=request.path, method=request.method)
        return problem_response(500, "The server hit an unexpected error; it has been logged.")
