"""Forms for checks and suspensions; the rules live in ``directory.safety.services``."""

from __future__ import annotations

from django import forms

from directory.models import ListingCheck
from directory.safety.records import valid_cqc_id


class CheckForm(forms.Form):
    """An owner gives a CQC registration or an insurance policy."""

    kind = forms.ChoiceField(
        label="What are you giving?",
        choices=ListingCheck.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose CQC registration or a kind of insurance."},
    )
    reference = forms.CharField(
        label="CQC ID, or insurer and policy number",
        max_length=100,
        help_text="A CQC location or provider ID looks like 1-123456789 (it is on the CQC "
        "website). For insurance, for example: Aviva, policy 24-PL-5518820.",
        error_messages={"required": "Enter the CQC ID, or the insurer and policy number."},
    )
    expires_on = forms.DateField(
        label="Insurance valid until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Insurance only: the last day the policy covers. Not needed for the CQC.",
        error_messages={"invalid": "Enter a real date, for example 31 March 2027."},
    )

    def clean(self):
        data = super().clean()
        kind, reference = data.get("kind"), data.get("reference", "")
        if kind == ListingCheck.Kind.CQC and reference and not valid_cqc_id(reference):
            self.add_error(
                "reference",
                "Enter the CQC ID as it is on the CQC website, like 1-123456789.",
            )
        if kind and kind != ListingCheck.Kind.CQC and not data.get("expires_on"):
            if "expires_on" not in self.errors:
                self.add_error("expires_on", "Enter the date the insurance runs out.")
        return data


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label="Why is the listing suspended?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The owner is told this, so write it for them.",
        error_messages={"required": "Say why the listing is suspended."},
    )


class LiftForm(forms.Form):
    note = forms.CharField(
        label="Why is the suspension lifted?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the suspension and sent to the owner.",
        error_messages={"required": "Write a note saying why the suspension is lifted."},
    )


class VerifyForm(forms.Form):
    how = forms.CharField(
        label="How did you check it?",
        max_length=300,
        help_text="For example: looked up 1-123456789 on the CQC register; saw the insurance "
        "certificate by email.",
        error_messages={"required": "Say how you checked it."},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Why could it not be checked?",
        max_length=300,
        error_messages={"required": "Say why it could not be checked."},
    )
