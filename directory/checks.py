"""Start-up checks: a missing search service is one clear line, not a traceback."""

from django.conf import settings
from django.core.checks import Warning, register

from directory import elasticsearch


@register("kith_services")
def check_elasticsearch(app_configs, **kwargs):
    if not elasticsearch.is_configured():
        return []
    reason = elasticsearch.unreachable_reason()
    if reason is None:
        return []
    return [
        Warning(
            f"ELASTICSEARCH_URL ({settings.ELASTICSEARCH_URL}) cannot be reached ({reason}); "
            "directory search will use the database until it can.",
            id="kith.W001",
        )
    ]
