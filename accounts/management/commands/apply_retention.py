"""Apply Kith's retention schedule (``accounts.retention``); run it daily, e.g. from cron."""

from django.core.management.base import BaseCommand

from accounts.retention import RULES, apply_retention


class Command(BaseCommand):
    help = "Delete or anonymise records older than the retention schedule allows, and say how many."

    def handle(self, *args, **options):
        counts = apply_retention()
        for key, count in counts.items():
            self.stdout.write(f"{RULES[key].record}: {count}")
        self.stdout.write(f"Total records deleted or anonymised: {sum(counts.values())}")
