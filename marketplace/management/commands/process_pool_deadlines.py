"""The money round: settle pools past their deadline, resolve Stripe calls whose reply was
lost, give back any money no longer owed, and chase overdue invoices.

Run every 15 minutes (the compose ``scheduler`` service does). Idempotent:
running it twice, or two at once, settles each pool once, because every step
locks the row it changes and skips what is already done.
"""

from django.core.management.base import BaseCommand

from marketplace import reconcile


class Command(BaseCommand):
    help = (
        "Settle pools past their deadline, resolve unanswered Stripe calls, and release or "
        "refund money that is no longer owed; remind payers of overdue invoices."
    )

    def handle(self, *args, **options):
        counts = reconcile.run()
        self.stdout.write(
            f"Stripe calls resolved: {counts['resolved']}; pools settled: {counts['settled']}; "
            f"pools with payments retried: {counts['retried']}; pledges given back: "
            f"{counts['released']}; bookings put right: {counts['bookings']}; overdue invoices "
            f"chased: {counts['chased']}."
        )
