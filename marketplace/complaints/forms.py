"""Forms for complaints; the rules live in ``marketplace.complaints.services``."""

from __future__ import annotations

from django import forms

from marketplace.models import Complaint

COMPLAINT_CATEGORIES = [
    (value, label)
    for value, label in Complaint.Category.choices
    if value != Complaint.Category.NO_SHOW
]


class ComplaintForm(forms.Form):
    kind = forms.ChoiceField(
        label="What do you want to tell us?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether the provider did not come or you want to complain."
        },
    )
    category = forms.ChoiceField(
        label="If it is a complaint, what is it about?",
        required=False,
        choices=[("", "Choose one")] + COMPLAINT_CATEGORIES,
    )
    what_happened = forms.CharField(
        label="What happened?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="In your own words: when, what happened, and what you would like to happen "
        "now. The provider and Kith's moderators read this. If someone is in danger now, "
        "call 999.",
        error_messages={"required": "Say what happened, in your own words."},
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (value, label) for value, label in Complaint.Kind.choices if value in kinds
        ]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]

    def clean(self):
        data = super().clean()
        if data.get("kind") == Complaint.Kind.COMPLAINT and not data.get("category"):
            self.add_error("category", "Choose what the complaint is about.")
        return data


class AnswerForm(forms.Form):
    text = forms.CharField(
        label="Your answer",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="You can answer once. The person, anyone who acts for them and Kith's "
        "moderators read it. Stick to what happened.",
        error_messages={"required": "Write your answer."},
    )


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Is the complaint upheld?",
        choices=Complaint.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the complaint is upheld."},
    )
    note = forms.CharField(
        label="What was found and done",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Both sides see this note.",
        error_messages={"required": "Write a note; both sides see it."},
    )


class EscalateForm(forms.Form):
    note = forms.CharField(
        label="Passed to whom, and why",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: Stockport Council adult safeguarding team, 0161 217 6029.",
        error_messages={"required": "Say who the complaint was passed to."},
    )
