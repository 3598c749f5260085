"""Validation against the Open Referral UK v3 profile's JSON Schemas (Draft 2020-12), vendored
in ``tests/assets/oruk_v3/`` (CC BY-SA 4.0, the Open Referral project: see its LICENSE and
SOURCE.md). Every schema is registered under the address the profile's OpenAPI refers to it
by, so ``$ref``s between them resolve from disk through a ``referencing`` registry, never the
network."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HERE = Path(__file__).parent / "oruk_v3"
SCHEMA_DIR = HERE / "schema"
EXAMPLES = HERE / "examples"
BASE = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        if path.name == "openapi.json":
            continue
        uri = BASE + path.relative_to(SCHEMA_DIR).as_posix()
        resources.append(
            (uri, Resource.from_contents(_load(path), default_specification=DRAFT202012))
        )
    return Registry().with_resources(resources)


@cache
def openapi() -> dict[str, Any]:
    return _load(SCHEMA_DIR / "openapi.json")


def _page_schema(item_ref: str) -> dict[str, Any]:
    """The OpenAPI's paged response: its ``Page`` (every field required here, as a client
    depends on them) and ``contents`` items of the given schema."""
    page = openapi()["components"]["schemas"]["Page"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [page],
        "type": "object",
        "required": [*page["properties"], "contents"],
        "properties": {"contents": {"type": "array", "items": {"$ref": BASE + item_ref}}},
    }


SCHEMAS = {
    "service": {"$ref": BASE + "compiled/service.json"},
    "service_at_location": {"$ref": BASE + "compiled/service_at_location.json"},
    "taxonomy": {"$ref": BASE + "taxonomy.json"},
    "taxonomy_term": {"$ref": BASE + "taxonomy_term.json"},
    "service_page": _page_schema("compiled/service_list.json"),
    "service_at_location_page": _page_schema("compiled/service_at_location_list.json"),
    "taxonomy_page": _page_schema("taxonomy.json"),
    "taxonomy_term_page": _page_schema("taxonomy_term.json"),
}


@cache
def validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(
        SCHEMAS[kind],
        registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def errors(kind: str, document: Any) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in validator(kind).iter_errors(document)
    ]


def assert_valid(kind: str, document: Any) -> None:
    problems = errors(kind, document)
    assert not problems, f"not a valid ORUK v3 {kind}:\n" + "\n".join(problems[:20])


def example(name: str) -> Any:
    return _load(EXAMPLES / name)
