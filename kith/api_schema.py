"""OpenAPI schema hooks (drf-spectacular)."""

PUBLIC_API_PREFIX = "/api/v1/"


def public_endpoints_only(endpoints, **kwargs):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(PUBLIC_API_PREFIX)]
