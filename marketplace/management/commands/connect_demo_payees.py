"""manage.py connect_demo_payees: demo owners get a connected account on the fake Stripe.

``make run`` runs it beside the server once the fake Stripe is up, so every priced
demo listing offers card payment and its owner sees payouts. Owners who can
already receive money are skipped, so a second run does nothing.
"""

from django.core.management.base import BaseCommand

from marketplace.demo import connect_demo_payees


class Command(BaseCommand):
    help = "Give demo listing owners a connected account on Kith's fake Stripe (make run)."

    def handle(self, *args, **options):
        def say(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        connect_demo_payees(say)
