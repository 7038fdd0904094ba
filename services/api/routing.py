"""The api's route table: every operation with its models, registered with aiohttp and documented.

One declaration per endpoint feeds both the router and the OpenAPI document (``openapi.py``), so
the document cannot drift from what the server does. The wrapper parses the query string and the
JSON body into the declared pydantic models; a bad value is a 422 naming the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from services.api.problems import Problem, validation_problem

Handler = Callable[..., Awaitable[web.StreamResponse]]

OPERATIONS = web.AppKey("operations", list)
M = TypeVar("M", bound=BaseModel)

# `{name}` or `{name:regex}`, the regex holding at most one level of braces (`{8}`), as aiohttp reads them.
_PATH_PARAM = re.compile(r"\{(\w+)(?::(?:[^{}]|\{[^{}]*\})*)?\}")
# A path segment that only a hyphenated UUID matches: `/api/schedules/{schedule_id:...}` then never
# takes `/api/schedules/preview`, so a 405 there lists only the methods the preview has.
UUID_SEGMENT = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


@dataclass(frozen=True)
class Operation:
    """One method and path: its handler, models and documented responses."""

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    operation_id: str
    response: type[BaseModel] | None = None
    status: int = 200
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    public: bool = False
    media_types: tuple[str, ...] = ("application/json",)
    errors: tuple[int, ...] = ()
    description: str = ""
    path_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    headers: dict[str, dict[str, Any]] = field(default_factory=dict)
    response_schema: dict[str, Any] | None = None  # for bodies that are not a pydantic model
    # OpenAPI links from the success response to the operations its values feed (ids from a POST):
    # {"name": {"operationId": ..., "parameters": {"crawl_id": "$response.body#/id"}}}
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Server-Sent Events: event name -> the model of that message's `data` (documented as `x-events`).
    events: dict[str, type[BaseModel]] = field(default_factory=dict)

    @property
    def path_names(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)

    @property
    def openapi_path(self) -> str:
        """The path as OpenAPI writes it (no aiohttp regex suffixes)."""
        return _PATH_PARAM.sub(lambda m: "{" + m.group(1) + "}", self.path)


class RouteTable:
    """The operations of one routes module, declared with ``@routes.operation(...)``."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.operations: list[Operation] = []

    def operation(self, method: str, path: str, *, summary: str, **options: Any) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.operations.append(
                Operation(
                    method=method,
                    path=path,
                    handler=handler,
                    summary=summary,
                    tag=options.pop("tag", self.tag),
                    operation_id=options.pop("operation_id", handler.__name__),
                    description=options.pop("description", (handler.__doc__ or "").strip()),
                    **options,
                )
            )
            return handler

        return register


def register(app: web.Application, tables: list[RouteTable]) -> None:
    """Add every operation to the router and remember them for the OpenAPI document."""
    operations: list[Operation] = app.setdefault(OPERATIONS, [])
    for table in tables:
        for op in table.operations:
            app.router.add_route(op.method, op.path, _wrap(op))
            operations.append(op)


def _wrap(op: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        kwargs: dict[str, Any] = {}
        if op.query is not None:
            kwargs["query"] = parse_query(request, op.query)
        if op.body is not None:
            kwargs["body"] = parse_model(await read_json(request), op.body)
        return await op.handler(request, **kwargs)

    handler.__name__ = op.operation_id
    return handler


def parse_query(request: web.Request, model: type[M]) -> M:
    """The query string as ``model``; a repeated key keeps its last value."""
    query = dict(request.query)
    refuse_unstorable_text(query)
    try:
        return model.model_validate(query)
    except ValidationError as exc:
        raise validation_problem(exc) from None


MAX_JSON_DEPTH = 32  # deeper than any body the api accepts; deeper input is refused before it is walked

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _text_problem(path: list[str | int], text: str) -> Problem:
    field_name = ".".join(str(p) for p in path) or "body"
    found = _UNSTORABLE.search(text)
    what = "a NUL character" if found and found.group() == "\x00" else "an unpaired surrogate (not valid Unicode)"
    message = f"must not contain {what}"
    return Problem(422, f"Invalid {field_name}: {message}", errors=[{"field": field_name, "message": message}])


def refuse_unstorable_text(data: Any) -> None:
    """A 422 naming the field when a string (or a key) holds text Postgres cannot store.

    NUL is valid JSON (``\\u0000``) and valid in a URL (``%00``) but never in a Postgres text; a
    lone surrogate (``\\ud800``) is valid JSON but not UTF-8. Either would reach the database as a
    500; the walk is iterative and bounded in depth, so a deep body cannot exhaust the stack.
    """
    stack: list[tuple[list[str | int], Any]] = [([], data)]
    while stack:
        path, value = stack.pop()
        if len(path) > MAX_JSON_DEPTH:
            raise Problem(
                422,
                f"The body is nested deeper than {MAX_JSON_DEPTH} levels.",
                errors=[{"field": "body", "message": "nested too deeply"}],
            )
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                raise _text_problem(path, value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if _UNSTORABLE.search(key):
                    raise _text_problem([*path, key], key)
                stack.append(([*path, key], item))
        elif isinstance(value, list):
            stack.extend(([*path, i], item) for i, item in enumerate(value))


def _integral_floats_as_ints(data: Any) -> Any:
    if isinstance(data, float) and data.is_integer():
        return int(data)
    if isinstance(data, dict):
        return {k: _integral_floats_as_ints(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_integral_floats_as_ints(v) for v in data]
    return data


def parse_model(data: Any, model: type[M]) -> M:
    """A JSON body as ``model``, its types as strict as the document says.

    Strict: a JSON string is no integer and "yes" no boolean here, though pydantic would
    otherwise coerce them; the OpenAPI document promises `"type": "integer"`, and the api keeps it.
    """
    if not isinstance(data, dict):
        raise Problem(422, "The body must be a JSON object.", errors=[{"field": "body", "message": "not an object"}])
    refuse_unstorable_text(data)
    try:
        # JSON Schema counts 5.0 as an integer; pydantic's strict mode does not: such floats become ints.
        return model.model_validate_json(json.dumps(_integral_floats_as_ints(data)), strict=True)
    except ValidationError as exc:
        problem = validation_problem(exc)
        for error in problem.errors or []:
            if error["field"] == "body":
                error["field"] = _field_named_in(error["message"], model) or "body"
        fields = ", ".join(dict.fromkeys(e["field"] for e in problem.errors or []))
        problem.detail = f"Invalid {fields}: {problem.errors[0]['message']}" if problem.errors else problem.detail
        raise problem from None


_NAMED = re.compile(r"`(\w+)`|^(\w+)\b")


def _field_named_in(message: str, model: type[BaseModel]) -> str | None:
    """A whole-model rule's message names its field (`url` is required, url must start...): find it."""
    for match in _NAMED.finditer(message):
        name = match.group(1) or match.group(2)
        if name in model.model_fields:
            return name
    return None


def _no_constant(name: str) -> Any:
    # json accepts NaN and Infinity, which no JSON document may hold and no jsonb column can store.
    raise ValueError(f"{name} is not a JSON value")


async def read_json(request: web.Request) -> Any:
    """The request body as JSON, or a 422 saying what is wrong with it."""
    if not request.can_read_body:
        raise Problem(422, "The request needs a JSON body.", errors=[{"field": "body", "message": "missing"}])
    try:
        return json.loads(await request.text(), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise Problem(
            422, f"The body is not valid JSON: {exc}", errors=[{"field": "body", "message": str(exc)}]
        ) from None
    except RecursionError:
        # The decoder recurses per level: a body of 200,000 brackets exhausts the stack (no 500 for that).
        raise Problem(
            422,
            f"The body is nested deeper than {MAX_JSON_DEPTH} levels.",
            errors=[{"field": "body", "message": "nested too deeply"}],
        ) from None


def dump(model: BaseModel, status: int = 200) -> web.Response:
    """A pydantic model as a JSON response (times as the models serialise them)."""
    return web.Response(text=model.model_dump_json(), status=status, content_type="application/json")
