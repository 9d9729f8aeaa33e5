"""Money: the Stripe gateway, card payments, webhooks, invoices and the spend ledger.

Modules, lowest first (each uses only those above it):

- ``gateway``: every Stripe request, recorded and keyed by its business operation;
- ``ledger``: the spend ledger and statements;
- ``connect``: who is paid for a listing (``payee_for``) and their Stripe Connect account;
- ``payouts``: transfers to payees after delivery or settlement, reversals on refunds;
- ``cards``: one card payment attempt (save, hold, take, release, refund);
- ``payer``: what an invoice's payer gets (emails, a signed link to the invoice);
- ``invoices``: numbered invoices for the managed account and ISF routes, their
  reminders and credit notes;
- ``webhooks``: Stripe's events, routed to bookings and pools (the top layer).

The lock order (one order everywhere, so two transactions can never wait on
each other in a circle): when more than one of these rows is locked in a
transaction, they are locked in this order:

    Offer → Booking → ListingPage → Pool → Pledge → Payment → Transfer → TransferReversal
      → StripeCall → Invoice → InvoiceCounter → CreditNoteCounter

(the listing's row is written when a booking or offer changes its places left,
``marketplace.places``; nothing locks a listing and then a booking or offer.
A PayoutAccount is only ever locked on its own.)

A booking's transitions lock the booking, then its payment; pool transitions
lock the pool, then a pledge, then its payment; webhooks find the payment
without a lock, then lock its booking (or pool and pledge) before the
payment itself. A credit note locks its booking, then the invoice, then the
credit note counter; a reminder locks only its invoice.
payment itself. A payout locks the booking (or pool and pledge), then its
transfer; a refund's reversal is recorded under the payment's lock.
"""
