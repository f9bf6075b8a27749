"""OpenAPI 3.1 document built from the application's real routes.

Each view carries its documentation (``@documented``); the document walks ``app.router``, so a
route cannot exist undocumented or be documented without existing (a test checks both ways).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from forum_service.api.board_schemas import ErrorBody
from forum_service.domain import MAX_ID

View = Callable[[web.Request], Awaitable[web.StreamResponse]]
V = TypeVar("V", bound=View)

_ATTR = "__forum_openapi__"


@dataclass(frozen=True)
class Param:
    """A query or path parameter."""

    name: str
    where: str  # "query" | "path" | "header"
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


@dataclass(frozen=True)
class Doc:
    """Documentation of one operation."""

    summary: str
    response: type[BaseModel] | None
    status: int = 200
    request: type[BaseModel] | None = None
    params: tuple[Param, ...] = ()
    errors: tuple[int, ...] = ()
    public: bool = False
    identity: bool = True
    tags: tuple[str, ...] = ()
    # Only members may call it (api.membership_gate answers others 403 membership_required);
    # routes without an identity are never gated.
    members_only: bool = True

    @property
    def gated(self) -> bool:
        """Whether the membership gate stands in front of this route."""
        return self.members_only and self.identity and not self.public


def documented(doc: Doc) -> Callable[[V], V]:
    """Attach OpenAPI documentation to a view."""

    def mark(view: V) -> V:
        setattr(view, _ATTR, doc)
        return view

    return mark


def doc_of(handler: Any) -> Doc | None:
    """Return the documentation attached to a handler, if any."""
    doc = getattr(handler, _ATTR, None)
    return doc if isinstance(doc, Doc) else None


def _path_params(path: str) -> list[str]:
    return re.findall(r"{(\w+)(?::[^}]*)?}", path)


def build_document(app: web.Application, *, title: str, version: str) -> dict[str, Any]:
    """Return the OpenAPI document of every documented route of ``app``."""
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}

    def ref(model: type[BaseModel]) -> dict[str, str]:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas[name] = sub
        schemas[model.__name__] = schema
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    for route in app.router.routes():
        doc = doc_of(route.handler)
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if doc is None or path is None or route.method == "HEAD":
            continue
        clean_path = re.sub(r"{(\w+):[^}]*}", r"{\1}", path)
        operation: dict[str, Any] = {"summary": doc.summary, "tags": list(doc.tags)}
        params = [
            {
                "name": name,
                "in": "path",
                "required": True,
                # The same range api.params.path_id accepts.
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}
                if name.endswith("_id")
                else {"type": "string", "minLength": 1},
            }
            for name in _path_params(path)
        ]
        params += [
            {
                "name": p.name,
                "in": p.where,
                "required": p.required,
                "description": p.description,
                "schema": p.schema,
            }
            for p in doc.params
        ]
        if not doc.public and doc.identity:
            params.append(
                {
                    "name": "X-Forum-Identity",
                    "in": "header",
                    "required": True,
                    "description": "the acting person's identity key (64 hex characters)",
                    "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                }
            )
        if params:
            operation["parameters"] = params
        if doc.request is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(doc.request)}},
            }
        responses: dict[str, Any] = {}
        ok: dict[str, Any] = {"description": "success"}
        if doc.response is not None:
            ok["content"] = {"application/json": {"schema": ref(doc.response)}}
        responses[str(doc.status)] = ok
        if any(p.name == "Idempotency-Key" for p in doc.params):
            responses["200"] = {**ok, "description": "replay of an earlier request with this key"}
        error_ref = ref(ErrorBody)
        statuses = set(doc.errors) | ({401} if not doc.public else set())
        if doc.gated:
            statuses |= {400, 403}  # the identity header, then membership_required
        if doc.request is not None:
            # Every body is parsed the same way: not JSON (400), too large (413), invalid (422).
            statuses |= {400, 413, 422}
        for status in sorted(statuses):
            responses[str(status)] = {
                "description": "error",
                "content": {"application/json": {"schema": error_ref}},
            }
        operation["responses"] = responses
        if doc.public:
            operation["security"] = []
        paths.setdefault(clean_path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"serviceToken": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"serviceToken": []}],
    }
