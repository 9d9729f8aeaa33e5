"""OpenAPI schema hooks (drf-spectacular)."""

PUBLIC_API_PREFIX = "/api/v1/"


def public_endpoints_only(endpoints, **kwargs):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(PUBLIC_API_PREFIX)]


def empty_query_values_allowed(result, generator, request, public):
    """Say in the schema what the API does: a query parameter sent empty (``?postcode=``,
    as an unfilled form field sends it) counts as not sent."""
    for path, operations in result.get("paths", {}).items():
        if not path.startswith(PUBLIC_API_PREFIX):
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    parameter["allowEmptyValue"] = True
    return result
