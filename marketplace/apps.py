from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "marketplace"
    verbose_name = "Marketplace"

    def ready(self):
        # Keeps each listing's places left in step with its offers and bookings.
        from marketplace.places import services  # noqa: F401
