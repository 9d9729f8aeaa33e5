"""Pages for offers, booking requests, bookings, invoices and spend statements.

The rules live in ``marketplace.bookings`` (who may do what, and when),
``marketplace.payments``, ``marketplace.invoices`` and ``marketplace.ledger``;
these views turn requests into calls and answers into pages. Anyone who is
not a party to a booking or an invoice gets a 404, so nobody learns who
booked what; a statement is shown only to those ``matching.access`` lets
see the plan.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.representation import represented_people
from directory.ownership import has_owner, managed_by, manages
from marketplace.bookings import services as bookings
from marketplace.bookings.forms import (
    BookingForm,
    CancelForm,
    CardForm,
    DeclineForm,
    OfferForm,
    RefundForm,
)
from marketplace.enquiries.services import budget_holders_for
from marketplace.enquiries.views import not_allowed
from marketplace.forms import default_payment_route, funding_routes
from marketplace.models import Booking, Invoice, Offer, Payment, PaymentRoute
from marketplace.payments import cards as payments
from marketplace.payments import connect, invoices
from marketplace.payments.ledger import overspend_warning
from marketplace.places.services import offers_with_places
from matching.models import Goal

Status = Booking.Status


# --- Offers (for listing owners) ---------------------------------------------------


def _owned_listings(user):
    return managed_by(user).order_by("title")


@login_required
@require_GET
def offer_list(request):
    listings = _owned_listings(request.user)
    offers = Offer.objects.filter(listing__in=listings).select_related("listing")
    return render(
        request,
        "marketplace/offers/list.html",
        {
            "listings": listings,
            "offers": offers_with_places(offers),
        },
    )


def _offer_form_page(request, offer=None):
    listings = _owned_listings(request.user)
    if not listings:
        return not_allowed(
            request,
            "You cannot publish offers yet",
            "Offers belong to a listing. Add or claim your listing in the directory first.",
        )
    form = OfferForm(
        request.POST if request.method == "POST" else None, instance=offer, listings=listings
    )
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"“{saved.title}” is saved.")
        return redirect("marketplace:offer_list")
    status = 400 if form.errors else 200
    return render(
        request, "marketplace/offers/form.html", {"form": form, "offer": offer}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_new(request):
    return _offer_form_page(request)


def _owned_offer(user, pk) -> Offer:
    return get_object_or_404(
        Offer.objects.select_related("listing"), pk=pk, listing__in=managed_by(user)
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_edit(request, pk):
    return _offer_form_page(request, _owned_offer(request.user, pk))


@login_required
@require_POST
def offer_active(request, pk):
    """Stop (or start again) taking bookings for an offer; bookings already made stand."""
    offer = _owned_offer(request.user, pk)
    offer.is_active = request.POST.get("active") == "1"
    offer.save(update_fields=["is_active"])
    if offer.is_active:
        messages.success(request, f"“{offer.title}” can be booked again.")
    else:
        messages.success(
            request, f"“{offer.title}” can no longer be booked. Bookings already made still stand."
        )
    return redirect("marketplace:offer_list")


# --- Asking for a booking ---------------------------------------------------------------


def _goals_for(people):
    return list(
        Goal.objects.filter(plan__person__in=people)
        .select_related("plan__person")
        .order_by("plan__person__display_name", "plan_id", "priority", "pk")
    )


def _money(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


def stripe_js_url() -> str:
    """Where to load Stripe.js from: the fake server's copy in tests, Stripe's otherwise."""
    if not settings.STRIPE_PUBLISHABLE_KEY:
        return ""
    if settings.STRIPE_API_BASE:
        return f"{settings.STRIPE_API_BASE.rstrip('/')}/js.stripe.com/v3/"
    return "https://js.stripe.com/v3/"


@login_required
@require_http_methods(["GET", "POST"])
def offer_book(request, pk):
    offer = get_object_or_404(
        Offer.objects.select_related("listing"), pk=pk, is_active=True, listing__live=True
    )
    listing = offer.listing
    if not has_owner(listing):
        return not_allowed(
            request,
            f"You cannot book {listing.title} here",
            f"{listing.title} does not take bookings through Kith yet. "
            "Contact them using the details on their listing.",
        )
    places = bookings.places_left(offer)
    if places == 0:
        # Said before anything is filled in: nothing to ask for, other ways to go.
        return _full_page(request, offer, status=200 if request.method == "GET" else 409)
    people = [p for p in budget_holders_for(request.user) if not manages(p, listing)]
    if not people:
        return not_allowed(
            request,
            "Only budget holders can book",
            "Bookings are made by a person with a personal budget, "
            "or by a representative they have named.",
        )
    card_enabled = not connect.card_refusal(listing)
    routes = funding_routes(people)
    form = BookingForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        people=people,
        goals=_goals_for(people),
        card_enabled=card_enabled,
        initial={
            "starts_on": offer.starts_on,
            "payment_route": default_payment_route(routes, card_enabled),
        },
    )
    warning = ""
    if request.method == "POST":
        if request.POST.get("seen_warning"):
            form.ask_to_understand()
        if form.is_valid():
            amount = (offer.price * form.cleaned_data["quantity"]).quantize(Decimal("0.01"))
            goal = form.chosen_goal()
            on = form.cleaned_data.get("starts_on") or offer.starts_on
            warning = overspend_warning(goal, amount, on) if goal else ""
            if warning and not form.cleaned_data.get("understand"):
                if form.needs_understanding:
                    form.add_error(
                        "understand", "Tick to say you understand, or change the booking."
                    )
                else:
                    form.ask_to_understand()
                # Not an error in what was typed: the same form again, with the warning.
                return _booking_page(request, offer, form, warning, places, status=200)
            booking = _request(request, offer, form)
            if booking is not None:
                messages.success(
                    request,
                    f"Your request has been sent to {listing.title}. "
                    "You will see here when they accept it.",
                )
                return redirect("marketplace:booking_detail", booking.pk)
    status = 400 if form.errors else 200
    return _booking_page(request, offer, form, warning, places, status=status)


def _request(request, offer, form) -> Booking | None:
    data = form.cleaned_data
    try:
        booking = bookings.request_booking(
            offer,
            form.chosen_person(),
            by=request.user,
            payment_route=data["payment_route"],
            goal=form.chosen_goal(),
            quantity=data["quantity"],
            payer_name=data.get("payer_name", ""),
            payer_email=data.get("payer_email", ""),
            note=data.get("note", ""),
            payment_method=form.chosen_payment_method()
            if data["payment_route"] == PaymentRoute.CARD
            else "",
        )
    except (bookings.BookingError, payments.PaymentError, PermissionDenied) as error:
        form.add_error(None, str(error))
        return None
    if data.get("starts_on") and data["starts_on"] != booking.starts_on:
        # request_booking copies the offer's start; the person may ask for another.
        booking.starts_on = data["starts_on"]
        booking.save(update_fields=["starts_on"])
    return booking


def _full_page(request, offer, status):
    """No places left on ``offer``: say so, and offer the listing's other offers that
    have places, or a message to the provider."""
    others = offers_with_places(
        Offer.objects.filter(listing=offer.listing, is_active=True).exclude(pk=offer.pk)
    )
    context = {
        "offer": offer,
        "listing": offer.listing,
        "others": [(other, left) for other, left in others if left != 0],
    }
    return render(request, "marketplace/bookings/full.html", context, status=status)


def _booking_page(request, offer, form, warning, places, status):
    context = {
        "offer": offer,
        "listing": offer.listing,
        "form": form,
        "warning": warning,
        "places": places,
        "card_enabled": form.card_enabled,
        "card_unavailable": connect.card_refusal(offer.listing) or payments.CARD_UNAVAILABLE,
        "stripe_js": stripe_js_url() if form.card_enabled else "",
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
    }
    return render(request, "marketplace/bookings/new.html", context, status=status)


# --- Booking lists and the booking page --------------------------------------------------


ROUTE_LABELS = {
    PaymentRoute.CARD: "Card",
    PaymentRoute.MANAGED_ACCOUNT: "Invoice to a managed account",
    PaymentRoute.INDIVIDUAL_SERVICE_FUND: "Invoice to an individual service fund",
}


@dataclass
class BookingRow:
    """A booking with its money as both sides see it."""

    booking: Booking
    invoice: Invoice | None
    payment: Payment | None
    overdue_since: object | None
    cancel_effect: str
    as_owner: bool
    can_review: bool

    @property
    def route_label(self) -> str:
        """How it is paid, in words that read right to both sides (the choices say "my")."""
        return ROUTE_LABELS.get(self.booking.payment_route, self.booking.payment_route)

    @property
    def payment_status(self) -> str:
        if self.invoice is not None:
            return f"Invoice {self.invoice.number}: {self.invoice.get_status_display()}"
        if self.payment is not None:
            text = self.payment.get_status_display()
            if self.payment.refunded_amount:
                text += f" ({_money(self.payment.refunded_amount)} refunded)"
            return text
        if self.booking.payment_route == PaymentRoute.CARD:
            return "No card given"
        return "Invoice when delivered"

    @property
    def can_refund(self) -> bool:
        return (
            self.as_owner
            and self.payment is not None
            and self.payment.status in payments.TAKEN
            and self.booking.status in (Status.DELIVERED, Status.PAID)
        )

    @property
    def refundable(self) -> Decimal:
        if self.payment is None:
            return Decimal("0.00")
        return self.payment.captured_amount - self.payment.refunded_amount

    @property
    def refund_request(self) -> str:
        """A one-time token for the refund form, so sending it twice refunds once."""
        return uuid.uuid4().hex

    @property
    def nothing_taken(self) -> bool:
        return self.payment is None or self.payment.status not in payments.TAKEN

    @property
    def can_cancel(self) -> bool:
        status = self.booking.status
        if self.as_owner:
            # After delivery the provider may write off a booking nothing was paid for.
            return status == Status.ACCEPTED or (
                status == Status.DELIVERED and self.invoice is None and self.nothing_taken
            )
        return status in (Status.REQUESTED, Status.ACCEPTED)

    @property
    def needs_card(self) -> bool:
        """The person's side can give another card: declined, lapsed, or not yet taken."""
        if self.as_owner or self.booking.payment_route != PaymentRoute.CARD:
            return False
        if self.booking.status not in (Status.REQUESTED, Status.ACCEPTED, Status.DELIVERED):
            return False
        return self.payment is None or self.payment.status in payments.SPENT


def cancel_effect(booking: Booking, payment: Payment | None, invoice: Invoice | None) -> str:
    """What cancelling would do with the money, said before anyone presses the button."""
    if booking.payment_route == PaymentRoute.CARD:
        if payment is None:
            return "No card payment has been made, so nothing is refunded."
        if payment.status in payments.TAKEN:
            return (
                f"{_money(payment.amount - payment.refunded_amount)} will be refunded to the card."
            )
        if payment.status == Payment.Status.AUTHORISED:
            return (
                f"The {_money(payment.amount)} held on the card will be released. "
                "Nothing has been taken."
            )
        return "Nothing has been taken from the card, so nothing is refunded."
    if invoice is not None and invoice.status == Invoice.Status.ISSUED:
        return f"Invoice {invoice.number} will be cancelled, so nothing is owed."
    return "No invoice has been sent, so nothing is owed."


def _row(booking: Booking, user, today) -> BookingRow:
    invoice = invoices.open_invoice(booking)
    payment = payments.current_payment(booking)
    overdue = (
        invoice.due_on
        if invoice and invoice.status == Invoice.Status.ISSUED and invoice.due_on < today
        else None
    )
    as_owner = bookings.is_owner(user, booking)
    return BookingRow(
        booking=booking,
        invoice=invoice,
        payment=payment,
        overdue_since=overdue,
        cancel_effect=cancel_effect(booking, payment, invoice),
        as_owner=as_owner,
        can_review=(
            not as_owner
            and booking.status in (Status.DELIVERED, Status.PAID)
            and not hasattr_review(booking)
        ),
    )


def hasattr_review(booking: Booking) -> bool:
    """Whether the booking already has a review (a reverse one-to-one raises when missing)."""
    try:
        booking.review  # noqa: B018 - the attribute access is the check
    except Booking.review.RelatedObjectDoesNotExist:
        return False
    return True


def _rows(queryset, user):
    today = timezone.localdate()
    queryset = queryset.select_related("offer__listing", "person", "goal").prefetch_related(
        "invoices", "payments"
    )
    return [_row(booking, user, today) for booking in queryset]


def bookings_for_person_side(user):
    """Bookings for the user and for everyone who named them as representative."""
    return Booking.objects.filter(Q(person=user) | Q(person__in=represented_people(user)))


@login_required
@require_GET
def booking_list(request):
    rows = _rows(bookings_for_person_side(request.user), request.user)
    return render(
        request,
        "marketplace/bookings/list.html",
        {"rows": rows, "cancel_form": CancelForm()},
    )


@login_required
@require_GET
def booking_requests(request):
    rows = _rows(Booking.objects.filter(offer__listing__in=managed_by(request.user)), request.user)
    return render(
        request,
        "marketplace/bookings/requests.html",
        {
            "rows": rows,
            "owns_listings": _owned_listings(request.user).exists(),
            "decline_form": DeclineForm(),
            "cancel_form": CancelForm(),
            "refund_form": RefundForm(),
        },
    )


def get_booking_for(user, pk) -> Booking:
    """The booking if ``user`` is a party (the person, a representative, the owner), else 404."""
    try:
        booking = Booking.objects.select_related("offer__listing", "person", "goal").get(pk=pk)
    except Booking.DoesNotExist:
        raise Http404("No such booking.") from None
    if not (bookings.acts_for_person(user, booking) or bookings.is_owner(user, booking)):
        raise Http404("No such booking.")
    return booking


@login_required
@require_GET
def booking_detail(request, pk):
    booking = get_booking_for(request.user, pk)
    return _detail_page(request, booking)


def _detail_page(request, booking, status=200, **forms):
    row = _row(booking, request.user, timezone.localdate())
    context = {
        "row": row,
        "booking": booking,
        "events": booking.events.select_related("by"),
        "decline_form": forms.get("decline_form") or DeclineForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "refund_form": forms.get("refund_form") or RefundForm(),
        "error": forms.get("error", ""),
    }
    return render(request, "marketplace/bookings/detail.html", context, status=status)


# The buttons on a booking: each calls one function of marketplace.bookings.
ACTIONS = ("accept", "decline", "deliver", "mark-paid", "cancel", "refund")


@login_required
@require_POST
def booking_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404("No such action.")
    booking = get_booking_for(request.user, pk)
    user = request.user
    forms = {}
    try:
        if action == "accept":
            bookings.accept(booking, by=user)
            done = "You accepted the booking."
        elif action == "decline":
            form = forms["decline_form"] = DeclineForm(request.POST)
            if not form.is_valid():
                return _detail_page(request, booking, status=400, **forms)
            bookings.decline(booking, by=user, reason=form.cleaned_data["reason"])
            done = "You declined the booking. The person can see your reason."
        elif action == "deliver":
            booking = bookings.deliver(booking, by=user)
            done = _delivered_message(booking)
        elif action == "mark-paid":
            bookings.mark_paid(booking, by=user)
            done = "The booking is marked as paid."
        elif action == "cancel":
            form = forms["cancel_form"] = CancelForm(request.POST)
            form.is_valid()
            bookings.cancel(booking, by=user, reason=form.cleaned_data.get("reason", ""))
            done = (
                "The booking is written off: nothing is owed."
                if booking.status == Status.DELIVERED
                else "The booking is cancelled."
            )
        else:
            form = forms["refund_form"] = RefundForm(request.POST)
            if not form.is_valid():
                return _detail_page(request, booking, status=400, **forms)
            payment = bookings.refund(
                booking,
                by=user,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                request=form.cleaned_data["request_id"],
            )
            done = f"Refunded. {_money(payment.refunded_amount)} has been refunded in all."
    except PermissionDenied as error:
        return not_allowed(request, "You cannot do that", str(error))
    except (
        bookings.BookingError,
        payments.PaymentError,
        invoices.InvoiceError,
        ValueError,
    ) as error:
        booking.refresh_from_db()
        return _detail_page(request, booking, status=409, error=str(error), **forms)
    messages.success(request, done)
    nxt = request.POST.get("next", "")
    if nxt in ("requests", "list"):
        return redirect(
            "marketplace:booking_requests" if nxt == "requests" else "marketplace:booking_list"
        )
    return redirect("marketplace:booking_detail", booking.pk)


@login_required
@require_http_methods(["GET", "POST"])
def booking_card(request, pk):
    """Give another card for a booking: after a decline, a lapsed hold, or a failed charge."""
    booking = get_booking_for(request.user, pk)
    if not bookings.acts_for_person(request.user, booking):
        raise Http404("No such booking.")
    form = CardForm(request.POST if request.method == "POST" else None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            bookings.change_card(booking, request.user, form.chosen_payment_method())
        except PermissionDenied as denied:
            return not_allowed(request, "You cannot do that", str(denied))
        except (bookings.BookingError, payments.PaymentError) as failure:
            error = str(failure)
        else:
            booking.refresh_from_db()
            messages.success(
                request,
                "Thank you: the booking is paid."
                if booking.status == Status.PAID
                else "Thank you: your card has been saved for this booking.",
            )
            return redirect("marketplace:booking_detail", booking.pk)
    context = {
        "booking": booking,
        "row": _row(booking, request.user, timezone.localdate()),
        "form": form,
        "error": error,
        "stripe_js": stripe_js_url(),
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
    }
    status = 400 if (form.errors or error) else 200
    return render(request, "marketplace/bookings/card.html", context, status=status)


def _delivered_message(booking: Booking) -> str:
    booking.refresh_from_db()
    if booking.status == Status.PAID:
        return "Marked as delivered, and the card payment has been taken."
    invoice = invoices.open_invoice(booking) if not bookings.is_card(booking) else None
    if invoice:
        return (
            f"Marked as delivered. Invoice {invoice.number} has been sent to {invoice.payer_name}."
        )
    return "Marked as delivered, but the card payment could not be taken. See the history below."
