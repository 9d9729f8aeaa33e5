"""The forms owners fill in to list themselves, one per kind of listing.

Each form is a modelcluster ``ClusterForm``: the listing's fields, its
vocabularies as checkboxes and its places as a child formset, all kept in
memory on the page object so that saving can go into a Wagtail revision
(awaiting moderation) without touching the live page. Fields only
moderators set (checks, the date details were last confirmed) and the slug
are never on these forms.
"""

from __future__ import annotations

from django import forms
from django.db import models
from modelcluster.forms import BaseChildFormSet, ClusterForm

from directory.models import (
    AccessibilityFeature,
    Category,
    ClubPage,
    Language,
    ListingKind,
    ListingLocation,
    Outcome,
    PeerSupportGroupPage,
    PersonalAssistantPage,
    ProviderPage,
    UserLedOrganisationPage,
)
from directory.moderation import PRICE_AND_PLACES_FIELDS

# What every kind of listing asks, in the order an owner reads the form.
ABOUT_FIELDS = ["title", "summary", "description"]
TERM_FIELDS = ["outcomes", "categories"]
PRICE_FIELDS = ["price_amount", "price_unit", "price_notes", "capacity", "places_available"]
WHEN_FIELDS = ["availability", "service_radius_km", "offers_backup_cover"]
ACCESS_FIELDS = ["accessibility_features", "accessibility_notes", "languages"]
CONTACT_FIELDS = ["contact_name", "contact_phone", "contact_email", "website"]

LABELS = {
    "title": "Name",
    "outcomes": "What people can achieve with this",
    "categories": "What kind of service this is",
    "accessibility_features": "Accessibility",
    "languages": "Languages offered, other than English",
}
HELP_TEXTS = {
    "title": "The name people will see in the directory.",
    "outcomes": "Tick all that apply. People search by these.",
    "categories": "Tick all that apply.",
}
# How the form is laid out: headed groups of fields, with the places after
# prices. A kind's own fields go in a group after "About" (``extra_heading``).
SECTIONS = [
    ("About", ABOUT_FIELDS),
    ("What it is for", TERM_FIELDS),
    ("Price and places", PRICE_FIELDS),
    ("Where", None),  # the places formset
    ("Availability and area", WHEN_FIELDS),
    ("Access and languages", ACCESS_FIELDS),
    ("Contact", CONTACT_FIELDS),
]

ERROR_MESSAGES = {
    "title": {"required": "Enter the name people will see."},
    "summary": {"required": "Enter a sentence or two about what you offer and who it is for."},
}

WIDGETS = {
    "outcomes": forms.CheckboxSelectMultiple,
    "categories": forms.CheckboxSelectMultiple,
    "accessibility_features": forms.CheckboxSelectMultiple,
    "languages": forms.CheckboxSelectMultiple,
    "summary": forms.Textarea(attrs={"rows": 2}),
    "description": forms.Textarea(attrs={"rows": 6}),
    "availability": forms.Textarea(attrs={"rows": 3}),
    "accessibility_notes": forms.Textarea(attrs={"rows": 3}),
}


def _formfield(field, **kwargs):
    # People type "example.org"; assume https rather than Django 5's http.
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class LocationForm(forms.ModelForm):
    class Meta:
        model = ListingLocation
        fields = ["name", "address", "postcode", "is_home_base"]
        labels = {"name": "Name of the place", "is_home_base": "Home address"}
        help_texts = {"address": "Street and town, for example: Grand Central Square, Stockport."}
        error_messages = {"postcode": {"required": "Enter a postcode, like SK1 3XE."}}

    def _post_clean(self):
        # The model's own postcode check would only repeat "enter a postcode".
        if "postcode" in self._errors:
            return
        super()._post_clean()


class LocationFormSet(BaseChildFormSet):
    """The places a listing operates from; at least one, so it can be found by distance."""

    default_error_messages = {
        **BaseChildFormSet.default_error_messages,
        "too_few_forms": "Give at least one postcode, so people nearby can find you.",
    }

    def full_clean(self):
        super().full_clean()
        # When the only place is left empty, its own "Enter a postcode" says it all.
        if any(form.errors for form in self.forms):
            self._non_form_errors = self.error_class(
                [e for e in self._non_form_errors.as_data() if e.code != "too_few_forms"],
                error_class="nonform",
                renderer=self.renderer,
            )

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Cleaning a place asks its listing's kind; the listing may not be saved yet.
        form.instance.listing = self.instance
        return form

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this place"


def _locations(fields, **options):
    # The formset must be a ``formsets`` entry of the form's Meta so that
    # modelcluster keeps the places in memory with the page until it is saved.
    return {
        "locations": {
            "fields": fields,
            "form": LocationForm,
            "formset": LocationFormSet,
            "min_num": 1,
            "validate_min": True,
            "can_delete": True,
            **options,
        }
    }


class ListingForm(ClusterForm):
    """What every kind of listing shares. Subclasses name the page type and their own fields."""

    kind: str = ""
    extra_heading = "More about you"

    class Meta:
        fields = (
            ABOUT_FIELDS + TERM_FIELDS + PRICE_FIELDS + WHEN_FIELDS + ACCESS_FIELDS + CONTACT_FIELDS
        )
        labels = LABELS
        help_texts = HELP_TEXTS
        error_messages = ERROR_MESSAGES
        widgets = WIDGETS
        formfield_callback = _formfield
        formsets = _locations(["name", "address", "postcode", "is_home_base"], extra=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Vocabularies in their curated order, not by primary key.
        for name, model in (
            ("outcomes", Outcome),
            ("categories", Category),
            ("accessibility_features", AccessibilityFeature),
            ("languages", Language),
        ):
            if name in self.fields:
                self.fields[name].queryset = model.objects.order_by("sort_order", "name")
        self.fields["title"].max_length = 255

    def leave_out_price_and_places(self):
        """Editing a live listing: price and places change at once on their own page
        (``moderation.update_price_and_places``), so they are not sent for moderation.
        Price notes are words, so they stay here."""
        for name in PRICE_AND_PLACES_FIELDS:
            self.fields.pop(name, None)

    @property
    def location_formset(self):
        return self.formsets["locations"]

    def sections(self) -> list[tuple[str, list | None]]:
        """(heading, bound fields) in reading order; None marks where the places go."""
        placed = {name for _, names in SECTIONS if names for name in names}
        own = [self[name] for name in self.fields if name not in placed]
        out = []
        for heading, names in SECTIONS:
            if names is None:
                out.append((heading, None))
                continue
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                out.append((heading, fields))
            if heading == "About" and own:
                out.append((self.extra_heading, own))
        return out

    @property
    def has_errors(self) -> bool:
        formset = self.location_formset
        return bool(
            self.errors or formset.non_form_errors() or any(f.errors for f in formset.forms)
        )


class PersonalAssistantForm(ListingForm):
    """A PA's profile. Their base is their home: only the postcode is asked, and never shown."""

    kind = ListingKind.PA
    extra_heading = "Your experience and checks"

    class Meta(ListingForm.Meta):
        model = PersonalAssistantPage
        fields = (
            ABOUT_FIELDS
            + ["skills", "experience", "hours_wanted_min", "hours_wanted_max", "gender", "drives"]
            + ["dbs_level"]
            + TERM_FIELDS
            + ["price_amount", "price_unit", "price_notes"]
            + WHEN_FIELDS
            + ["languages"]
            + CONTACT_FIELDS
        )
        labels = {
            **LABELS,
            "title": "Your name",
            "dbs_level": "DBS check you hold",
            "price_amount": "Your rate (£)",
        }
        help_texts = {
            **HELP_TEXTS,
            "title": "As you would like people to see it, e.g. 'Sam P.'.",
            "dbs_level": "A moderator checks your certificate before it shows as verified.",
        }
        error_messages = {**ERROR_MESSAGES, "title": {"required": "Enter your name."}}
        formsets = _locations(["postcode"], extra=0, max_num=1, validate_max=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for form in self.location_formset.forms:
            self._treat_as_home(form)
        self._treat_as_home(self.location_formset.empty_form)

    @staticmethod
    def _treat_as_home(form):
        # Set before validation: cleaning the place works out what may be shown
        # from is_home_base, so a PA's exact postcode never reaches the page.
        form.instance.is_home_base = True
        postcode = form.fields["postcode"]
        postcode.label = "Your home postcode"
        postcode.help_text = (
            "Used to work out distances. People only ever see the area, like SK1 3."
        )


class ProviderForm(ListingForm):
    kind = ListingKind.PROVIDER
    extra_heading = "About the organisation"

    class Meta(ListingForm.Meta):
        model = ProviderPage
        fields = ListingForm.Meta.fields + [
            "organisation_name",
            "cqc_registered",
            "cqc_location_id",
            "charity_number",
        ]


class ClubForm(ListingForm):
    kind = ListingKind.CLUB
    extra_heading = "About the club or group"

    class Meta(ListingForm.Meta):
        model = ClubPage
        fields = ListingForm.Meta.fields + ["run_by_volunteers", "who_for"]


class UserLedOrganisationForm(ListingForm):
    kind = ListingKind.ULO
    extra_heading = "About the organisation"

    class Meta(ListingForm.Meta):
        model = UserLedOrganisationPage
        fields = ListingForm.Meta.fields + [
            "led_by",
            "offers_peer_brokerage",
            "peer_brokerage_details",
            "offers_peer_support",
            "peer_support_details",
            "accepts_referrals",
        ]


class PeerSupportGroupForm(ListingForm):
    kind = ListingKind.PEER_GROUP
    extra_heading = "About the group"

    class Meta(ListingForm.Meta):
        model = PeerSupportGroupPage
        fields = ListingForm.Meta.fields + ["who_for", "facilitated_by", "meets_online"]


LISTING_FORMS: dict[str, type[ListingForm]] = {
    form.kind: form
    for form in (
        PersonalAssistantForm,
        ProviderForm,
        ClubForm,
        UserLedOrganisationForm,
        PeerSupportGroupForm,
    )
}


def listing_form_for(kind: str) -> type[ListingForm]:
    return LISTING_FORMS[kind]
