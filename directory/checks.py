"""Start-up checks: a missing search service is one clear line, not a traceback."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

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


LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


@register(Tags.security, deploy=True)
def check_plain_http_only_on_localhost(app_configs, **kwargs):
    """KITH_HTTPS=false silences Django's HTTPS warnings; that is only safe on this machine."""
    if not settings.PRODUCTION or getattr(settings, "HTTPS", True):
        return []
    public = [host for host in settings.ALLOWED_HOSTS if host not in LOOPBACK_HOSTS]
    if not public:
        return []
    return [
        Warning(
            f"KITH_HTTPS=false, but ALLOWED_HOSTS names {', '.join(public)}: sign-in cookies "
            "would cross the network unencrypted. Serve the site over HTTPS and leave "
            "KITH_HTTPS unset.",
            id="kith.W002",
        )
    ]
