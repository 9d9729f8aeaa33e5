"""Forms for reviews and owners' replies; the rules live in ``marketplace.reviews.services``."""

from django import forms

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
