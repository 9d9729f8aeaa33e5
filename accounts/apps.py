from urllib.parse import urlsplit

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def site_from_base_url(**kwargs):
    """Point the Sites framework's site at ``KITH_BASE_URL`` after every migrate.

    allauth writes the site's domain and name into its emails ("verify your
    address on ..."); without this they would say "example.com". ``make run``
    migrates each time, so a change of ``PORT`` reaches the emails too.
    """
    from django.conf import settings
    from django.contrib.sites.models import Site

    using = kwargs.get("using", "default")
    domain = urlsplit(settings.KITH_BASE_URL).netloc or "127.0.0.1:8000"
    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": "Kith"}
    )
    Site.objects.clear_cache()


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self):
        from django.apps import apps

        # After the sites app's own post_migrate has created its example.com row.
        post_migrate.connect(
            site_from_base_url,
            sender=apps.get_app_config("sites"),
            dispatch_uid="kith_site_from_base_url",
        )
