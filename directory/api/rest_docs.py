"""/api/docs: the OpenAPI document as a page, with forms to try the read endpoints.

The page needs no script, so it works under the site's strict CSP with nothing from a CDN:
Swagger UI and ReDoc would need a third-party bundle (ReDoc also inline styles). The machine
-readable document is /api/openapi.json, for any OpenAPI tool a developer prefers.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from flask import Blueprint, abort, current_app, redirect, render_template, request

bp = Blueprint("rest_docs", __name__, url_prefix="/api")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def openapi() -> dict:
    """The JSON API's OpenAPI document."""
    return current_app.extensions["flask-smorest"]["apis"]["REST_"]["ext_obj"].spec.to_dict()


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _type(spec: dict, schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if schema.get("type") == "array":
        return f"list of {_type(spec, schema.get('items', {}))}"
    return schema.get("format") or schema.get("type") or "object"


def _fields(spec: dict, schema: dict | None) -> tuple[str, list[tuple[str, str, str]]]:
    """(schema name, [(field, type, description)]) for a body schema."""
    if not schema:
        return "", []
    name = _type(spec, schema)
    resolved = _resolve(spec, schema.get("items", schema) if schema.get("type") == "array" else schema)
    rows = [
        (field, _type(spec, value), value.get("description", ""))
        for field, value in resolved.get("properties", {}).items()
    ]
    return name, rows


def operations(spec: dict) -> list[dict]:
    """Each path and method, in the document's order, ready for the page."""
    out = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            params = [
                {
                    "name": p["name"],
                    "in": p["in"],
                    "required": p.get("required", False),
                    "type": _type(spec, p.get("schema", {})),
                    "description": p.get("description", ""),
                    "repeatable": p.get("schema", {}).get("type") == "array",
                }
                for p in methods.get("parameters", []) + op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            ok = next((code for code in op["responses"] if code.startswith("2")), "200")
            answer = op["responses"][ok].get("content", {}).get("application/json", {}).get("schema")
            out.append(
                {
                    "id": f"{method}{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "params": params,
                    "token": bool(op.get("security")),
                    "body": _fields(spec, body),
                    "answer": _fields(spec, answer),
                    "responses": [
                        (code, r.get("description", "")) for code, r in op["responses"].items() if code != "default"
                    ],
                }
            )
    return out


@bp.get("/docs")
def docs():
    """Every endpoint with its parameters, body and answers, and a form to try each read."""
    return render_template("api/rest_docs.html", operations=operations(openapi()))


@bp.get("/docs/try")
def try_it():
    """Send a docs form to its endpoint, its path parameters filled in (only paths the document has)."""
    spec = openapi()
    path = request.args.get("path", "")
    if "get" not in spec["paths"].get(path, {}):
        abort(404, description="That is not a read endpoint of this API.")
    names = _PLACEHOLDER.findall(path)
    values = {name: request.args.get(name, "").strip() for name in names}
    missing = [name for name, value in values.items() if not value]
    if missing:
        abort(400, description=f"Fill in {', '.join(missing)}.")
    target = _PLACEHOLDER.sub(lambda m: quote(values[m.group(1)], safe=""), path)
    rest = [(k, v) for k, v in request.args.items(multi=True) if k not in names and k != "path" and v != ""]
    return redirect(target + (f"?{urlencode(rest)}" if rest else ""), code=303)
