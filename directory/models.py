"""Directory listings as Wagtail pages, and the taxonomies they are filed under.

Every kind of listing (PA, provider, club, ULO, peer group) is a page type
that extends ``ListingPage``, a concrete base table so that the directory can
be queried as one. Only published (moderator-approved) listings reach search:
publishing writes a search record (see ``directory.search``).
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable, Page
from wagtail.search import index

from directory import geo


class Term(models.Model):
    """A vocabulary term with a contract slug (see shared/domain/VOCABULARY.md)."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class Outcome(Term):
    """What a person wants to achieve, e.g. physical health, social inclusion."""


class Category(Term):
    """What is bought, e.g. gym membership, personal assistant, respite."""

    class Meta(Term.Meta):
        verbose_name_plural = "categories"


class AccessibilityFeature(Term):
    """Something that makes a service usable, e.g. step-free access, hearing loop."""


class Language(Term):
    """A language a service is offered in. Slug: ISO 639-1 code, or 'bsl'."""


class PriceUnit(models.TextChoices):
    HOUR = "hour", "an hour"
    SESSION = "session", "a session"
    DAY = "day", "a day"
    WEEK = "week", "a week"
    MONTH = "month", "a month"
    YEAR = "year", "a year"
    ONE_OFF = "one-off", "one-off"
    FREE = "free", "free"


class ListingKind(models.TextChoices):
    PA = "pa", "Personal assistant"
    PROVIDER = "provider", "Provider"
    CLUB = "club", "Club or group"
    ULO = "ulo", "User-led organisation"
    PEER_GROUP = "peer_group", "Peer support group"


class DirectoryIndexPage(Page):
    """The parent of every listing. Its URL (/directory/) is the search page."""

    introduction = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = [
        "directory.PersonalAssistantPage",
        "directory.ProviderPage",
        "directory.ClubPage",
        "directory.UserLedOrganisationPage",
        "directory.PeerSupportGroupPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = "directory"

    def serve(self, request, *args, **kwargs):
        from django.shortcuts import redirect

        return redirect("directory:search")


class ListingPage(Page):
    """What every listing has. Not created directly: use one of the kinds below."""

    listing_kind: str = ""

    kind = models.CharField(
        max_length=16, choices=ListingKind.choices, editable=False, db_index=True
    )
    summary = models.CharField(
        max_length=300, help_text="One or two sentences: what you offer and who it is for."
    )
    description = models.TextField(
        blank=True, help_text="More detail in plain words. Short paragraphs work best."
    )
    outcomes = ParentalManyToManyField(
        Outcome, blank=True, help_text="What people can achieve with this."
    )
    categories = ParentalManyToManyField(
        Category, blank=True, help_text="What kind of service this is."
    )

    price_amount = models.DecimalField(
        "price (£)",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    price_unit = models.CharField(
        "price is per", max_length=16, choices=PriceUnit.choices, blank=True
    )
    price_notes = models.CharField(
        max_length=200, blank=True, help_text="For example: concessions, what is included."
    )
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many people you can support or places in total."
    )
    places_available = models.PositiveIntegerField(
        "places left", null=True, blank=True, help_text="Leave empty if places do not apply."
    )
    availability = models.TextField(
        "opening times or availability", blank=True, help_text="For example: Mon–Fri 9am–5pm."
    )
    service_radius_km = models.DecimalField(
        "area served (km from base)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="For PAs and services that come to you: how far you travel from your base.",
    )
    offers_backup_cover = models.BooleanField("offers back-up or emergency cover", default=False)
    accessibility_features = ParentalManyToManyField(AccessibilityFeature, blank=True)
    accessibility_notes = models.TextField(blank=True)
    languages = ParentalManyToManyField(Language, blank=True)

    contact_name = models.CharField(max_length=120, blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    contact_email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_confirmed = models.DateField(
        null=True, blank=True, help_text="When the owner last confirmed these details are right."
    )
    reminded_at = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the owner was last emailed a reminder to confirm (directory.freshness).",
    )

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("description"),
        index.FilterField("kind"),
    ]

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("photo"),
        FieldPanel("outcomes", widget=forms.CheckboxSelectMultiple),
        FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("price_amount"), FieldPanel("price_unit")]),
                FieldPanel("price_notes"),
                FieldRowPanel([FieldPanel("capacity"), FieldPanel("places_available")]),
                FieldPanel("availability"),
            ],
            heading="Price and places",
        ),
        InlinePanel("locations", heading="Where", label="Location", min_num=1),
        FieldPanel("service_radius_km"),
        FieldPanel("offers_backup_cover"),
        MultiFieldPanel(
            [
                FieldPanel("accessibility_features", widget=forms.CheckboxSelectMultiple),
                FieldPanel("accessibility_notes"),
                FieldPanel("languages", widget=forms.CheckboxSelectMultiple),
            ],
            heading="Access and languages",
        ),
        MultiFieldPanel(
            [
                FieldPanel("contact_name"),
                FieldPanel("contact_phone"),
                FieldPanel("contact_email"),
                FieldPanel("website"),
            ],
            heading="Contact",
        ),
        FieldPanel("last_confirmed"),
    ]

    is_creatable = False
    parent_page_types = ["directory.DirectoryIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "listing"

    def save(self, *args, **kwargs):
        if self.listing_kind:
            self.kind = self.listing_kind
        return super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.price_unit == PriceUnit.FREE:
            self.price_amount = 0
        elif self.price_amount is not None and not self.price_unit:
            raise ValidationError({"price_unit": "Say what the price is for: an hour, a session…"})
        if (
            self.places_available is not None
            and self.capacity is not None
            and self.places_available > self.capacity
        ):
            raise ValidationError({"places_available": "Places left cannot be more than capacity."})

    @property
    def locations_are_private(self) -> bool:
        """A PA (or anyone listing from home) never shows their full postcode."""
        return self.kind == ListingKind.PA

    def confirm_details(self, when=None):
        """The owner says the details are still right today."""
        self.last_confirmed = timezone.localdate(when)
        ListingPage.objects.filter(pk=self.pk).update(last_confirmed=self.last_confirmed)

    def get_edit_url(self):
        return reverse("directory:owner_edit", args=[self.pk])


class ListingLocation(Orderable):
    """A place a listing operates from. Coordinates come from the postcode, to sector precision."""

    listing = ParentalKey(ListingPage, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(
        max_length=120, blank=True, help_text="For example: Main hall, or leave empty."
    )
    address = models.CharField(
        max_length=255, blank=True, help_text="Street address. Not shown for personal assistants."
    )
    postcode = models.CharField(max_length=10, help_text="For example SK1 3XE.")
    is_home_base = models.BooleanField(
        default=False, help_text="This is a home address: show only the area, never the postcode."
    )
    public_postcode = models.CharField(max_length=10, editable=False)
    lat = models.FloatField(editable=False, null=True)
    lng = models.FloatField(editable=False, null=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("address"),
        FieldPanel("postcode"),
        FieldPanel("is_home_base"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "location"

    def __str__(self):
        return self.public_postcode or self.postcode

    def clean(self):
        super().clean()
        try:
            self.locate()
        except geo.PostcodeError as exc:
            raise ValidationError({"postcode": str(exc)}) from None

    def locate(self):
        """Normalise the postcode and set coordinates and what may be shown."""
        place = geo.locate(self.postcode)
        self.postcode = place.postcode
        self.lat, self.lng = place.lat, place.lng
        listing = getattr(self, "listing", None)  # None while an unsaved form builds it
        private = self.is_home_base or getattr(listing, "kind", "") == ListingKind.PA
        self.public_postcode = place.public_area if private else place.postcode

    def save(self, *args, **kwargs):
        if self.lat is None or self.lng is None or not self.public_postcode:
            self.locate()
        super().save(*args, **kwargs)


class PersonalAssistantPage(ListingPage):
    listing_kind = ListingKind.PA

    class DBSLevel(models.TextChoices):
        NONE = "", "No check yet"
        BASIC = "basic", "Basic"
        STANDARD = "standard", "Standard"
        ENHANCED = "enhanced", "Enhanced"

    class Gender(models.TextChoices):
        UNSAID = "", "Prefer not to say"
        FEMALE = "female", "Woman"
        MALE = "male", "Man"
        NON_BINARY = "non-binary", "Non-binary"

    skills = models.TextField(blank=True, help_text="For example: personal care, cooking, driving.")
    experience = models.TextField(blank=True, help_text="Who you have supported and for how long.")
    hours_wanted_min = models.PositiveSmallIntegerField(
        "fewest hours a week", null=True, blank=True
    )
    hours_wanted_max = models.PositiveSmallIntegerField("most hours a week", null=True, blank=True)
    gender = models.CharField(max_length=16, choices=Gender.choices, blank=True)
    drives = models.BooleanField("can drive people", default=False)
    dbs_level = models.CharField("DBS check", max_length=16, choices=DBSLevel.choices, blank=True)
    dbs_verified_on = models.DateField("DBS verified by a moderator on", null=True, blank=True)
    insurance_verified_on = models.DateField(
        "insurance verified by a moderator on", null=True, blank=True
    )
    references_verified_on = models.DateField(
        "references verified by a moderator on", null=True, blank=True
    )
    checks_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The moderator who verified the checks.",
    )

    content_panels = ListingPage.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("skills"),
                FieldPanel("experience"),
                FieldRowPanel([FieldPanel("hours_wanted_min"), FieldPanel("hours_wanted_max")]),
                FieldPanel("gender"),
                FieldPanel("drives"),
            ],
            heading="About the PA",
        ),
        MultiFieldPanel(
            [
                FieldPanel("dbs_level"),
                FieldPanel("dbs_verified_on"),
                FieldPanel("insurance_verified_on"),
                FieldPanel("references_verified_on"),
                FieldPanel("checks_verified_by"),
            ],
            heading="Checks (moderators verify)",
        ),
    ]
    is_creatable = True
    template = "directory/listing_page.html"

    class Meta:
        verbose_name = "personal assistant"

    def clean(self):
        super().clean()
        if (
            self.hours_wanted_min is not None
            and self.hours_wanted_max is not None
            and self.hours_wanted_min > self.hours_wanted_max
        ):
            raise ValidationError({"hours_wanted_max": "Most hours must be at least fewest hours."})

    @property
    def few_hours_welcome(self) -> bool:
        return self.hours_wanted_min is not None and self.hours_wanted_min <= 5


class ProviderPage(ListingPage):
    listing_kind = ListingKind.PROVIDER

    organisation_name = models.CharField(
        max_length=200, blank=True, help_text="If different from the listing name."
    )
    cqc_registered = models.BooleanField("registered with the CQC", default=False)
    cqc_location_id = models.CharField("CQC location ID", max_length=20, blank=True)
    charity_number = models.CharField("registered charity number", max_length=20, blank=True)

    content_panels = ListingPage.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("organisation_name"),
                FieldPanel("cqc_registered"),
                FieldPanel("cqc_location_id"),
                FieldPanel("charity_number"),
            ],
            heading="About the organisation",
        )
    ]
    is_creatable = True
    template = "directory/listing_page.html"

    class Meta:
        verbose_name = "provider"


class ClubPage(ListingPage):
    listing_kind = ListingKind.CLUB

    run_by_volunteers = models.BooleanField(default=False)
    who_for = models.CharField(
        "who it is for", max_length=200, blank=True, help_text="For example: adults 18+, everyone."
    )

    content_panels = ListingPage.content_panels + [
        FieldPanel("run_by_volunteers"),
        FieldPanel("who_for"),
    ]
    is_creatable = True
    template = "directory/listing_page.html"

    class Meta:
        verbose_name = "club or group"


class UserLedOrganisationPage(ListingPage):
    listing_kind = ListingKind.ULO

    led_by = models.CharField(
        max_length=200,
        blank=True,
        help_text=(
            "Who runs and controls it, e.g. 'people with lived experience of mental ill health'."
        ),
    )
    offers_peer_brokerage = models.BooleanField(default=False)
    peer_brokerage_details = models.TextField(
        blank=True, help_text="How peer brokers help someone make and carry out their plan."
    )
    offers_peer_support = models.BooleanField(default=False)
    peer_support_details = models.TextField(blank=True)
    accepts_referrals = models.BooleanField(
        default=True, help_text="Practitioners and people can refer someone to you through Kith."
    )

    content_panels = ListingPage.content_panels + [
        FieldPanel("led_by"),
        MultiFieldPanel(
            [
                FieldPanel("offers_peer_brokerage"),
                FieldPanel("peer_brokerage_details"),
                FieldPanel("offers_peer_support"),
                FieldPanel("peer_support_details"),
                FieldPanel("accepts_referrals"),
            ],
            heading="Peer brokerage and peer support",
        ),
    ]
    is_creatable = True
    template = "directory/listing_page.html"

    class Meta:
        verbose_name = "user-led organisation"


class PeerSupportGroupPage(ListingPage):
    listing_kind = ListingKind.PEER_GROUP

    who_for = models.CharField("who it is for", max_length=200, blank=True)
    facilitated_by = models.CharField(max_length=200, blank=True)
    meets_online = models.BooleanField("also meets online", default=False)

    content_panels = ListingPage.content_panels + [
        FieldPanel("who_for"),
        FieldPanel("facilitated_by"),
        FieldPanel("meets_online"),
    ]
    is_creatable = True
    template = "directory/listing_page.html"

    class Meta:
        verbose_name = "peer support group"


LISTING_PAGE_TYPES = {
    ListingKind.PA: PersonalAssistantPage,
    ListingKind.PROVIDER: ProviderPage,
    ListingKind.CLUB: ClubPage,
    ListingKind.ULO: UserLedOrganisationPage,
    ListingKind.PEER_GROUP: PeerSupportGroupPage,
}


class ListingSource(models.Model):
    """Another directory Kith imports listings from, e.g. a council's Open Referral UK feed."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(
        max_length=200, help_text="Who publishes it, e.g. Bristol City Council."
    )
    url = models.CharField(
        max_length=500, blank=True, help_text="The feed's address, or the file it came from."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ListingProvenance(models.Model):
    """Where an imported listing came from, and whether anyone has checked it since.

    One per imported listing; a listing someone created on Kith has none.
    ``(source, external_id)`` is what a re-import matches on, and ``content_hash``
    tells it whether the source's record changed since the last import.
    """

    listing = models.OneToOneField(ListingPage, on_delete=models.CASCADE, related_name="provenance")
    source = models.ForeignKey(ListingSource, on_delete=models.PROTECT, related_name="listings")
    external_id = models.CharField(max_length=255, help_text="The id of the record in the source.")
    source_modified = models.DateTimeField(
        null=True, blank=True, help_text="When the source says it last changed the record."
    )
    content_hash = models.CharField(max_length=64)
    imported_at = models.DateTimeField()
    checked_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a moderator or the claimed owner checked it. Until then: unverified.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="directory_provenance_source_id"
            )
        ]

    def __str__(self):
        return f"{self.source} #{self.external_id}"

    @property
    def is_verified(self) -> bool:
        return self.checked_at is not None


class SearchLog(models.Model):
    """One directory search, kept to report unmet demand. Holds no account ids."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    source = models.CharField(max_length=16, default="web")  # web, api, match
    query_text = models.CharField(max_length=200, blank=True)
    outcomes = models.CharField(max_length=500, blank=True)
    categories = models.CharField(max_length=500, blank=True)
    kinds = models.CharField(max_length=100, blank=True)
    origin_outward = models.CharField(max_length=8, blank=True)
    radius_km = models.FloatField(null=True)
    result_count = models.PositiveIntegerField()
    backend = models.CharField(max_length=16)
    # The searcher's role (e.g. "practitioner"), "" if not signed in: a group, never a person.
    searcher_role = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]


class IndexUpdate(models.Model):
    """A listing whose Elasticsearch document is out of step, kept until the update lands.

    Publishing, unpublishing and deleting write one (one per listing: a newer
    change replaces an older one); ``directory.tasks.process_index_updates``
    brings the document in line with the listing as it is *then* (indexed if
    live, removed if not or gone) and deletes the row, or, if Elasticsearch
    cannot be reached, tries again later with a growing wait. So a listing
    taken down during an outage leaves search once Elasticsearch is back.
    """

    class Action(models.TextChoices):
        INDEX = "index", "Index"
        REMOVE = "remove", "Remove"

    # Not a foreign key: the listing may have been deleted.
    listing_id = models.PositiveBigIntegerField(unique=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    attempts = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    next_try = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["next_try", "pk"]


class ListingManager(models.Model):
    """A person who manages a listing on Kith: its owner, or someone the owner let help.

    Who owns a listing is recorded here, never by Wagtail's ``Page.owner``
    (which Wagtail sets to whoever creates or copies a page in its admin, a
    moderator included). Exactly one manager of a managed listing has the
    role "owner": the account holder, who is contacted and paid. An
    organisation's listing can have several managers: its staff. Read and
    change these through ``directory.ownership``, not directly.
    """

    class Role(models.TextChoices):
        OWNER = "owner", "Owner (contacted and paid)"
        MANAGER = "manager", "Manager"

    listing = models.ForeignKey(ListingPage, on_delete=models.CASCADE, related_name="managers")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="managed_listings"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MANAGER)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The moderator or owner who added them; empty if they listed it themselves.",
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["listing", "-role", "added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "person"], name="directory_one_manager_row_per_person"
            ),
            models.UniqueConstraint(
                fields=["listing"],
                condition=models.Q(role="owner"),
                name="directory_one_owner_per_listing",
            ),
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()}) of listing {self.listing_id}"


class ListingClaim(models.Model):
    """Someone asks to manage a listing: as its owner if it has none, else as a manager.

    A moderator checks who they are (a code emailed to the listing's published
    address, a call to its published phone, or the evidence they describe) and
    approves or declines with a reason; a request to help manage an owned
    listing can also be answered by its owner. See ``directory.claims``.
    """

    class Kind(models.TextChoices):
        OWNER = "owner", "To own and manage the listing"
        MANAGER = "manager", "To help manage the listing"

    class Verify(models.TextChoices):
        EMAIL = "email", "Send a code to the email address on the listing"
        PHONE = "phone", "A moderator phones the number on the listing"
        EVIDENCE = "evidence", "I will describe other evidence"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    listing = models.ForeignKey(ListingPage, on_delete=models.CASCADE, related_name="claims")
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listing_claims"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    role_at_service = models.CharField(
        "your role", max_length=120, help_text="For example: manager, owner, the PA yourself."
    )
    verify_by = models.CharField(max_length=16, choices=Verify.choices)
    evidence = models.TextField(blank=True, max_length=2000)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The emailed one-time code: only its keyed hash is kept.
    code_hash = models.CharField(max_length=128, blank=True, editable=False)
    code_sent_to = models.EmailField(blank=True, editable=False)
    code_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    codes_sent = models.PositiveSmallIntegerField(default=0, editable=False)
    code_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    email_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, max_length=2000)
    moderator_note = models.TextField(
        blank=True, max_length=2000, help_text="For moderators only, e.g. who answered the phone."
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "claimant"],
                condition=models.Q(status="pending"),
                name="directory_one_open_claim_per_person",
            )
        ]

    def __str__(self):
        return f"{self.claimant} asks to manage listing {self.listing_id} ({self.status})"

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


# --- Safety: suspensions and providers' checks (directory.safety) -------------------


class ListingSuspension(models.Model):
    """A moderator took a listing out of the directory at once, and why.

    While a suspension is open (``lifted_at`` empty) the listing is out of
    search and cannot be booked or enquired about, without waiting for Wagtail
    publishing. Lifting it keeps the row, with the moderator's note, as history.
    """

    listing = models.ForeignKey(ListingPage, on_delete=models.CASCADE, related_name="suspensions")
    reason = models.TextField(max_length=2000, help_text="Shown to the listing's owner.")
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    suspended_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lift_note = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-suspended_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing"],
                condition=models.Q(lifted_at__isnull=True),
                name="one_open_suspension_per_listing",
            )
        ]

    def __str__(self):
        return f"{self.listing} suspended {self.suspended_at:%Y-%m-%d}"


class ListingCheck(models.Model):
    """A check a provider or PA gives (CQC registration, insurance), verified by a moderator.

    The owner enters the details; a moderator verifies them and records when
    and how (for example "looked up on the CQC register"). A new entry of the
    same kind replaces the old one once it is verified; until then the older
    verified check is still what people see.
    """

    class Kind(models.TextChoices):
        CQC = "cqc", "CQC registration"
        EMPLOYERS_LIABILITY = "employers_liability", "Employer's liability insurance"
        PUBLIC_LIABILITY = "public_liability", "Public liability insurance"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for a moderator"
        VERIFIED = "verified", "Checked by a moderator"
        REJECTED = "rejected", "Could not be checked"

    listing = models.ForeignKey(ListingPage, on_delete=models.CASCADE, related_name="safety_checks")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    reference = models.CharField(
        max_length=100,
        help_text="The CQC location or provider ID, or the insurer and policy number.",
    )
    expires_on = models.DateField(null=True, blank=True, help_text="Insurance: valid until.")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_on = models.DateField(null=True, blank=True)
    how_checked = models.CharField(max_length=300, blank=True)
    expiry_reminded_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["listing", "kind", "-entered_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.listing}"

    @property
    def is_insurance(self) -> bool:
        return self.kind != self.Kind.CQC


from directory.search.records import ListingRecord, ListingRecordLocation  # noqa: E402,F401
