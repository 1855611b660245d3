"""The official ORUK 3.0 JSON Schemas and OpenAPI document, resolved locally (see README.md)."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HERE = Path(__file__).resolve().parent
BASE = "https://openreferraluk.org/specifications/3.0/schema/"

# jsonschema checks uuid and email itself; uri and date-time need these (no extra packages).
FORMATS = FormatChecker()


@FORMATS.checks("uri")
def _absolute_uri(value) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is None or bool(parts.scheme in ("http", "https") and parts.netloc)


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@cache
def registry() -> Registry:
    """Every schema file under the URI its $refs use."""
    resources = [
        (BASE + path.name, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012))
        for path in sorted((HERE / "schema").glob("*.json"))
    ]
    return Registry().with_resources(resources)


def validator(schema_file: str) -> Draft202012Validator:
    """A validator for one schema file, e.g. 'service_list.json'."""
    return Draft202012Validator({"$ref": BASE + schema_file}, registry=registry(), format_checker=FORMATS)


def errors(schema_file: str, document) -> list[str]:
    """Where and why a document breaks the schema (empty when it conforms)."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(schema_file).iter_errors(document)]


def openapi_bundled(prefix: str) -> dict:
    """The official openapi.json with its remote $refs pointed at local components, served under prefix."""
    document = json.loads((HERE / "openapi.json").read_text())
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for path in sorted((HERE / "schema").glob("*.json")):
        schemas[path.stem] = _local_refs(json.loads(path.read_text()))
    document = _local_refs(document)
    document["servers"] = [{"url": prefix}]
    return document


def _local_refs(node):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(BASE):
                out[key] = "#/components/schemas/" + value[len(BASE) :].removesuffix(".json")
            else:
                out[key] = _local_refs(value)
        return out
    if isinstance(node, list):
        return [_local_refs(item) for item in node]
    return copy.deepcopy(node)
