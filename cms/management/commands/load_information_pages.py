"""Create Kith's information and advice pages (/help/, /accessibility/) where missing.

    python manage.py load_information_pages

Safe to run again: pages that exist are left as editors made them.
"""

from django.core.management.base import BaseCommand

from cms.information import ensure_information_pages


class Command(BaseCommand):
    help = "Create the information and advice pages that are missing (safe to run again)."

    def handle(self, *args, **options):
        created = ensure_information_pages()
        self.stdout.write(f"Created {created} information pages.")
