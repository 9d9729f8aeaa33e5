"""List the demo accounts that own listings, with their listings, to sign in as one.

    python manage.py demo_owners               # every owner
    python manage.py demo_owners pools swim    # owners of listings with these words in the title

Every demo account has the password in docs/demo.md. Only for demo data:
these accounts are public.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.management.base import BaseCommand

from directory.demo import DEMO_PASSWORD, demo_owners
from directory.models import ListingPage


class Command(BaseCommand):
    help = "List the demo accounts that own listings (sign in as them with the demo password)."

    def add_arguments(self, parser):
        parser.add_argument(
            "words", nargs="*", help="Only listings whose title has all these words."
        )

    def handle(self, *args, words: list[str], **options):
        owners = {user.pk: user for user in demo_owners()}
        listings = ListingPage.objects.filter(owner_id__in=owners).order_by("title")
        for word in words:
            listings = listings.filter(title__icontains=word)
        titles = defaultdict(list)
        for owner_id, title in listings.values_list("owner_id", "title"):
            titles[owner_id].append(title)
        shown = sorted(titles, key=lambda pk: owners[pk].email)
        for pk in shown:
            user = owners[pk]
            self.stdout.write(f"{user.email}  ({user.get_full_name()})")
            for title in titles[pk]:
                self.stdout.write(f"    {title}")
        if not shown:
            self.stdout.write("No demo listing with an owner matches. Has load_demo been run?")
            return
        self.stdout.write(f"{len(shown)} owners. Every demo account's password: {DEMO_PASSWORD}")
