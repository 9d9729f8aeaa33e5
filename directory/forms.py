"""The public directory search form: plain GET, works without JavaScript."""

from __future__ import annotations

import threading

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.template.loader import render_to_string

from directory import geo, vocab_cache
from directory.models import Category, ListingKind, Outcome
from directory.search.query import CHECK_FILTERS

# People think in miles; most look within 10 miles of home, almost all within 25.
MILES_CHOICES = (1, 3, 5, 10, 15, 25, 50)
DEFAULT_MILES = 10
MILES_FIELD_CHOICES = [(m, f"Within {m} mile{'' if m == 1 else 's'}") for m in MILES_CHOICES]

# The fields that narrow a search (as opposed to saying where it is centred).
FILTER_FIELDS = ("q", "outcome", "category", "kind", "checked")


def wider_miles(miles: int) -> int | None:
    """The next distance on offer beyond ``miles``, or None when it is already the widest."""
    return next((choice for choice in MILES_CHOICES if choice > miles), None)


# --- Vocabulary fields answered from memory (directory/vocab_cache.py) --------


class _VocabularyIterator(ModelChoiceIterator):
    """The field's terms from the in-memory vocabulary, in the order the table gives them."""

    def _terms(self):
        return vocab_cache.vocabulary().terms(self.queryset.model)

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for term in self._terms():
            yield self.choice(term)

    def __len__(self):
        return len(self._terms()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self._terms())


class VocabularyChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField of outcomes or categories by slug, without a query a request.

    Offers, accepts and refuses exactly what ``ModelChoiceField`` over
    ``queryset.all()`` with ``to_field_name="slug"`` would.
    """

    iterator = _VocabularyIterator

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        model = self.queryset.model
        if isinstance(value, model):
            value = value.slug
        term = vocab_cache.vocabulary().by_slug(model).get(str(value))
        if term is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return term


class VocabularyMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField of outcomes or categories by slug, without a query a request.

    The chosen terms come back as a list in the vocabulary's order: the order
    of the queryset ``ModelMultipleChoiceField`` gives.
    """

    iterator = _VocabularyIterator

    def _check_values(self, value):
        try:
            value = frozenset(value)
        except TypeError:
            raise ValidationError(
                self.error_messages["invalid_list"], code="invalid_list"
            ) from None
        for slug in value:
            self.validate_no_null_characters(slug)
        vocabulary = vocab_cache.vocabulary()
        known = vocabulary.by_slug(self.queryset.model)
        for slug in value:
            if str(slug) not in known:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": slug},
                )
        chosen = {str(slug) for slug in value}
        return [term for term in vocabulary.terms(self.queryset.model) if term.slug in chosen]


# --- Each field's HTML, kept per process -------------------------------------

# Rendering the search form's fields through their templates was most of the
# search page's time (every checkbox and option is a template of its own). A
# field's HTML depends only on the form, the vocabulary and the value it
# shows, so it is kept, keyed by exactly those; fields with errors are always
# rendered afresh. At most _MAX_FIELDS entries, then the store starts again.
_MAX_FIELDS = 2_000
_field_html: dict[tuple, str] = {}
_field_lock = threading.Lock()


def _value_key(value) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(item) for item in value)
    return (str(value),)


def render_field(bound_field) -> str:
    """``includes/field.html`` for one field of a ``DirectorySearchForm``, from memory when seen."""
    form = bound_field.form
    version = vocab_cache.vocabulary().version
    if bound_field.errors or not version:  # no version: terms changed, not yet committed
        return render_to_string("includes/field.html", {"field": bound_field})
    key = (
        type(form),
        version,
        form.is_bound,
        form.auto_id,
        form.prefix,
        bound_field.name,
        _value_key(bound_field.value()),
    )
    html = _field_html.get(key)
    if html is None:
        html = render_to_string("includes/field.html", {"field": bound_field})
        with _field_lock:
            if len(_field_html) >= _MAX_FIELDS:
                _field_html.clear()
            _field_html[key] = html
    return html


class DirectorySearchForm(forms.Form):
    """What someone can ask the directory. Every field is optional; see ``has_criteria``."""

    postcode = forms.CharField(
        label="Postcode",
        required=False,
        max_length=16,
        help_text="A full postcode, like SK1 3XE, or just the first part, like SK1.",
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "spellcheck": "false", "class": "input--postcode"}
        ),
    )
    miles = forms.TypedChoiceField(
        label="Distance",
        required=False,
        coerce=int,
        empty_value=DEFAULT_MILES,
        initial=DEFAULT_MILES,
        choices=MILES_FIELD_CHOICES,
        help_text="How far from the postcode.",
        error_messages={"invalid_choice": "Choose a distance from the list."},
    )
    q = forms.CharField(
        label="Keywords (optional)",
        required=False,
        max_length=200,
        help_text="For example: swimming, Urdu, wheelchair.",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    outcome = VocabularyMultipleChoiceField(
        label="What do you want to achieve?",
        required=False,
        queryset=Outcome.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose as many as you like.",
        error_messages={"invalid_choice": "Choose what you want to achieve from the list."},
    )
    category = VocabularyChoiceField(
        label="Type of service",
        required=False,
        queryset=Category.objects.all(),
        to_field_name="slug",
        empty_label="Any type of service",
        error_messages={"invalid_choice": "Choose a type of service from the list."},
    )
    kind = forms.ChoiceField(
        label="Who offers it",
        required=False,
        choices=[("", "Anyone")] + list(ListingKind.choices),
        error_messages={"invalid_choice": "Choose who offers it from the list."},
    )

    checked = forms.MultipleChoiceField(
        label="Only providers with checks",
        required=False,
        choices=list(CHECK_FILTERS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="Checked by a Kith moderator against the CQC register or the insurance "
        "certificate.",
        error_messages={"invalid_choice": "Choose the checks from the list."},
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("miles"):
            # Links without a distance search within 10 miles; the form must say so
            # too, not fall back to the first option.
            data = data.copy()
            data["miles"] = str(DEFAULT_MILES)
        super().__init__(data, *args, **kwargs)

    def clean_postcode(self):
        """Place the postcode now, so a bad one is reported next to the field."""
        text = self.cleaned_data["postcode"].strip()
        self.place = None
        if text:
            try:
                self.place = geo.locate(text)
            except geo.PostcodeError as exc:
                raise forms.ValidationError(str(exc)) from None
            return self.place.postcode
        return ""

    @property
    def has_criteria(self) -> bool:
        """Whether anything was asked: the distance alone is not a search."""
        return any(self.data.get(name, "").strip() for name in ("postcode", *FILTER_FIELDS))

    def filters_set(self) -> bool:
        return any(self.cleaned_data.get(name) for name in FILTER_FIELDS)
