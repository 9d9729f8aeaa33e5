"""Forms for claiming a listing and answering claims (rules in ``directory.claims``)."""

from django import forms

from directory import claims


class ClaimForm(forms.Form):
    role_at_service = forms.CharField(
        label="Your role at this service",
        max_length=120,
        help_text="For example: manager, owner, volunteer coordinator, or 'I am the PA'.",
        error_messages={"required": "Say what your role is at this service."},
    )
    verify_by = forms.ChoiceField(
        label="How can we check it is you?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how we can check it is you."},
    )
    evidence = forms.CharField(
        label="Evidence a moderator can check (optional unless you chose it above)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example: your CQC registration, a charity number, a letter from the "
        "council. Do not include anyone's health details.",
    )

    def __init__(self, *args, listing, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["verify_by"].choices = claims.verify_choices(listing)

    def clean(self):
        data = super().clean()
        if data.get("verify_by") == claims.Verify.EVIDENCE and not data.get("evidence", "").strip():
            self.add_error("evidence", "Describe the evidence a moderator can check.")
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label="The code from the email",
        max_length=20,
        help_text="8 letters and numbers, for example 7KQ4-M2XD.",
        error_messages={"required": "Enter the code from the email."},
    )


class DecisionForm(forms.Form):
    """A decision on a claim. A reason is needed to decline; it is sent to the claimant."""

    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("decline", "Decline")], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Reason (sent to the person if you decline)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(
        label="Note for moderators (not sent)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: who answered the phone and when.",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not data.get("reason", "").strip():
            self.add_error("reason", "Say why, so the person knows what to do next.")
        return data
