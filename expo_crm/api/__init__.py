"""The JSON API under /api/v1: bearer-token auth, pydantic validation, an OpenAPI document.

Domains declare endpoints in their own ``api.py`` with :func:`endpoint`; the handlers call
the same services as the pages, and the document at ``/api/v1/openapi.json`` is generated
from those declarations, so it cannot drift from the code.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, TypeAdapter
from pydantic import ValidationError as PydanticError
from pydantic.json_schema import models_json_schema
from werkzeug.exceptions import HTTPException

from expo_crm.auth.roles import Role, roles
from expo_crm.errors import DomainError, ValidationError

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: Domain modules whose endpoints hang on this blueprint.
API_MODULES = (
    "expo_crm.shows.api",
    "expo_crm.directory.api",
    "expo_crm.exhibitors.api",
    "expo_crm.visitors.api",
    "expo_crm.badges.api",
    "expo_crm.followup.api",
)


@dataclass
class Operation:
    rule: str
    method: str
    summary: str
    tag: str
    roles: frozenset[Role]
    body: type[BaseModel] | None
    response: Any
    query: type[BaseModel] | None = None
    status: int = 200
    endpoint: str = ""
    path_params: list[str] = field(default_factory=list)


OPERATIONS: list[Operation] = []


def api_error(status: int, message: str, fields: dict[str, str] | None = None) -> Response:
    """Return the JSON error body every API failure uses."""
    payload: dict[str, Any] = {"error": {"status": status, "message": message}}
    if fields:
        payload["error"]["fields"] = fields
    response = jsonify(payload)
    response.status_code = status
    return response


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


def _read_body(model: type[BaseModel]) -> BaseModel:
    raw = request.get_data(cache=True)
    if not request.is_json:
        raise ValidationError(
            "body", _("Send the body as JSON with Content-Type: application/json.")
        )
    try:
        return model.model_validate_json(raw or b"null")
    except PydanticError as exc:
        raise _pydantic_to_domain(exc) from exc


def _pydantic_to_domain(exc: PydanticError) -> ApiValidationError:
    fields = {}
    for err in exc.errors():
        if err["type"] == "json_invalid":
            return ApiValidationError(_("The request body is not valid JSON."), {})
        where = ".".join(str(p) for p in err["loc"]) or "body"
        fields[where] = err["msg"]
    return ApiValidationError(_("The request has invalid fields."), fields)


class ApiValidationError(DomainError):
    status_code = 422

    def __init__(self, message: str, fields: dict[str, str]) -> None:
        super().__init__(message)
        self.fields = fields


def endpoint(
    rule: str,
    *,
    method: str = "GET",
    allow: Sequence[Role],
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Declare an API endpoint: who may call it, what it takes and returns.

    The handler receives path parameters, plus ``body`` (a validated model) when ``body``
    is given and ``query`` when ``query`` is given; it returns a model, a list of models
    or a dict, which is serialized as JSON with ``status``.
    """

    def decorate(handler: Callable[..., Any]) -> Callable[..., Response]:
        @functools.wraps(handler)
        def view(**kwargs: Any) -> Response:
            if body is not None:
                kwargs["body"] = _read_body(body)
            if query is not None:
                try:
                    kwargs["query"] = query.model_validate(request.args.to_dict())
                except PydanticError as exc:
                    raise _pydantic_to_domain(exc) from exc
            result = handler(**kwargs)
            response = jsonify(_dump(result)) if result is not None else Response(status=204)
            if result is not None:
                response.status_code = status
            return response

        name = f"{handler.__module__.rsplit('.', 2)[-2]}_{handler.__name__}"
        roles(*allow)(view)
        bp.add_url_rule(rule, endpoint=name, view_func=view, methods=[method])
        OPERATIONS.append(
            Operation(
                rule=rule,
                method=method.lower(),
                summary=summary,
                tag=tag,
                roles=view.allowed_roles,  # type: ignore[attr-defined]
                body=body,
                query=query,
                response=response,
                status=status,
                endpoint=name,
            )
        )
        return view

    return decorate


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Response:
    fields = getattr(exc, "fields", None)
    if isinstance(exc, ValidationError):
        fields = {exc.field: exc.message}
    return api_error(exc.status_code, exc.message, fields)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return api_error(exc.code or 500, exc.description or exc.name)


def _openapi_path(rule: str) -> tuple[str, list[str]]:
    import re

    params = re.findall(r"<(?:\w+:)?(\w+)>", rule)
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule), params


def openapi_document() -> dict[str, Any]:
    """Build the OpenAPI 3.1 document from the declared endpoints."""
    models: list[type[BaseModel]] = []
    for op in OPERATIONS:
        for model in (op.body, _response_model(op.response)):
            if model is not None and model not in models:
                models.append(model)
    _, schemas = models_json_schema(
        [(m, "validation") for m in models], ref_template="#/components/schemas/{model}"
    )
    components = schemas.get("$defs", {})
    components["Error"] = {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "status": {"type": "integer"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    }
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        path, params = _openapi_path(op.rule)
        spec: dict[str, Any] = {
            "summary": op.summary,
            "tags": [op.tag],
            "operationId": op.endpoint,
            "description": "Roles: " + ", ".join(sorted(str(r) for r in op.roles)),
            "parameters": [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                for p in params
            ],
            "responses": {
                str(op.status): {"description": "OK", **_response_content(op.response)},
                "401": _error_ref("Missing or invalid token"),
                "403": _error_ref("Role not allowed"),
                "422": _error_ref("Invalid input"),
            },
        }
        if op.query is not None:
            for name, info in op.query.model_fields.items():
                spec["parameters"].append(
                    {
                        "name": name,
                        "in": "query",
                        "required": info.is_required(),
                        "schema": TypeAdapter(info.annotation).json_schema(),
                        "description": info.description or "",
                    }
                )
        if op.body is not None:
            spec["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}
                    }
                },
            }
        paths.setdefault(bp.url_prefix + path, {})[op.method] = spec  # type: ignore[operator]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Expo CRM API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def _response_model(response: Any) -> type[BaseModel] | None:
    if isinstance(response, list):
        return response[0]
    return response


def _response_content(response: Any) -> dict[str, Any]:
    model = _response_model(response)
    if model is None:
        return {}
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    schema = {"type": "array", "items": ref} if isinstance(response, list) else ref
    return {"content": {"application/json": {"schema": schema}}}


def _error_ref(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def register(app: Flask) -> None:
    """Import every domain's API module, then register the blueprint (CSRF-exempt: tokens)."""
    for module in API_MODULES:
        importlib.import_module(module)
    from expo_crm.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)


@bp.get("/openapi.json")
@roles(*Role)
def openapi() -> Response:
    """Serve the OpenAPI document (any authenticated role may read it)."""
    return jsonify(openapi_document())
