"""Enquiries, offers, bookings, payments, invoices, the spend ledger, PA job adverts and reviews.

Money is recorded in pounds as Decimal; Stripe amounts (pence) are converted
at the edge (``marketplace.payments``). Every state change of a booking or a
payment is an explicit transition recorded with who and when.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from directory.models import ListingPage

USER = settings.AUTH_USER_MODEL


# --- Enquiries and messages --------------------------------------------------


class Enquiry(models.Model):
    """A conversation between a person (or their representative) and a listing's owner."""

    listing = models.ForeignKey(ListingPage, on_delete=models.CASCADE, related_name="enquiries")
    person = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="enquiries")
    started_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    subject = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name_plural = "enquiries"

    def __str__(self):
        return self.subject


class Message(models.Model):
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(max_length=5000)
    sent_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "pk"]


class MessageReport(models.Model):
    """A party asks a moderator to look at a message."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reported_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.TextField(max_length=2000)
    reported_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-reported_at"]


# --- Offers and bookings ------------------------------------------------------


class Offer(models.Model):
    """Something bookable that a listing's owner publishes."""

    class Kind(models.TextChoices):
        SESSION = "session", "One session"
        WEEKLY_HOURS = "weekly_hours", "Weekly hours (PA)"
        BLOCK = "block", "A block of sessions"
        HOLIDAY = "holiday", "A holiday or short break"

    listing = models.ForeignKey(ListingPage, on_delete=models.CASCADE, related_name="offers")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    price = models.DecimalField(
        max_digits=9, decimal_places=2, help_text="The whole price of one booking of this offer."
    )
    sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    hours_per_week = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    places = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many can be booked; empty for no limit."
    )
    starts_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["listing", "title"]

    def __str__(self):
        return self.title


class PaymentRoute(models.TextChoices):
    CARD = "card", "Card (direct payment or own money)"
    MANAGED_ACCOUNT = "managed_account", "Invoice to my managed account"
    INDIVIDUAL_SERVICE_FUND = "individual_service_fund", "Invoice to my individual service fund"


class Booking(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        DELIVERED = "delivered", "Delivered"
        PAID = "paid", "Paid"
        CANCELLED = "cancelled", "Cancelled"

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="bookings")
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="bookings")
    requested_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    enquiry = models.ForeignKey(
        Enquiry, on_delete=models.SET_NULL, null=True, blank=True, related_name="bookings"
    )
    goal = models.ForeignKey(
        "matching.Goal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        help_text="The plan line this spend counts against.",
    )
    payment_route = models.CharField(max_length=32, choices=PaymentRoute.choices)
    payer_name = models.CharField(
        max_length=150, blank=True, help_text="Who holds the money, for an invoice."
    )
    payer_email = models.EmailField(blank=True)
    quantity = models.PositiveSmallIntegerField(default=1)
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    starts_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.offer} for {self.person}"


class BookingEvent(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]


# --- Payments, invoices, ledger ---------------------------------------------


class Payment(models.Model):
    """One card payment attempt for a booking or a pool pledge, through Stripe.

    The card is saved first (a Stripe customer and a SetupIntent), so it can
    be held later (a PaymentIntent with manual capture, which lapses after
    about seven days) or charged off-session when the service is delivered.
    A declined, released or lapsed attempt stays on record; the next attempt
    is a new row. Statuses move only forwards, along
    ``marketplace.payments.cards.PAYMENT_TRANSITIONS``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Card saved, nothing held"
        AUTHORISED = "authorised", "Held on the card"
        CAPTURED = "captured", "Paid"
        CANCELLED = "cancelled", "Released"
        REFUNDED = "refunded", "Refunded"
        PARTLY_REFUNDED = "partly_refunded", "Partly refunded"
        FAILED = "failed", "Failed"

    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    pledge = models.ForeignKey(
        "Pledge", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="payments")
    paid_by = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who gave the card: the person, or someone acting for them.",
    )
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    captured_amount = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    refunded_amount = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    stripe_customer = models.CharField(max_length=255, blank=True)
    stripe_setup_intent = models.CharField(max_length=255, blank=True)
    stripe_payment_method = models.CharField(max_length=255, blank=True)
    stripe_payment_intent = models.CharField(max_length=255, unique=True, null=True, blank=True)
    idempotency_key = models.CharField(
        max_length=255,
        unique=True,
        help_text="The base of every Stripe idempotency key for this payment's operations.",
    )
    failure_message = models.CharField(max_length=300, blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(booking__isnull=False) & models.Q(pledge__isnull=False)),
                name="payment_for_one_thing",
            )
        ]


class StripeCall(models.Model):
    """Every request Kith makes to Stripe, recorded before it is sent.

    The key is the Stripe idempotency key, derived from the business
    operation ("booking 42's capture"), never from a retry count or an
    amount. A call whose reply never came (timeout, connection error, a 5xx)
    is ``unknown`` until ``marketplace.payments.gateway`` has found out from
    Stripe whether it happened.
    """

    class State(models.TextChoices):
        SENT = "sent", "Sent, no reply yet"
        DONE = "done", "Done"
        FAILED = "failed", "Refused by Stripe"
        UNKNOWN = "unknown", "Outcome unknown"

    key = models.CharField(max_length=255, unique=True)
    operation = models.CharField(max_length=64)
    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, null=True, blank=True, related_name="stripe_calls"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.SENT)
    result_id = models.CharField(max_length=255, blank=True)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]


class StripeEvent(models.Model):
    """Each webhook event processed once: duplicates are ignored."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    created = models.DateTimeField(help_text="When Stripe created the event.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]


class Invoice(models.Model):
    """A numbered invoice to whoever holds the money (managed account, ISF provider)."""

    class Status(models.TextChoices):
        ISSUED = "issued", "Issued"
        PAID = "paid", "Paid"
        VOID = "void", "Cancelled"

    number = models.CharField(max_length=32, unique=True)
    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="invoices")
    payer_name = models.CharField(max_length=150)
    payer_email = models.EmailField(blank=True)
    description = models.CharField(max_length=300)
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ISSUED)
    issued_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField()
    paid_at = models.DateTimeField(null=True, blank=True)
    pay_to = models.TextField(
        blank=True,
        help_text="How to pay the supplier (payee and bank account, or their instructions), "
        "fixed when the invoice is first sent with them.",
    )
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the invoice was emailed to the payer."
    )

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self):
        return self.number


class InvoiceCounter(models.Model):
    """The last invoice number issued in a year (locked while numbering)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


class InvoiceChase(models.Model):
    """One reminder about an overdue invoice. Round 1 is sent a set number of days after the
    due date, round 2 an interval later, and so on; one row per round, so a re-run of the
    scheduler sends nothing twice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="chases")
    round = models.PositiveSmallIntegerField()
    sent_to = models.EmailField(blank=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "round"], name="one_chase_per_round")
        ]


class CreditNote(models.Model):
    """Money taken off an invoice (a refund on an invoiced booking), numbered CN-<year>-0001.

    Final once issued: a mistake is put right with another credit note, never
    by changing one. The credit notes on an invoice never add up to more than it.
    """

    number = models.CharField(max_length=32, unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    reason = models.CharField(max_length=300, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    request_key = models.CharField(
        max_length=64,
        unique=True,
        help_text="The refund form's one-time token: the same form sent twice makes one note.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["issued_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_note_positive")
        ]

    def __str__(self):
        return self.number


class CreditNoteCounter(models.Model):
    """The last credit note number issued in a year (locked while numbering)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


class PaymentDetails(models.Model):
    """How a provider or PA is paid against an invoice, entered once on their side.

    Either a UK bank account (payee name, 6-digit sort code, 8-digit account
    number) or free-text instructions, or both.
    """

    owner = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="payment_details")
    payee_name = models.CharField(max_length=140, blank=True)
    sort_code = models.CharField(max_length=6, blank=True)
    account_number = models.CharField(max_length=8, blank=True)
    instructions = models.TextField(max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "payment details"

    def __str__(self):
        return f"Payment details of {self.owner}"

    @property
    def sort_code_display(self) -> str:
        code = self.sort_code
        return f"{code[0:2]}-{code[2:4]}-{code[4:6]}" if len(code) == 6 else code

    def as_text(self) -> str:
        """The lines printed on an invoice under "How to pay"."""
        lines = []
        if self.account_number:
            lines += [
                f"Payee: {self.payee_name}",
                f"Sort code: {self.sort_code_display}",
                f"Account number: {self.account_number}",
            ]
        if self.instructions.strip():
            lines.append(self.instructions.strip())
        return "\n".join(lines)


class LedgerEntry(models.Model):
    """One line of a person's spend statement; refunds are negative."""

    class Kind(models.TextChoices):
        CARD_PAYMENT = "card_payment", "Card payment"
        REFUND = "refund", "Refund"
        INVOICE = "invoice", "Invoice"
        INVOICE_VOID = "invoice_void", "Invoice cancelled"
        POOL_SHARE = "pool_share", "Share of a group purchase"
        CREDIT_NOTE = "credit_note", "Credit note"

    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="ledger_entries")
    plan = models.ForeignKey(
        "matching.SupportPlan", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    goal = models.ForeignKey(
        "matching.Goal", on_delete=models.SET_NULL, null=True, blank=True, related_name="ledger"
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="ledger"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    description = models.CharField(max_length=300)
    supplier = models.CharField(max_length=255, blank=True)
    reference = models.CharField(
        max_length=255, help_text="Stripe payment or refund id, or invoice or credit note number."
    )
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "pk"]
        constraints = [
            # Posting the same payment, refund or invoice twice is a no-op.
            models.UniqueConstraint(fields=["kind", "reference"], name="one_entry_per_reference")
        ]
        verbose_name_plural = "ledger entries"


# --- Payouts to providers (Stripe Connect) ------------------------------------


class PayoutAccount(models.Model):
    """A provider's or PA's Stripe Express account, where Kith sends what they are owed.

    One per person. The flags are Stripe's, copied from the account each time
    Kith hears about it (the ``account.updated`` webhook, or the person coming
    back from Stripe's onboarding pages).
    """

    user = models.OneToOneField(USER, on_delete=models.PROTECT, related_name="payout_account")
    stripe_account = models.CharField(max_length=255, unique=True, null=True, blank=True)
    details_submitted = models.BooleanField(default=False)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    transfers_active = models.BooleanField(
        default=False, help_text="Stripe's transfers capability is active."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def can_receive(self) -> bool:
        """Able to receive money: onboarding finished, transfers and bank payouts switched on."""
        return bool(
            self.stripe_account
            and self.details_submitted
            and self.payouts_enabled
            and self.transfers_active
        )


class Transfer(models.Model):
    """Money sent from Kith's Stripe balance to a payee for one booking or one pool pledge.

    At most one per booking or pledge; its key (the Stripe idempotency key)
    names that booking or pledge. The amount is fixed when the row is made, so
    every retry sends the same request. Refunds later take back a share with
    ``TransferReversal`` rows.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Being sent"
        DONE = "done", "Transferred"
        CANCELLED = "cancelled", "Not needed"

    payee = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="transfers")
    stripe_account = models.CharField(max_length=255)
    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="transfer"
    )
    pledge = models.OneToOneField(
        "Pledge", on_delete=models.PROTECT, null=True, blank=True, related_name="transfer"
    )
    gross = models.DecimalField(
        max_digits=9, decimal_places=2, help_text="The money paid in, net of refunds, when sent."
    )
    fee = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    stripe_transfer = models.CharField(max_length=255, blank=True)
    source_charge = models.CharField(
        max_length=255, blank=True, help_text="The card charge the money came from."
    )
    key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(booking__isnull=False) ^ models.Q(pledge__isnull=False),
                name="transfer_for_one_thing",
            )
        ]


class TransferReversal(models.Model):
    """Part (or all) of a transfer taken back from the payee because money was refunded.

    One per refund: the key names the transfer and the refund (its Stripe id
    or Kith's reference), and the amount is fixed when the row is made.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Being taken back"
        DONE = "done", "Taken back"
        CANCELLED = "cancelled", "Not needed"

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="reversals")
    refund_reference = models.CharField(max_length=255)
    amount = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Worked out once the transfer is made; then fixed, so retries send the same.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    stripe_reversal = models.CharField(max_length=255, blank=True)
    key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]


class PayoutEntry(models.Model):
    """One line of a payee's payouts ledger: a transfer in (positive) or a reversal (negative).

    Kept apart from the spend ledger (``LedgerEntry``), which is budget
    holders' spending against their plans. Keyed by (kind, reference), the
    Stripe transfer or reversal id, so posting twice leaves one line.
    """

    class Kind(models.TextChoices):
        TRANSFER = "transfer", "Transferred to you"
        REVERSAL = "reversal", "Taken back for a refund"

    payee = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="payout_entries")
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    fee = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    description = models.CharField(max_length=300)
    reference = models.CharField(max_length=255, help_text="Stripe transfer or reversal id.")
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "reference"], name="one_payout_line_per_ref")
        ]
        verbose_name_plural = "payout entries"


# --- PA job adverts -----------------------------------------------------------


class JobAdvert(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    person = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="job_adverts")
    posted_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    title = models.CharField(max_length=150)
    hours_per_week = models.DecimalField(max_digits=5, decimal_places=1)
    postcode = models.CharField(max_length=10, help_text="Only the area is shown.")
    public_area = models.CharField(max_length=10, editable=False)
    lat = models.FloatField(editable=False)
    lng = models.FloatField(editable=False)
    hourly_rate = models.DecimalField(max_digits=6, decimal_places=2)
    what_matters = models.TextField("what matters to me", max_length=3000)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class JobApplication(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        SHORTLISTED = "shortlisted", "Shortlisted"
        DECLINED = "declined", "Not taken forward"

    advert = models.ForeignKey(JobAdvert, on_delete=models.CASCADE, related_name="applications")
    applicant = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="job_applications")
    message = models.TextField(max_length=3000)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.APPLIED)
    reply = models.TextField(blank=True, max_length=3000)
    replied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["advert", "applicant"], name="one_application_per_pa")
        ]


# --- Reviews ------------------------------------------------------------------


class Review(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for moderation"
        APPROVED = "approved", "Published"
        REJECTED = "rejected", "Not published"

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="review")
    listing = models.ForeignKey(ListingPage, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=3000)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    moderated_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply = models.TextField(blank=True, max_length=3000)
    replied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="rating_one_to_five"
            )
        ]


# --- Pools: buying together ---------------------------------------------------


class Pool(models.Model):
    """A shared purchase: several budget holders buy one thing together.

    Opened by a provider (an offer for a group) or proposed by a budget holder
    around a listing. Funded when the minimum number of members have pledged
    by the deadline; otherwise every pledge is released.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open for pledges"
        FUNDED = "funded", "Funded"
        FAILED = "failed", "Did not reach its minimum"
        CANCELLED = "cancelled", "Cancelled"
        DELIVERED = "delivered", "Delivered"

    listing = models.ForeignKey(ListingPage, on_delete=models.PROTECT, related_name="pools")
    organiser = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="organised_pools")
    title = models.CharField(max_length=150)
    description = models.TextField(max_length=5000)
    outcomes = models.ManyToManyField("directory.Outcome", blank=True)
    price_per_place = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        help_text="Each member's share; for a total price, the share if the minimum join.",
    )
    total_price = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="A price for the whole group, shared by everyone who joins; empty for a "
        "price per place.",
    )
    places = models.PositiveIntegerField()
    minimum_members = models.PositiveIntegerField()
    deadline = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minimum_members__lte=models.F("places")),
                name="pool_minimum_within_places",
            )
        ]

    def __str__(self):
        return self.title


class PoolEvent(models.Model):
    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]


class Pledge(models.Model):
    """A member's share of a pool, traced to a goal line in their own plan."""

    class Method(models.TextChoices):
        CARD_HOLD = "card_hold", "Card, held now and taken when the pool is funded"
        CARD_SAVED = "card_saved", "Card saved, charged when the pool is funded"
        INVOICE = "invoice", "Invoice to a managed account"

    class Status(models.TextChoices):
        HELD = "held", "Held"
        LEFT = "left", "Left the pool"
        CAPTURED = "captured", "Paid"
        RELEASED = "released", "Released"
        FAILED = "failed", "Payment failed"
        REFUNDED = "refunded", "Refunded"

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="pledges")
    member = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="pledges")
    pledged_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    goal = models.ForeignKey("matching.Goal", on_delete=models.PROTECT, related_name="pledges")
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    method = models.CharField(max_length=12, choices=Method.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    invoice = models.ForeignKey(
        Invoice, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    capture_attempts = models.PositiveSmallIntegerField(default=0)
    failure_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "member"],
                condition=models.Q(status="held"),
                name="one_held_pledge_per_member",
            )
        ]


# --- Complaints and no-shows (marketplace.complaints) ---------------------------


class Complaint(models.Model):
    """The person's side reports a no-show or complains about a booking.

    The provider may answer once, in writing; a moderator resolves it or
    escalates it. Statuses move along ``marketplace.complaints.records.COMPLAINT_TRANSITIONS``.
    A no-show that is not resolved stops the booking being marked delivered.
    """

    class Kind(models.TextChoices):
        NO_SHOW = "no_show", "The provider did not come"
        COMPLAINT = "complaint", "A complaint"

    class Category(models.TextChoices):
        NO_SHOW = "no_show", "Did not come"
        LATE = "late", "Late or left early"
        QUALITY = "quality", "The support was not what was agreed"
        CONDUCT = "conduct", "How I was treated"
        SAFETY = "safety", "I felt unsafe, or something harmful happened"
        MONEY = "money", "Money or charges"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the provider's answer"
        ANSWERED = "answered", "Answered by the provider"
        RESOLVED = "resolved", "Resolved"
        ESCALATED = "escalated", "Passed on by a moderator"

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "Upheld"
        NOT_UPHELD = "not_upheld", "Not upheld"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="complaints")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    category = models.CharField(max_length=10, choices=Category.choices)
    what_happened = models.TextField(max_length=5000)
    made_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(max_length=5000, blank=True)
    answered_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    moderator_note = models.TextField(max_length=5000, blank=True)
    closed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-made_at", "-pk"]
        constraints = [
            # Reporting the same thing twice while it is being looked at is one complaint.
            models.UniqueConstraint(
                fields=["booking", "kind"],
                condition=models.Q(status__in=["open", "answered", "escalated"]),
                name="one_live_complaint_per_booking_and_kind",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} about booking {self.booking_id}"


class ComplaintEvent(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
