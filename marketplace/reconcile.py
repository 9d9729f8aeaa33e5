"""The scheduler's money round: find out what lost Stripe replies did, settle pools, make
sure no booking or pledge keeps money it no longer owes (or stays unpaid when it was paid),
remind the payers of overdue invoices, and send providers what they are owed
(``payments.payouts.sweep``).

``process_pool_deadlines`` (every 15 minutes in production) runs ``run``.
Every step is idempotent, so a second run straight after the first does
nothing, and two at once do each thing once.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from marketplace.bookings import services as bookings
from marketplace.payments import cards, invoices, payouts
from marketplace.pools import services as pools

logger = logging.getLogger(__name__)


def run(now=None) -> dict:
    now = now or timezone.now()
    counts = pools.process_deadlines(now)
    counts["bookings"] = 0
    for booking in bookings.owing_back():
        try:
            bookings.reconcile(booking)
        except (cards.PaymentError, bookings.BookingError) as error:
            logger.warning("Booking %s still disagrees with its money: %s", booking.pk, error)
            continue
        counts["bookings"] += 1
    # Overdue invoices: one reminder per round, recorded, so this run twice sends nothing twice.
    counts["chased"] = invoices.chase_overdue(timezone.localdate(now))
    # Then pay providers what they are owed, and take back their share of refunds.
    counts.update(payouts.sweep())
    return counts
