"""Bookings: requested → accepted | declined → delivered → paid, or cancelled.

One function per transition. Each checks who is acting, checks where the
booking stands, records a BookingEvent (from, to, by, when, note) and is safe
to call twice: repeating a transition that has already happened changes
nothing and posts no second payment or ledger line.

Who may do what:

- the person, or a representative who acts for them, asks for a booking and
  may cancel it while it is requested or accepted;
- the listing's owner accepts or declines (with a reason), marks it delivered
  and paid, may cancel an accepted booking, and may refund after delivery.

Money follows the payment route chosen at request:

- card: the card is given with the request (an unconfirmed PaymentIntent, no
  money held), authorised when the owner accepts, captured on delivery, which
  makes the booking paid. Cancelling releases what is held or refunds what
  was taken; after delivery only a refund by the owner is possible.
- managed account or individual service fund: a numbered invoice goes to the
  payer at delivery; the booking is paid when the invoice is marked paid.
  Cancelling before payment cancels the invoice.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum

from accounts.representation import can_act_for
from marketplace.models import Booking, BookingEvent, Offer, Payment, PaymentRoute
from marketplace.payments import cards as payments
from marketplace.payments import invoices

Status = Booking.Status

# Bookings that hold places on an offer.
HOLDING_PLACES = (Status.REQUESTED, Status.ACCEPTED, Status.DELIVERED, Status.PAID)


class BookingError(ValueError):
    """A booking cannot change the way someone tried to; the message says why."""


# --- Who is acting --------------------------------------------------------------


def _user(by):
    """The signed-in user, or None for nobody (None or an anonymous user)."""
    return by if by is not None and by.is_authenticated else None


def acts_for_person(by, booking: Booking) -> bool:
    user = _user(by)
    return user is not None and can_act_for(user, booking.person)


def is_owner(by, booking: Booking) -> bool:
    user = _user(by)
    return user is not None and booking.offer.listing.owner_id == user.pk


def _require_owner(by, booking: Booking, action: str) -> None:
    if not is_owner(by, booking):
        raise PermissionDenied(f"Only the provider who owns this listing can {action} a booking.")


def _require_person(by, booking: Booking, action: str) -> None:
    if not acts_for_person(by, booking):
        raise PermissionDenied(
            f"Only the person booked, or someone who acts for them, can {action} this booking."
        )


# --- Recording transitions ---------------------------------------------------------


def _lock(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("offer__listing", "person")
        .get(pk=booking.pk)
    )


def _move(booking: Booking, to: str, by, note: str = "") -> None:
    BookingEvent.objects.create(
        booking=booking, from_status=booking.status, to_status=to, by=_user(by), note=note
    )
    booking.status = to
    booking.save(update_fields=["status", "updated_at"])


def _refuse(booking: Booking, action: str):
    return BookingError(
        f"This booking is {booking.get_status_display().lower()}, so it cannot be {action}."
    )


def is_card(booking: Booking) -> bool:
    return booking.payment_route == PaymentRoute.CARD


# --- Places ----------------------------------------------------------------------------


def places_held(offer: Offer) -> int:
    return (
        Booking.objects.filter(offer=offer, status__in=HOLDING_PLACES).aggregate(n=Sum("quantity"))[
            "n"
        ]
        or 0
    )


def places_left(offer: Offer) -> int | None:
    """How many places can still be booked; None when the offer has no limit."""
    if offer.places is None:
        return None
    return max(0, offer.places - places_held(offer))


# --- Transitions ------------------------------------------------------------------------


@transaction.atomic
def request_booking(
    offer: Offer,
    person,
    *,
    by,
    payment_route: str,
    goal=None,
    quantity: int = 1,
    payer_name: str = "",
    payer_email: str = "",
    note: str = "",
    payment_method: str = "",
    enquiry=None,
) -> Booking:
    """Ask for ``quantity`` places on ``offer`` for ``person``.

    The offer's row is locked while places are counted, so two people can
    never both get the last place. For the card route ``payment_method`` is
    the Stripe payment method from the card form; no money is held until the
    owner accepts.
    """
    user = _user(by)
    if user is None or not can_act_for(user, person):
        raise PermissionDenied("You can only ask for bookings for yourself or someone you act for.")
    if payment_route not in PaymentRoute.values:
        raise BookingError("Choose how you will pay.")
    payer_name = payer_name.strip()
    if payment_route == PaymentRoute.CARD:
        if not payments.card_payments_enabled():
            raise BookingError(payments.CARD_UNAVAILABLE)
        if not payment_method:
            raise BookingError("Enter your card details.")
    elif not payer_name:
        raise BookingError("Enter who holds the money, so the invoice goes to them.")
    quantity = int(quantity)
    if quantity < 1:
        raise BookingError("Ask for at least one place.")
    if goal is not None and goal.plan.person_id != person.pk:
        raise BookingError("Choose a goal from this person's own support plan.")

    offer = Offer.objects.select_for_update(of=("self",)).select_related("listing").get(pk=offer.pk)
    if not offer.is_active:
        raise BookingError(f"Sorry, {offer} can no longer be booked.")
    if offer.listing.owner_id is None:
        raise BookingError(f"Sorry, {offer.listing.title} cannot take bookings through Kith yet.")
    left = places_left(offer)
    if left is not None and quantity > left:
        if left == 0:
            raise BookingError(f"Sorry, there are no places left on {offer}.")
        places = "place" if left == 1 else "places"
        raise BookingError(
            f"Sorry, there {'is' if left == 1 else 'are'} only {left} {places} left on {offer}."
        )

    booking = Booking.objects.create(
        offer=offer,
        person=person,
        requested_by=user,
        enquiry=enquiry,
        goal=goal,
        payment_route=payment_route,
        payer_name=payer_name,
        payer_email=payer_email.strip(),
        quantity=quantity,
        amount=(offer.price * quantity).quantize(Decimal("0.01")),
        starts_on=offer.starts_on,
        note=note,
    )
    BookingEvent.objects.create(
        booking=booking, from_status="", to_status=Status.REQUESTED, by=user
    )
    if payment_route == PaymentRoute.CARD:
        # Inside the offer's lock, so a card Stripe refuses leaves no booking holding a place.
        payments.prepare_card(booking, payment_method)
    return booking


@transaction.atomic
def change_card(booking: Booking, by, payment_method: str) -> Payment:
    """Give another card for a requested booking, for example after the first was declined."""
    booking = _lock(booking)
    _require_person(by, booking, "pay for")
    if not is_card(booking):
        raise BookingError("This booking is paid by invoice, not by card.")
    if booking.status != Status.REQUESTED:
        raise _refuse(booking, "paid with another card")
    current = payments.current_payment(booking)
    if current and current.status == Payment.Status.PENDING:
        payments.release(current)
    return payments.prepare_card(booking, payment_method)


def accept(booking: Booking, by) -> Booking:
    """The owner accepts; a card booking's price is authorised (held) on the card now.

    If the card is declined the booking stays requested, the failed attempt
    is kept, and PaymentError says why.
    """
    failure = None
    with transaction.atomic():
        booking = _lock(booking)
        _require_owner(by, booking, "accept")
        if booking.status in (Status.ACCEPTED, Status.DELIVERED, Status.PAID):
            return booking
        if booking.status != Status.REQUESTED:
            raise _refuse(booking, "accepted")
        if is_card(booking):
            try:
                payments.authorise(booking)
            except payments.PaymentError as error:
                failure = error
        if failure is None:
            _move(booking, Status.ACCEPTED, by)
    if failure:
        raise failure
    return booking


@transaction.atomic
def decline(booking: Booking, by, reason: str) -> Booking:
    """The owner turns a request down and says why; a card given is released."""
    booking = _lock(booking)
    _require_owner(by, booking, "decline")
    if booking.status == Status.DECLINED:
        return booking
    if booking.status != Status.REQUESTED:
        raise _refuse(booking, "declined")
    reason = (reason or "").strip()
    if not reason:
        raise BookingError("Say why you are declining, so the person knows what to do next.")
    if is_card(booking):
        payments.settle_for_cancellation(payments.current_payment(booking))
    _move(booking, Status.DECLINED, by, note=reason)
    return booking


@transaction.atomic
def deliver(booking: Booking, by) -> Booking:
    """The owner says it happened: a card booking is captured (and so paid), an invoice issued.

    Delivery is recorded even if the card cannot be charged (an authorisation
    can expire); the reason is kept on the payment and on the event, and the
    booking stays delivered until ``mark_paid`` succeeds.
    """
    booking = _lock(booking)
    _require_owner(by, booking, "deliver")
    if booking.status in (Status.DELIVERED, Status.PAID):
        return booking
    if booking.status != Status.ACCEPTED:
        raise _refuse(booking, "marked as delivered")
    if not is_card(booking):
        invoice = invoices.issue_invoice(booking)
        _move(
            booking,
            Status.DELIVERED,
            by,
            note=f"Invoice {invoice.number} sent to {invoice.payer_name}.",
        )
        return booking
    payment = payments.current_payment(booking)
    try:
        payment = payments.capture(payment) if payment else None
        if payment is None:
            raise payments.PaymentError("No card was given for this booking.")
    except payments.PaymentError as error:
        _move(booking, Status.DELIVERED, by, note=f"The card payment could not be taken: {error}")
        if payment:
            Payment.objects.filter(pk=payment.pk).update(failure_message=str(error)[:300])
        return booking
    _move(booking, Status.DELIVERED, by)
    _move(booking, Status.PAID, by, note="Card payment taken.")
    return booking


@transaction.atomic
def mark_paid(booking: Booking, by) -> Booking:
    """The owner records payment: takes the card payment, or marks the invoice paid."""
    booking = _lock(booking)
    _require_owner(by, booking, "mark as paid")
    if booking.status == Status.PAID:
        return booking
    if booking.status != Status.DELIVERED:
        raise _refuse(booking, "marked as paid")
    if is_card(booking):
        payment = payments.current_payment(booking)
        if payment is None:
            raise payments.PaymentError("No card was given for this booking.")
        payments.capture(payment)
        _move(booking, Status.PAID, by, note="Card payment taken.")
        return booking
    invoices.mark_invoice_paid(invoices.issue_invoice(booking), by)
    booking.refresh_from_db()
    return booking


@transaction.atomic
def cancel(booking: Booking, by, reason: str = "") -> Booking:
    """Cancel before delivery: the person while requested or accepted, the owner once accepted.

    Nothing is owed for a cancelled booking: a card hold is released, money
    already taken is refunded in full, an unpaid invoice is cancelled.
    """
    booking = _lock(booking)
    for_person = acts_for_person(by, booking)
    owner = is_owner(by, booking)
    if not (for_person or owner):
        raise PermissionDenied(
            "Only the person booked, someone who acts for them, "
            "or the provider can cancel this booking."
        )
    if booking.status == Status.CANCELLED:
        return booking
    if booking.status in (Status.DELIVERED, Status.PAID):
        raise BookingError(
            "This booking has been delivered, so it can no longer be cancelled. "
            "The provider can give a refund."
        )
    if booking.status not in (Status.REQUESTED, Status.ACCEPTED):
        raise _refuse(booking, "cancelled")
    if booking.status == Status.REQUESTED and not for_person:
        raise PermissionDenied("To turn down a request, decline it and say why.")
    if is_card(booking):
        payments.settle_for_cancellation(payments.current_payment(booking))
    else:
        invoices.void_for_cancelled_booking(booking)
    _move(booking, Status.CANCELLED, by, note=(reason or "").strip())
    return booking


@transaction.atomic
def refund(booking: Booking, by, amount: Decimal | None = None, reason: str = "") -> Payment:
    """After delivery the owner may give money back, all (None) or part, to the card.

    The refund is recorded as an event on the booking (its status unchanged)
    and as a negative ledger line.
    """
    booking = _lock(booking)
    _require_owner(by, booking, "refund")
    if not is_card(booking):
        raise BookingError(
            "This booking was paid by invoice; send a credit note to the payer instead."
        )
    payment = payments.current_payment(booking)
    if payment is None:
        raise BookingError("There is no card payment to refund.")
    before = payment.refunded_amount
    payment = payments.refund(payment, amount)
    refunded = payment.refunded_amount - before
    note = f"Refunded £{refunded}."
    if reason.strip():
        note = f"{note} {reason.strip()}"
    BookingEvent.objects.create(
        booking=booking,
        from_status=booking.status,
        to_status=booking.status,
        by=_user(by),
        note=note,
    )
    return payment


# --- Money arriving from elsewhere (webhooks, invoices) ---------------------------------


@transaction.atomic
def record_card_paid(
    booking: Booking, by=None, note: str = "Card payment confirmed by Stripe."
) -> Booking:
    """The card payment was taken (perhaps seen first by a webhook): a delivered booking is paid."""
    booking = _lock(booking)
    if booking.status == Status.DELIVERED:
        _move(booking, Status.PAID, by, note=note)
    return booking


@transaction.atomic
def record_invoice_paid(booking: Booking, by) -> Booking:
    """Called by ``invoices.mark_invoice_paid``: the delivered booking becomes paid."""
    booking = _lock(booking)
    if booking.status == Status.DELIVERED:
        invoice = invoices.open_invoice(booking)
        _move(booking, Status.PAID, by, note=f"Invoice {invoice.number} paid." if invoice else "")
    return booking
