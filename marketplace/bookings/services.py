"""Bookings: requested → accepted | declined → delivered → paid, or cancelled.

One function per transition, along ``BOOKING_TRANSITIONS``. Each checks who
is acting, checks where the booking stands, records a BookingEvent (from, to,
by, when, note) and is safe to call twice: repeating a transition that has
already happened changes nothing and posts no second payment or ledger line.

Who may do what:

- the person, or a representative who acts for them, asks for a booking, may
  cancel it while it is requested or accepted, and may give another card;
- the listing's owner accepts or declines (with a reason), marks it
  delivered (not before it starts) and paid, may cancel an accepted booking,
  may write off a delivered booking nothing was paid for, and may refund
  after delivery.

Money follows the payment route chosen at request:

- card (only when the listing's payee can receive money, see
  ``payments.connect``): the card is saved with the request (nothing held),
  the price held when the owner accepts, and taken on delivery, which makes
  the booking paid; the provider's share is then transferred to them
  (``payments.payouts``), and a refund takes back the same proportion. A
  hold lapses after about seven days, so a booking delivered later is
  charged to the saved card instead; a declined card can be replaced
  (``change_card``), in every state before payment. Cancelling releases what
  is held or refunds what was taken.
- managed account or individual service fund: a numbered invoice goes to the
  payer at delivery; the booking is paid when the invoice is marked paid.
  Cancelling before payment cancels the invoice.

Locks: the offer (when places are counted), then the booking, then its
payment (see ``marketplace.payments`` for the whole order).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.representation import can_act_for
from directory import ownership
from directory.safety.records import is_suspended
from marketplace.bookings import notices
from marketplace.complaints.records import delivery_hold
from marketplace.models import Booking, BookingEvent, Offer, Payment, PaymentRoute
from marketplace.payments import cards, connect, invoices, payouts
from marketplace.payments.gateway import OutcomeUnknown, PaymentError, atomic_keeping_calls
from marketplace.places import services as places
from marketplace.states import Transitions

Status = Booking.Status

BOOKING_TRANSITIONS = Transitions(
    "booking",
    {
        Status.REQUESTED: {Status.ACCEPTED, Status.DECLINED, Status.CANCELLED},
        Status.ACCEPTED: {Status.DELIVERED, Status.CANCELLED},
        # Cancelled after delivery: the provider wrote it off, nothing was taken.
        Status.DELIVERED: {Status.PAID, Status.CANCELLED},
        Status.PAID: set(),
        Status.DECLINED: set(),
        Status.CANCELLED: set(),
    },
)

# The most one booking may ask for, and the most an offer may cost: typing errors, not plans.
MAX_QUANTITY = 52
MAX_OFFER_PRICE = Decimal("20000.00")


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
    return ownership.manages(user, booking.offer.listing)


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


def lock(booking: Booking) -> Booking:
    return _lock(booking)


def _move(booking: Booking, to: str, by, note: str = "") -> bool:
    """Move a locked booking along its table; False if it is there already."""
    if not BOOKING_TRANSITIONS.step(booking.status, to):
        return False
    BookingEvent.objects.create(
        booking=booking, from_status=booking.status, to_status=to, by=_user(by), note=note
    )
    booking.status = to
    booking.save(update_fields=["status", "updated_at"])
    notices.changed(booking, note)
    return True


def _note(booking: Booking, by, note: str) -> None:
    """An event that changes no status (a refund, a card that failed)."""
    BookingEvent.objects.create(
        booking=booking,
        from_status=booking.status,
        to_status=booking.status,
        by=_user(by),
        note=note[:2000],
    )


def _refuse(booking: Booking, action: str):
    return BookingError(
        f"This booking is {booking.get_status_display().lower()}, so it cannot be {action}."
    )


def is_card(booking: Booking) -> bool:
    return booking.payment_route == PaymentRoute.CARD


# --- Places ----------------------------------------------------------------------------

# Counted in one place, ``marketplace.places.services``; named here for this module's callers.
places_held = places.places_held
places_left = places.offer_places_left


# --- Transitions ------------------------------------------------------------------------


def current_payment(booking: Booking) -> Payment | None:
    """The booking's latest card payment; earlier ones are failed or replaced attempts."""
    return cards.current_payment(booking)


def taken_payment(booking: Booking) -> Payment | None:
    """The attempt that took the money, if any (refunds go back to it)."""
    return booking.payments.filter(status__in=cards.TAKEN | {Payment.Status.REFUNDED}).last()


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
    the Stripe payment method from the card form; the card is saved, and no
    money is held until the owner accepts.
    """
    user = _user(by)
    if user is None or not can_act_for(user, person):
        raise PermissionDenied("You can only ask for bookings for yourself or someone you act for.")
    if payment_route not in PaymentRoute.values:
        raise BookingError("Choose how you will pay.")
    payer_name = payer_name.strip()
    if payment_route == PaymentRoute.CARD:
        if not cards.card_payments_enabled():
            raise BookingError(cards.CARD_UNAVAILABLE)
        if not payment_method:
            raise BookingError("Enter your card details.")
    elif not payer_name:
        raise BookingError("Enter who holds the money, so the invoice goes to them.")
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise BookingError("Enter how many places you want as a number.") from None
    if not 1 <= quantity <= MAX_QUANTITY:
        raise BookingError(f"Ask for between 1 and {MAX_QUANTITY} places.")
    if goal is not None and goal.plan.person_id != person.pk:
        raise BookingError("Choose a goal from this person's own support plan.")

    offer = Offer.objects.select_for_update(of=("self",)).select_related("listing").get(pk=offer.pk)
    if not offer.is_active:
        raise BookingError(f"Sorry, {offer} can no longer be booked.")
    if not ownership.has_owner(offer.listing):
        raise BookingError(f"Sorry, {offer.listing.title} cannot take bookings through Kith yet.")
    if is_suspended(offer.listing):
        raise BookingError(f"Sorry, {offer.listing.title} cannot take bookings at the moment.")
    if payment_route == PaymentRoute.CARD:
        refusal = connect.card_refusal(offer.listing)
        if refusal:
            raise BookingError(refusal)
    if offer.price > MAX_OFFER_PRICE:
        raise BookingError(f"Sorry, {offer} cannot be booked through Kith at this price.")
    left = places_left(offer)
    if left is not None and quantity > left:
        if left == 0:
            raise BookingError(f"Sorry, there are no places left on {offer}.")
        word = "place" if left == 1 else "places"
        raise BookingError(
            f"Sorry, there {'is' if left == 1 else 'are'} only {left} {word} left on {offer}."
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
    notices.requested(booking)
    if payment_route == PaymentRoute.CARD:
        # Inside the offer's lock, so a card Stripe refuses leaves no booking holding a place.
        payment = cards.new_attempt(booking=booking, amount=booking.amount, paid_by=user)
        try:
            cards.save_card(payment, payment_method, name=str(person))
        except PaymentError as error:
            raise BookingError(str(error)) from error
    return booking


@payouts.then_settle
def change_card(booking: Booking, by, payment_method: str) -> Payment:
    """Give another card: before acceptance it replaces the first; after a declined or lapsed
    hold it is held at once; after delivery with nothing paid it is charged at once."""
    failure = None
    with transaction.atomic():
        booking = _lock(booking)
        _require_person(by, booking, "pay for")
        if not is_card(booking):
            raise BookingError("This booking is paid by invoice, not by card.")
        if booking.status not in (Status.REQUESTED, Status.ACCEPTED, Status.DELIVERED):
            raise _refuse(booking, "paid with another card")
        current = current_payment(booking)
        if current and current.status in cards.TAKEN:
            raise BookingError("This booking has been paid, so there is no need for another card.")
        if current and current.status == Payment.Status.AUTHORISED:
            raise BookingError(
                "The price is already held on the card given, so no other card is needed."
            )
        if not payment_method:
            # Before anything is let go: an empty form must not drop the card already saved.
            raise BookingError("Enter your card details.")
        if current and current.status == Payment.Status.PENDING:
            cards.release(current)
        payment = cards.new_attempt(booking=booking, amount=booking.amount, paid_by=_user(by))
        try:
            payment = cards.save_card(payment, payment_method, name=str(booking.person))
            if booking.status == Status.ACCEPTED:
                payment = cards.authorise(payment)
            elif booking.status == Status.DELIVERED:
                payment = cards.take(payment)
                _move(booking, Status.PAID, by, note="Paid with another card.")
        except OutcomeUnknown as error:
            _note(booking, by, str(error))
            failure = error
        except PaymentError as error:
            _note(booking, by, f"Another card was tried: {error}")
            failure = error
    # Raised after the transaction commits so the attempt stays on record.
    if failure:
        raise failure
    return payment


def accept(booking: Booking, by) -> Booking:
    """The owner accepts; a card booking's price is held on the saved card now.

    If the card is declined the booking stays requested, the failed attempt
    is kept, and PaymentError says why: the person can give another card.
    If the card service does not answer, the booking is accepted anyway: the
    saved card is charged on delivery if no hold was made.
    """
    failure = None
    with transaction.atomic():
        booking = _lock(booking)
        _require_owner(by, booking, "accept")
        if booking.status in (Status.ACCEPTED, Status.DELIVERED, Status.PAID):
            return booking
        if booking.status != Status.REQUESTED:
            raise _refuse(booking, "accepted")
        note = ""
        if is_card(booking):
            try:
                payment = current_payment(booking)
                if payment is None:
                    raise PaymentError("No card was given for this booking.")
                cards.authorise(payment)
            except OutcomeUnknown:
                note = "The card hold is not confirmed yet; the card is charged on delivery."
            except PaymentError as error:
                failure = error
                _note(booking, by, f"The card was declined when accepting: {error}")
        if failure is None:
            _move(booking, Status.ACCEPTED, by, note=note)
    if failure:
        raise failure
    return booking


@atomic_keeping_calls
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
        cards.settle_for_cancellation(current_payment(booking))
    _move(booking, Status.DECLINED, by, note=reason)
    return booking


@payouts.then_settle
@transaction.atomic
def deliver(booking: Booking, by, *, today=None) -> Booking:
    """The owner says it happened: a card booking is paid, an invoice booking invoiced.

    Not before the booking starts. Delivery is recorded even if the card
    cannot be charged; the reason is kept on the payment and on the event,
    and the booking stays delivered until it is paid (another card, or
    ``mark_paid`` trying again) or written off.
    """
    booking = _lock(booking)
    _require_owner(by, booking, "deliver")
    if booking.status in (Status.DELIVERED, Status.PAID):
        return booking
    if booking.status != Status.ACCEPTED:
        raise _refuse(booking, "marked as delivered")
    if held := delivery_hold(booking):
        raise BookingError(held)
    today = today or timezone.localdate()
    if booking.starts_on and booking.starts_on > today:
        raise BookingError(
            f"This booking starts on {booking.starts_on:%-d %B %Y}, so it cannot be marked as "
            "delivered before then."
        )
    if not is_card(booking):
        invoice = invoices.issue_invoice(booking)
        notices.invoice_issued(invoice)
        _move(
            booking,
            Status.DELIVERED,
            by,
            note=f"Invoice {invoice.number} sent to {invoice.payer_name}.",
        )
        return booking
    _move(booking, Status.DELIVERED, by)
    _take_card_payment(booking, by)
    return booking


def _take_card_payment(booking: Booking, by) -> bool:
    """Take a delivered card booking's money; True once it is paid. The booking is locked."""
    payment = current_payment(booking)
    try:
        if payment is None:
            raise PaymentError("No card was given for this booking.")
        payment = cards.take(payment)
    except OutcomeUnknown as error:
        _note(booking, by, str(error))
        return False
    except PaymentError as error:
        _note(booking, by, f"The card payment could not be taken: {error}")
        return False
    _move(booking, Status.PAID, by, note="Card payment taken.")
    return True


@payouts.then_settle
@atomic_keeping_calls
def mark_paid(booking: Booking, by) -> Booking:
    """The owner records payment: takes the card payment, or marks the invoice paid."""
    booking = _lock(booking)
    _require_owner(by, booking, "mark as paid")
    if booking.status == Status.PAID:
        return booking
    if booking.status != Status.DELIVERED:
        raise _refuse(booking, "marked as paid")
    if is_card(booking) and (held := delivery_hold(booking)):
        raise BookingError(held)  # an invoice paid elsewhere is still recorded
    if is_card(booking):
        if not _take_card_payment(booking, by):
            payment = current_payment(booking)
            raise PaymentError(
                (payment.failure_message if payment else "")
                or "The card payment could not be taken. The person can give another card."
            )
        return booking
    invoice = invoices.mark_invoice_paid(invoices.issue_invoice(booking), by)
    _move(booking, Status.PAID, by, note=f"Invoice {invoice.number} paid.")
    return booking


@atomic_keeping_calls
def cancel(booking: Booking, by, reason: str = "") -> Booking:
    """Cancel before delivery: the person while requested or accepted, the owner once accepted.

    Nothing is owed for a cancelled booking: a card hold is released, money
    already taken is refunded in full, an unpaid invoice is cancelled. After
    delivery only the owner can cancel, writing off a booking nothing was
    paid for.
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
    if booking.status == Status.DELIVERED:
        if not owner:
            raise BookingError(
                "This booking has been delivered, so it can no longer be cancelled. "
                "The provider can give a refund."
            )
    elif booking.status == Status.PAID:
        raise BookingError(
            "This booking has been delivered and paid, so it can no longer be cancelled. "
            "The provider can give a refund."
        )
    elif booking.status not in (Status.REQUESTED, Status.ACCEPTED):
        raise _refuse(booking, "cancelled")
    if booking.status == Status.REQUESTED and not for_person:
        raise PermissionDenied("To turn down a request, decline it and say why.")
    if is_card(booking):
        for payment in booking.payments.filter(status__in=cards.HELD | cards.TAKEN):
            cards.settle_for_cancellation(payment)
    else:
        invoices.void_for_cancelled_booking(booking)
    default = "Written off by the provider." if booking.status == Status.DELIVERED else ""
    _move(booking, Status.CANCELLED, by, note=(reason or "").strip() or default)
    return booking


@payouts.then_settle
@atomic_keeping_calls
def refund(
    booking: Booking, by, amount: Decimal | None = None, reason: str = "", request: str = ""
) -> Payment:
    """After delivery the owner may give money back, all (None) or part, to the card; on an
    invoiced booking, as a credit note to the payer (``credit_invoice``).

    ``request`` is the refund form's one-time token: submitting the same form
    twice refunds once. The refund is recorded as an event on the booking
    (its status unchanged) and as a negative ledger line.
    """
    booking = _lock(booking)
    _require_owner(by, booking, "refund")
    if not is_card(booking):
        return credit_invoice(booking, by, amount, reason, request)
    payment = taken_payment(booking)
    if payment is None:
        raise BookingError("There is no card payment to refund.")
    before = payment.refunded_amount
    payment = cards.refund(payment, amount, request=request or f"by-{_user(by).pk}-{amount}")
    refunded = payment.refunded_amount - before
    if refunded:
        note = f"Refunded £{refunded}."
        if reason.strip():
            note = f"{note} {reason.strip()}"
        _note(booking, by, note)
    return payment


def credit_invoice(booking: Booking, by, amount=None, reason: str = "", request: str = ""):
    """A refund on an invoiced booking: a credit note to the payer (the booking is locked).

    Returns the ``CreditNote``; the booking's status is unchanged and an
    event records the note.
    """
    if booking.status not in (Status.DELIVERED, Status.PAID):
        raise _refuse(booking, "refunded")
    invoice = invoices.open_invoice(booking)
    if invoice is None:
        raise BookingError("There is no invoice to credit for this booking.")
    before = invoice.credit_notes.count()
    note = invoices.issue_credit_note(invoice, amount, by=by, reason=reason, request=request)
    if invoice.credit_notes.count() > before:
        _note(booking, by, f"Credit note {note.number} for £{note.amount} sent to the payer.")
    return note


# --- Money arriving from elsewhere (webhooks, the scheduler) ------------------------------


@payouts.then_settle
def reconcile(booking: Booking, note: str = "Card payment confirmed by Stripe.") -> Booking:
    """Make the booking agree with its money; safe any time, any number of times.

    A delivered booking whose card was in fact charged becomes paid; money
    held or taken for a booking that was declined or cancelled is released
    or refunded, so nothing owed back is kept. Called by webhooks and the
    scheduler. Takes the booking's lock before its payments'.
    """
    with transaction.atomic():
        booking = _lock(booking)
        if not is_card(booking):
            return booking
        if booking.status == Status.DELIVERED and taken_payment(booking):
            _move(booking, Status.PAID, None, note=note)
        elif booking.status in (Status.DECLINED, Status.CANCELLED):
            for payment in booking.payments.filter(status__in=cards.HELD | cards.TAKEN):
                cards.settle_for_cancellation(payment)
        elif booking.status in (Status.REQUESTED, Status.ACCEPTED, Status.DELIVERED):
            # At most one hold at a time: older attempts still holding money are let go.
            current = current_payment(booking)
            for payment in booking.payments.filter(status=Payment.Status.AUTHORISED).exclude(
                pk=current.pk
            ):
                cards.release(payment)
    return booking


def owing_back():
    """Card bookings whose money may disagree with their status, for the scheduler."""
    from django.db.models import Exists, OuterRef, Q

    def with_payments(statuses):
        return Exists(Payment.objects.filter(booking=OuterRef("pk"), status__in=statuses))

    return Booking.objects.filter(
        Q(status__in=(Status.DECLINED, Status.CANCELLED)) & with_payments(cards.HELD | cards.TAKEN)
        | Q(status=Status.DELIVERED) & with_payments(cards.TAKEN),
        payment_route=PaymentRoute.CARD,
    )
