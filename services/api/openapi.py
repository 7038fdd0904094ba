"""The OpenAPI 3.1 document, generated from the route table and its pydantic models (never by hand).

Served at ``GET /api/openapi.json``; ``GET /api/docs`` is a small page (bundled with the package,
no CDN) that renders it. ``seo admin openapi`` prints it without a server (``cli.admin``).
"""

from __future__ import annotations

import copy
from importlib import resources
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from services.api.models import ProblemDocument
from services.api.routing import OPERATIONS, Operation, RouteTable

routes = RouteTable("docs")

REF = "#/components/schemas/{model}"
PROBLEM_JSON = "application/problem+json"

_ERROR_TEXT = {
    401: "Missing or wrong credentials (the same answer for either).",
    404: "No such crawl, page or schedule.",
    409: "The state does not allow this change.",
    413: "The body is larger than the limit.",
    422: "Invalid input; `errors` names each offending field.",
    429: "Too many failed logins from this address; see Retry-After.",
    503: "Too many live streams open; see Retry-After.",
}

# The operational endpoints every service has, documented beside the api's own routes.
_HEALTH_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "service": {"type": "string"},
        "checks": {"type": "object", "additionalProperties": {"type": "string"}},
        "failing": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["status"],
}


def _models(operations: list[Operation]) -> tuple[dict[tuple[type[BaseModel], str], dict[str, Any]], dict[str, Any]]:
    pairs: list[tuple[type[BaseModel], Any]] = [(ProblemDocument, "serialization")]
    for op in operations:
        if op.body is not None:
            pairs.append((op.body, "validation"))
        if op.response is not None:
            pairs.append((op.response, "serialization"))
        pairs.extend((model, "serialization") for model in op.events.values())
    unique = list(dict.fromkeys(pairs))
    key_map, top = models_json_schema(unique, ref_template=REF)
    return key_map, top.get("$defs", {})  # type: ignore[return-value]


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a value; ``null`` is not something a query string can say."""
    options = schema.get("anyOf")
    if options and len([o for o in options if o.get("type") != "null"]) == 1 and len(options) == 2:
        rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
        return {**next(o for o in options if o.get("type") != "null"), **rest}
    return schema


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for name in op.path_names:
        schema = op.path_params.get(name, {"type": "string"})
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF, mode="validation")
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            prop = _without_null(dict(prop))
            param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if "description" in prop:
                param["description"] = prop["description"]
            params.append(param)
    for name, header in op.headers.items():
        if name.lower() == "set-cookie":
            continue
        params.append({"name": name, "in": "header", "required": False, "schema": {"type": "string"}, **header})
    return params


def _operation(op: Operation, key_map: dict[tuple[type[BaseModel], str], dict[str, Any]]) -> dict[str, Any]:
    problem_ref = key_map[(ProblemDocument, "serialization")]
    success: dict[str, Any] = {"description": op.summary}
    if op.response is not None:
        success["content"] = {mt: {"schema": key_map[(op.response, "serialization")]} for mt in op.media_types}
    elif op.response_schema is not None:
        success["content"] = {mt: {"schema": op.response_schema} for mt in op.media_types}
    elif op.events:
        # A stream of `event:`/`data:` messages: OpenAPI 3.1 has no word for the items of a stream,
        # so each event's `data` schema is named under `x-events` (what the UI's types and a test read).
        events = {name: key_map[(model, "serialization")] for name, model in op.events.items()}
        success["content"] = {
            mt: {"schema": {"type": "string", "description": "Server-Sent Events; see x-events"}, "x-events": events}
            for mt in op.media_types
        }
    elif op.status != 204:
        success["content"] = {mt: {"schema": {"type": "string"}} for mt in op.media_types}
    if op.links:
        success["links"] = op.links
    if "Set-Cookie" in op.headers:
        success["headers"] = {"Set-Cookie": {"schema": {"type": "string"}, **op.headers["Set-Cookie"]}}
    responses: dict[str, Any] = {str(op.status): success}
    errors = set(op.errors)
    if not op.public:
        errors.add(401)
    for status in sorted(errors):
        responses[str(status)] = {
            "description": _ERROR_TEXT.get(status, "Error"),
            "content": {PROBLEM_JSON: {"schema": problem_ref}},
        }
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "responses": responses,
    }
    if op.description:
        doc["description"] = op.description
    if params := _parameters(op):
        doc["parameters"] = params
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": key_map[(op.body, "validation")]}},
        }
    if op.public:
        doc["security"] = []
    return doc


def document(operations: list[Operation], *, version: str = "0.1.0") -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``operations``."""
    key_map, schemas = _models(operations)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.openapi_path, {})[op.method.lower()] = _operation(op, key_map)
    paths["/health"] = {
        "get": {
            "operationId": "health",
            "summary": "Liveness and readiness",
            "tags": ["operations"],
            "security": [],
            "responses": {
                "200": {"description": "Ready", "content": {"application/json": {"schema": _HEALTH_SCHEMA}}},
                "503": {"description": "A check fails", "content": {"application/json": {"schema": _HEALTH_SCHEMA}}},
            },
        }
    }
    paths["/metrics"] = {
        "get": {
            "operationId": "metrics",
            "summary": "Prometheus metrics",
            "tags": ["operations"],
            "security": [],
            "responses": {
                "200": {"description": "Prometheus text", "content": {"text/plain": {"schema": {"type": "string"}}}}
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SEO crawler API",
            "version": version,
            "description": (
                "Self-hosted SEO crawl-and-audit platform. Send `Authorization: Bearer <API_TOKEN>` "
                "(or the UI's session cookie from POST /api/session). Errors are application/problem+json. "
                "Times are ISO 8601 with microseconds and a UTC offset."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "the API token"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "seo_session"},
            },
        },
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
    }


DOCUMENT = web.AppKey("openapi_document", dict)


async def build_document(app: web.Application) -> None:
    """On start-up: build the document once (the route table does not change afterwards)."""
    app[DOCUMENT] = document(app[OPERATIONS])


def app_document(app: web.Application) -> dict[str, Any]:
    return copy.deepcopy(app[DOCUMENT]) if DOCUMENT in app else document(app[OPERATIONS])


@routes.operation(
    "GET",
    "/api/openapi.json",
    summary="This OpenAPI 3.1 document",
    response_schema={"type": "object"},
)
async def openapi_json(request: web.Request) -> web.Response:
    """Generated from the route table and its pydantic models."""
    return web.json_response(app_document(request.app))


_ASSETS = {"docs.js": "application/javascript", "docs.css": "text/css"}


def _asset(name: str) -> bytes:
    return resources.files("services.api").joinpath("docs", name).read_bytes()


@routes.operation("GET", "/api/docs", summary="API reference page", media_types=("text/html",))
async def docs_page(request: web.Request) -> web.Response:
    """A page rendering /api/openapi.json; its script and styles are served from here too (no CDN)."""
    return web.Response(body=_asset("index.html"), content_type="text/html", charset="utf-8")


@routes.operation(
    "GET",
    "/api/docs/{asset:docs\\.js|docs\\.css}",
    summary="Assets of the reference page",
    media_types=("application/javascript", "text/css"),
    errors=(404,),
    path_params={"asset": {"type": "string", "enum": list(_ASSETS)}},
)
async def docs_asset(request: web.Request) -> web.Response:
    """The reference page's script and stylesheet."""
    name = request.match_info["asset"]
    return web.Response(body=_asset(name), content_type=_ASSETS[name], charset="utf-8")
