"""Count every bookable listing's places left again from its offers and bookings.

Kith keeps them in step as offers and bookings change (``marketplace.places``);
run this once after a deployment that brings the rule in, or after loading
offers in bulk (which skips the usual updates). Idempotent: a listing already
right is not written, and search is updated only for those that changed.
"""

from django.core.management.base import BaseCommand

from marketplace.models import Offer
from marketplace.places.services import refresh_listing


class Command(BaseCommand):
    help = "Count each listing's places left again from its offers and bookings."

    def handle(self, *args, **options):
        listing_ids = Offer.objects.values_list("listing_id", flat=True).distinct()
        changed = sum(refresh_listing(pk) for pk in listing_ids.order_by("listing_id"))
        self.stdout.write(f"Listings whose places left changed: {changed}.")
