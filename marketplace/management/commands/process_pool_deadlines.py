"""Settle pools whose deadline has passed and finish outstanding captures and releases.

Run every 15 minutes (the compose ``scheduler`` service does). Idempotent:
running it twice, or two at once, settles each pool once, because every step
locks the row it changes and skips what is already done.
"""

from django.core.management.base import BaseCommand

from marketplace.pools import services as pools


class Command(BaseCommand):
    help = "Settle pools past their deadline: capture when funded, release when not."

    def handle(self, *args, **options):
        counts = pools.process_deadlines()
        self.stdout.write(
            f"Pools settled: {counts['settled']}; pools with payments retried or released: "
            f"{counts['retried']}; left or released pledges let go: {counts['released']}."
        )
