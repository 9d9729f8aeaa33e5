from django.apps import AppConfig


class MatchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "matching"
    verbose_name = "Plans and matching"

    def ready(self):
        from matching import stays

        stays.connect()
