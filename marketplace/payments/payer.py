"""What the payer of an invoice receives: the invoice, reminders and credit notes by email, and
a signed link that opens the invoice without a Kith account.

The payer is whoever holds the person's money for an invoice route: their
managed account provider or individual service fund (ISF) provider, named
with an email address when the booking or pledge was made. They rarely have
a Kith account, so everything they need is in the email: the amount, the
due date, the supplier's payment details (``PaymentDetails``, fixed on the
invoice as ``pay_to`` when it is first sent with them) and the reference to
quote. The emails go through ``accounts.notifications.notify_address``, so
they read like every other Kith email, and once the transaction commits.

The link is ``django.core.signing`` over the invoice's id and number,
valid for ``LINK_MAX_AGE``; it opens that one invoice and nothing else.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.notifications import Event, notify_address
from marketplace.models import CreditNote, Invoice, InvoiceChase, PaymentDetails, Pledge

LINK_MAX_AGE = timedelta(days=90)
SALT = "kith.marketplace.invoice-for-payer"


class LinkRefused(Exception):
    """A payer's link that cannot be used; the message says why, in words for the payer."""


class LinkExpired(LinkRefused):
    pass


# --- The signed link ----------------------------------------------------------------------


def token_for(invoice: Invoice) -> str:
    return signing.dumps({"invoice": invoice.pk, "number": invoice.number}, salt=SALT)


def link_for(invoice: Invoice) -> str:
    """The path of the payer's page for ``invoice`` (emails make it a full address)."""
    return reverse("marketplace:invoice_for_payer", args=[token_for(invoice)])


def invoice_from_token(token: str) -> Invoice:
    """The invoice a link names; LinkExpired after LINK_MAX_AGE, LinkRefused if altered."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkExpired(
            f"This link to an invoice has expired: links work for {LINK_MAX_AGE.days} days. "
            "Ask the provider who sent the invoice to send it again."
        ) from None
    except signing.BadSignature:
        raise LinkRefused(
            "This link to an invoice is not complete or has been changed. Copy the whole link "
            "from the email, or ask the provider who sent the invoice for it again."
        ) from None
    invoice = (
        Invoice.objects.filter(pk=data.get("invoice"), number=data.get("number"))
        .select_related("booking__offer__listing", "person")
        .first()
    )
    if invoice is None:
        raise LinkRefused("This invoice is no longer on Kith. Ask the provider who sent it.")
    return invoice


# --- Who sent it, and how to pay them -------------------------------------------------------


def pledge_for(invoice: Invoice) -> Pledge | None:
    """The pool share an invoice is for, if it is not for a booking."""
    return Pledge.objects.filter(invoice=invoice).select_related("pool__listing").first()


def listing_for(invoice: Invoice):
    """The supplier's listing: the booked offer's, or the pool's."""
    if invoice.booking_id:
        return invoice.booking.offer.listing
    pledge = pledge_for(invoice)
    return pledge.pool.listing if pledge else None


def supplier_name(invoice: Invoice) -> str:
    listing = listing_for(invoice)
    return listing.title if listing else "The provider"


def details_of(owner_id) -> PaymentDetails | None:
    return PaymentDetails.objects.filter(owner_id=owner_id).first() if owner_id else None


def fix_pay_to(invoice: Invoice) -> str:
    """The supplier's payment details, copied onto the invoice the first time they are known.

    Fixed from then on, so a later change of bank details (or someone who
    got into the provider's account) cannot redirect money already invoiced.
    """
    if not invoice.pay_to:
        listing = listing_for(invoice)
        details = details_of(listing.owner_id if listing else None)
        if details is not None and details.as_text():
            invoice.pay_to = details.as_text()
            Invoice.objects.filter(pk=invoice.pk, pay_to="").update(pay_to=invoice.pay_to)
    return invoice.pay_to


# --- Emails -----------------------------------------------------------------------------------


def _money(amount) -> str:
    return f"£{amount:,.2f}"


def _how_to_pay(invoice: Invoice, supplier: str) -> str:
    pay_to = fix_pay_to(invoice)
    if pay_to:
        return f"How to pay {supplier}:\n{pay_to}"
    return f"{supplier} has not given bank details on Kith yet: please ask them how to pay."


def _later(send) -> None:
    transaction.on_commit(send)


def _tell(invoice: Invoice, event: str, subject: str, body: str, context: dict) -> bool:
    """Email the payer (later, once committed); False if there is no address to send to."""
    if not invoice.payer_email:
        return False
    link = link_for(invoice)
    _later(
        lambda: notify_address(
            invoice.payer_email,
            event,
            name=invoice.payer_name,
            subject=subject,
            body=body,
            url=link,
            context=context,
        )
    )
    return True


def credited(invoice: Invoice):
    from django.db.models import Sum

    return invoice.credit_notes.aggregate(total=Sum("amount"))["total"] or 0


def amount_due(invoice: Invoice):
    """What is still to pay: the invoice less its credit notes."""
    return invoice.amount - credited(invoice)


def send_invoice(invoice: Invoice) -> bool:
    """Email the invoice to the payer, with how to pay and the reference; once per invoice."""
    if invoice.sent_at is not None or not invoice.payer_email:
        return False
    supplier = supplier_name(invoice)
    body = "\n\n".join(
        [
            f"{supplier} has sent invoice {invoice.number} for {_money(invoice.amount)}, "
            f"due by {invoice.due_on:%-d %B %Y}. It is for support for {invoice.person}: "
            f"{invoice.description}.",
            _how_to_pay(invoice, supplier),
            f"Please quote {invoice.number} as the payment reference.",
            f"The link below opens the invoice to print or save, without an account. "
            f"It works for {LINK_MAX_AGE.days} days.",
        ]
    )
    sent = _tell(
        invoice,
        Event.INVOICE_ISSUED,
        f"Invoice {invoice.number}: {_money(invoice.amount)} for {invoice.person}",
        body,
        {"invoice": invoice.pk},
    )
    invoice.sent_at = timezone.now()
    Invoice.objects.filter(pk=invoice.pk).update(sent_at=invoice.sent_at)
    return sent


def send_reminder(invoice: Invoice, chase: InvoiceChase) -> bool:
    supplier = supplier_name(invoice)
    body = "\n\n".join(
        [
            f"Invoice {invoice.number} from {supplier}, for support for {invoice.person}, "
            f"was due by {invoice.due_on:%-d %B %Y} and is not marked as paid. "
            f"{_money(amount_due(invoice))} is still to pay.",
            _how_to_pay(invoice, supplier),
            f"Please quote {invoice.number} as the payment reference. If you have paid "
            f"already, thank you: {supplier} will mark it as paid when the money arrives.",
        ]
    )
    return _tell(
        invoice,
        Event.INVOICE_OVERDUE,
        f"Reminder: invoice {invoice.number} is overdue",
        body,
        {"invoice": invoice.pk, "chase": chase.round},
    )


def send_credit_note(note: CreditNote) -> bool:
    invoice = note.invoice
    supplier = supplier_name(invoice)
    paid = invoice.status == Invoice.Status.PAID
    body = "\n\n".join(
        [
            f"{supplier} has issued credit note {note.number} for {_money(note.amount)} "
            f"against invoice {invoice.number} (support for {invoice.person})"
            + (f": {note.reason}" if note.reason else "")
            + ".",
            (
                f"The invoice was paid, so {supplier} owes {_money(note.amount)} back: they "
                "will arrange it with you."
                if paid
                else f"{_money(amount_due(invoice))} is now to pay on invoice {invoice.number}."
            ),
        ]
    )
    sent = _tell(
        invoice,
        Event.CREDIT_NOTE_ISSUED,
        f"Credit note {note.number}: {_money(note.amount)} off invoice {invoice.number}",
        body,
        {"invoice": invoice.pk, "credit_note": note.pk},
    )
    if sent:
        note.sent_at = timezone.now()
        CreditNote.objects.filter(pk=note.pk).update(sent_at=note.sent_at)
    return sent
