"""Validate JSON against the shipped ORUK 3.0 schemas, offline, with formats checked.

    from directory.oruk.schemas import errors_for
    assert errors_for("service_list", response_json) == []

Every ``$ref`` in the schemas is an absolute openreferraluk.org URL; they are
resolved to the files in ``schemas/``. Formats are checked (uuid, email,
date-time as RFC 3339, uri), which jsonschema only does when asked to.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).parent / "schemas"
BASE_URL = "https://openreferraluk.org/specifications/3.0/schema/"


@cache
def _registry() -> Registry:
    resources = []
    for path in SCHEMA_DIR.glob("*.json"):
        if path.name == "openapi.json":
            continue
        contents = json.loads(path.read_text())
        resource = Resource.from_contents(contents, default_specification=_spec())
        resources.append((BASE_URL + path.name, resource))
    return Registry().with_resources(resources)


def _spec():
    from referencing.jsonschema import DRAFT202012

    return DRAFT202012


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for ``<name>.json`` (e.g. "service", "service_list", "api_details")."""
    schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text())
    return Draft202012Validator(
        schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def errors_for(name: str, instance) -> list[str]:
    """Every way ``instance`` breaks schema ``name``, as readable lines (empty if valid)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in validator(name).iter_errors(instance)
    ]
