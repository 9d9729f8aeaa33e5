"""Support plans, goals, shortlists and referrals.

A support plan is health and care data: only the person, their
representatives and their named practitioner see it (``matching.access``),
and every practitioner view is logged where the person can read it.
"""

from django import forms
from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.db.models.signals import m2m_changed
from django.utils import timezone
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel
from wagtail.models import DraftStateMixin, RevisionMixin

from directory.models import Category, Language, ListingPage, Outcome


class Stage(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment"
    INDICATIVE_BUDGET = "indicative_budget", "Indicative budget"
    PLANNING = "planning", "Planning"
    SIGN_OFF = "sign_off", "Sign-off"
    APPROVED = "approved", "Approved"
    FIRST_PAYMENT = "first_payment", "First payment"
    ACTIVE = "active", "Active"
    REVIEW = "review", "Review"


STAGE_ORDER = [choice.value for choice in Stage]


class BrokerageRoute(models.TextChoices):
    SELF = "self", "I will plan and arrange it myself"
    FAMILY_OR_FRIENDS = "family_or_friends", "Family or friends will help"
    PEER_BROKER = "peer_broker", "A peer broker from a user-led organisation"
    INDEPENDENT_BROKER = "independent_broker", "A paid independent broker"
    PRACTITIONER = "practitioner", "My social worker or care coordinator"
    PROVIDER_LED = "provider_led", "A provider plans it with me"


class PaymentRoute(models.TextChoices):
    DIRECT_PAYMENT = "direct_payment", "Direct payment"
    MANAGED_ACCOUNT = "managed_account", "Managed account"
    INDIVIDUAL_SERVICE_FUND = "individual_service_fund", "Individual service fund"
    COUNCIL_MANAGED = "council_managed", "Council managed"
    SELF_FUNDED = "self_funded", "Self-funded"


class BudgetPeriod(models.TextChoices):
    WEEK = "week", "a week"
    MONTH = "month", "a month"
    YEAR = "year", "a year"
    ONE_OFF = "one-off", "one-off"


PERIODS_PER_YEAR = {"week": 52, "month": 12, "year": 1, "one-off": 1}


class SupportPlan(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_plans"
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practitioner_plans",
        help_text="The one practitioner named on this plan.",
    )
    practitioner_invited_email = models.EmailField(
        blank=True,
        help_text="Asked to be the named practitioner; they see the plan once they accept.",
    )
    title = models.CharField(max_length=120, default="My support plan")
    postcode = models.CharField(
        max_length=10, blank=True, help_text="Home postcode, used to find options near you."
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.ASSESSMENT)
    brokerage_route = models.CharField(max_length=24, choices=BrokerageRoute.choices, blank=True)
    brokerage_reason = models.TextField(
        "why this route", blank=True, help_text="In the person's words, why they chose it."
    )
    indicative_budget = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    agreed_budget = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    review_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.title} ({self.person})"


class PlanFunding(models.Model):
    """How the budget is held; one budget may be split across several routes."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="funding")
    route = models.CharField(max_length=32, choices=PaymentRoute.choices)
    amount = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["pk"]


class StageEntry(models.Model):
    """When a plan entered a stage, so the wait at each stage can be shown."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="stage_history")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    entered_at = models.DateTimeField(default=timezone.now)
    # When the plan's next stage began (None while the plan is still here): kept
    # by matching.stays from the entries, for the stage-wait report.
    left_at = models.DateTimeField(null=True, blank=True, editable=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["entered_at", "pk"]
        indexes = [models.Index(fields=["left_at"], name="stageentry_left_at")]


# A goal is a sentence or a short paragraph; the cap keeps plan pages and
# matching quick (the form, the API and the database all hold to it).
GOAL_TEXT_MAX_LENGTH = 1000


class Goal(models.Model):
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField(
        "what I want",
        max_length=GOAL_TEXT_MAX_LENGTH,
        validators=[MaxLengthValidator(GOAL_TEXT_MAX_LENGTH)],
        help_text="In your own words.",
    )
    why_it_matters = models.TextField("why this matters to me", blank=True)
    outcomes = models.ManyToManyField(Outcome, blank=True)
    outcomes_from_words = models.BooleanField(
        default=False,
        help_text="The outcomes were ticked by Kith from the goal's words, not by the person.",
    )
    categories = models.ManyToManyField(Category, blank=True)
    priority = models.PositiveSmallIntegerField(default=1, help_text="1 is most important.")
    budget_amount = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    budget_period = models.CharField(max_length=8, choices=BudgetPeriod.choices, blank=True)
    # Preferences
    languages = models.ManyToManyField(Language, blank=True)
    pa_gender = models.CharField(max_length=16, blank=True)
    days = models.CharField(max_length=40, blank=True, help_text="e.g. 'mon,wed,sat'")
    times = models.CharField(max_length=120, blank=True)
    accessibility = models.TextField(blank=True)
    needs_backup_cover = models.BooleanField(default=False)
    not_too_close = models.BooleanField(
        "not too close to home",
        default=False,
        help_text="Prefer options not in your immediate area.",
    )
    keep_listings = models.ManyToManyField(
        ListingPage,
        blank=True,
        related_name="+",
        help_text="People or providers you already use and want to keep.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), GOAL_TEXT_MAX_LENGTH),
                name="goal_text_max_length",
            )
        ]

    def __str__(self):
        return self.text[:60]


class SavedSuggestion(models.Model):
    """A listing the person saved to a goal of their plan."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="saved")
    listing = models.ForeignKey(ListingPage, on_delete=models.CASCADE, related_name="+")
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    saved_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["goal", "listing"], name="one_save_per_goal_listing")
        ]
        ordering = ["saved_at"]


class Shortlist(models.Model):
    """A practitioner's shortlist for a person, shared with them to accept items."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="shortlists")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    title = models.CharField(max_length=120, default="Suggested options")
    created_at = models.DateTimeField(auto_now_add=True)
    shared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class ShortlistItem(models.Model):
    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="items")
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    listing = models.ForeignKey(ListingPage, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["shortlist", "listing"], name="one_item_per_listing")
        ]


class PlanAccess(models.Model):
    """An audit line: someone other than the person (their practitioner, a representative,
    or staff of an organisation they were referred to) looked at or changed their plan, a
    referral about them or their messages. The person can read these: on the plan's page,
    and every line on "Your data". A line about something that is not part of a plan
    (a representative reading the messages of someone with no plan yet) has no plan."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_lines"
    )
    plan = models.ForeignKey(
        SupportPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="access_log"
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]


class Referral(models.Model):
    """A referral of a person to a user-led organisation for peer brokerage or support."""

    class Offer(models.TextChoices):
        PEER_BROKERAGE = "peer_brokerage", "Peer brokerage"
        PEER_SUPPORT = "peer_support", "Peer support"

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        CONTACTED = "contacted", "Contacted"
        CLOSED = "closed", "Closed"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referrals"
    )
    plan = models.ForeignKey(
        SupportPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    organisation = models.ForeignKey(
        "directory.UserLedOrganisationPage", on_delete=models.CASCADE, related_name="referrals"
    )
    offer = models.CharField(max_length=20, choices=Offer.choices)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    consent_given_at = models.DateTimeField(
        help_text="When the person agreed to be referred and to their details being shared."
    )
    consent_note = models.CharField(max_length=300, blank=True)
    message = models.TextField(blank=True)
    shared_goals = models.JSONField(
        default=list,
        blank=True,
        help_text="The plan's goals as they were when the referral was sent: all the "
        "organisation sees, however the plan changes later.",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SENT)
    decline_reason = models.TextField(blank=True)
    contact_consent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the person (or their representative) agreed that the organisation "
        "may message them through Kith.",
    )
    contact_consent_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]


class ReferralMessage(models.Model):
    """One message in the conversation between a ULO and the person it accepted a referral for.

    Only the organisation's staff, the person and their representatives read
    it; see ``matching.referrals.can_read_thread``.
    """

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sender_role = models.CharField(
        max_length=80, help_text="How the sender took part, e.g. 'Stockport Peer Brokers'."
    )
    body = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_at", "pk"]


class ReferralEvent(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=12, choices=Referral.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]


class PhraseRule(DraftStateMixin, RevisionMixin, ClusterableModel):
    """An editable phrase that maps goal words to outcomes and categories.

    Edited in the Wagtail admin (Snippets, "Phrase rules"): a change can be
    saved as a draft and published later; only live rules are used. The
    matching engine reads this table, and nothing else, for every match
    (``matching.engine.vocabulary``), so a published edit is used at once in
    every process.
    """

    phrase = models.CharField(
        max_length=80,
        unique=True,
        help_text="Lower case words as people write them, e.g. 'go swimming'. Any word "
        "ending matches ('swim' matches 'swimming'), and small typos are forgiven.",
    )
    outcomes = ParentalManyToManyField(Outcome, blank=True)
    categories = ParentalManyToManyField(Category, blank=True)
    main_category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The category this phrase is mostly about; it is looked for first.",
    )
    names_a_problem = models.BooleanField(
        default=False,
        help_text="Tick when the phrase names something people want to avoid, such as "
        "'hospital' or 'lonely': 'I don't want to end up in hospital' still asks for help "
        "to stay well, so 'not' does not turn it round.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="phrase_rule")

    panels = [
        FieldPanel("phrase"),
        FieldPanel("outcomes", widget=forms.CheckboxSelectMultiple),
        FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
        FieldPanel("main_category"),
        FieldPanel("names_a_problem"),
    ]

    class Meta:
        ordering = ["phrase"]

    def __str__(self):
        return self.phrase

    @property
    def revisions(self):
        return self._revisions


def _phrase_rule_terms_changed(sender, instance, action, **kwargs):
    """Changing a rule's outcomes or categories alone still changes the table's version."""
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, PhraseRule):
        PhraseRule.objects.filter(pk=instance.pk).update(updated_at=timezone.now())


for _through in (PhraseRule.outcomes.through, PhraseRule.categories.through):
    m2m_changed.connect(
        _phrase_rule_terms_changed, sender=_through, dispatch_uid=f"phrase_rule_m2m_{_through}"
    )


class ContingencyPlan(models.Model):
    """What to do in a crisis or when support falls through: part of the support plan.

    Who to call, the back-up support arranged, and what helps (and what does
    not) when things go wrong, in the person's words. Seen and changed by
    whoever may see the plan (``matching.access``), and each look by someone
    else is in the plan's access log.
    """

    plan = models.OneToOneField(SupportPlan, on_delete=models.CASCADE, related_name="contingency")
    who_to_call = models.TextField(
        "who to call",
        max_length=3000,
        blank=True,
        help_text="Names, how they are related to you and their phone numbers, in the order "
        "to try them. For example: Aisha (daughter) 07700 900123, then Stockport Council's "
        "out-of-hours team 0161 718 2118.",
    )
    backup_support = models.TextField(
        "back-up support",
        max_length=3000,
        blank=True,
        help_text="Who steps in if your PA or provider cannot come, and how to reach them.",
    )
    what_helps = models.TextField(
        "what helps",
        max_length=3000,
        blank=True,
        help_text="What helps you when things go wrong, and anything people should not do.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self):
        return f"Contingency plan for {self.plan}"

    @property
    def is_empty(self) -> bool:
        return not (self.who_to_call or self.backup_support or self.what_helps)
