"""Forms for enquiries, PA job adverts and reviews.

Forms check what a person typed; the rules (who may do what) live in
``marketplace.enquiries``, ``marketplace.adverts`` and ``marketplace.reviews``.
"""

from decimal import Decimal

from django import forms

from directory import geo
from marketplace.adverts import DEFAULT_RADIUS_MILES, RADIUS_CHOICES_MILES


class ForWhomMixin:
    """A "who is this for?" choice, shown only when the user acts for more than one person."""

    def add_for_whom(self, people, label: str):
        self.people = {str(p.pk): p for p in people}
        if len(people) > 1:
            self.fields["for_whom"] = forms.ChoiceField(
                label=label,
                choices=[
                    (str(p.pk), f"{p} (you)" if p.pk == self.user.pk else str(p)) for p in people
                ],
                widget=forms.RadioSelect,
                error_messages={"required": "Choose who this is for."},
            )
            # Put the choice first, as the page reads.
            self.order_fields(["for_whom"])

    def chosen_person(self):
        if "for_whom" in self.fields:
            return self.people[self.cleaned_data["for_whom"]]
        return next(iter(self.people.values()))


class EnquiryForm(ForWhomMixin, forms.Form):
    subject = forms.CharField(
        max_length=150,
        help_text="For example: Swimming sessions on Saturday mornings.",
        error_messages={"required": "Enter a subject."},
    )
    body = forms.CharField(
        label="Message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Say what you are looking for and any questions. "
        "Share only the health details they need to answer.",
        error_messages={"required": "Enter a message."},
    )

    def __init__(self, *args, user, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.add_for_whom(people, "Who is this enquiry for?")


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter a message."},
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong with this message?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="A moderator will read the message and your reason. "
        "If someone is in danger now, call 999.",
        error_messages={"required": "Say what is wrong with the message."},
    )


class AdvertForm(ForWhomMixin, forms.Form):
    title = forms.CharField(
        label="Job title",
        max_length=150,
        help_text="For example: PA for mornings, help with getting ready and going out.",
        error_messages={"required": "Enter a job title."},
    )
    hours_per_week = forms.DecimalField(
        label="Hours a week",
        min_value=Decimal("0.5"),
        max_value=Decimal("80"),
        max_digits=5,
        decimal_places=1,
        help_text="A few hours are fine: many PAs want only a few.",
        error_messages={"required": "Enter the hours a week."},
    )
    postcode = forms.CharField(
        max_length=16,
        help_text="PAs see only the area (like SK1 3), never your full postcode or address.",
        error_messages={"required": "Enter your postcode."},
    )
    hourly_rate = forms.DecimalField(
        label="Hourly rate (£)",
        min_value=Decimal("1"),
        max_value=Decimal("200"),
        max_digits=6,
        decimal_places=2,
        help_text="What you will pay an hour, for example 13.50.",
        error_messages={"required": "Enter the hourly rate."},
    )
    what_matters = forms.CharField(
        label="What matters to you",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What you would like help with, and the kind of person you get on with. "
        "PAs read this, so leave out anything you would not want a stranger to know.",
        error_messages={"required": "Say what matters to you."},
    )

    def __init__(self, *args, user, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.add_for_whom(people, "Who is the PA for?")

    def clean_postcode(self):
        try:
            return geo.locate(self.cleaned_data["postcode"]).postcode
        except geo.PostcodeError as exc:
            raise forms.ValidationError(str(exc)) from None


class AdvertSearchForm(forms.Form):
    postcode = forms.CharField(
        label="Your postcode",
        max_length=16,
        required=False,
        help_text="To see how far away each job is. For example: OL6 7SR or OL6.",
    )
    radius = forms.TypedChoiceField(
        label="Within",
        coerce=int,
        choices=[(m, f"{m} miles") for m in RADIUS_CHOICES_MILES],
        initial=DEFAULT_RADIUS_MILES,
        required=False,
        empty_value=DEFAULT_RADIUS_MILES,
    )

    def clean(self):
        cleaned = super().clean()
        cleaned["place"] = None
        postcode = cleaned.get("postcode", "").strip()
        if postcode:
            try:
                cleaned["place"] = geo.locate(postcode)
            except geo.PostcodeError as exc:
                self.add_error("postcode", str(exc))
        return cleaned


class ApplicationForm(forms.Form):
    message = forms.CharField(
        label="Your message",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Why you would like the job, your experience, and when you are free.",
        error_messages={"required": "Write a message to the person advertising."},
    )


class ApplicationReplyForm(forms.Form):
    reply = forms.CharField(
        label="Your reply to the PA",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="We email it to them. For example, suggest a time to meet.",
        error_messages={"required": "Write a reply."},
    )


RATING_CHOICES = [
    ("5", "5 – Excellent"),
    ("4", "4 – Good"),
    ("3", "3 – All right"),
    ("2", "2 – Poor"),
    ("1", "1 – Very poor"),
]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="How would you rate it?",
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a rating."},
    )
    text = forms.CharField(
        label="Your review",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What went well, and what could be better. Your name is not shown, "
        "but leave out health details you would not want others to read.",
        error_messages={"required": "Write a few words about how it went."},
    )


class ReviewReplyForm(forms.Form):
    reply = forms.CharField(
        label="Your reply",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Your reply is public, and you can reply only once.",
        error_messages={"required": "Write your reply."},
    )
