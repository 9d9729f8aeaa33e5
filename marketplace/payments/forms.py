"""Forms for money pages: a provider's payment details for invoices."""

from __future__ import annotations

import re

from django import forms

from marketplace.models import PaymentDetails

SPACES_AND_DASHES = re.compile(r"[\s-]+")


class PaymentDetailsForm(forms.ModelForm):
    """How payers pay this provider: a UK bank account, or instructions, or both."""

    class Meta:
        model = PaymentDetails
        fields = ["payee_name", "sort_code", "account_number", "instructions"]
        labels = {
            "payee_name": "Name on the bank account",
            "instructions": "Other ways to pay, or anything payers should know (optional)",
        }
        help_texts = {
            "payee_name": "For example: Grand Central Pools Ltd.",
            "instructions": "For example: we also take payment by BACS remittance to "
            "accounts@grandcentralpools.example.",
        }
        widgets = {
            "instructions": forms.Textarea(attrs={"rows": 3}),
        }

    # Typed with spaces or dashes (30-94-57), stored as digits; longer than the stored field.
    sort_code = forms.CharField(
        label="Sort code",
        max_length=12,
        required=False,
        help_text="6 digits, for example 30-94-57.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    account_number = forms.CharField(
        label="Account number",
        max_length=16,
        required=False,
        help_text="8 digits, for example 00012345.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_sort_code(self):
        value = SPACES_AND_DASHES.sub("", self.cleaned_data.get("sort_code") or "")
        if value and not re.fullmatch(r"\d{6}", value):
            raise forms.ValidationError("Enter a sort code of 6 digits, like 30-94-57.")
        return value

    def clean_account_number(self):
        value = SPACES_AND_DASHES.sub("", self.cleaned_data.get("account_number") or "")
        if value and not re.fullmatch(r"\d{8}", value):
            raise forms.ValidationError("Enter an account number of 8 digits, like 00012345.")
        return value

    def clean(self):
        data = super().clean()
        bank = {name: (data.get(name) or "").strip() for name in self.BANK_FIELDS}
        if any(bank.values()):
            for name, value in bank.items():
                if not value and name not in self.errors:
                    self.add_error(name, self.MISSING[name])
        elif not (data.get("instructions") or "").strip() and not self.errors:
            raise forms.ValidationError(self.NOTHING)
        return data

    BANK_FIELDS = ("payee_name", "sort_code", "account_number")
    NOTHING = (
        "Enter your bank account (name, sort code and account number), "
        "or say how payers should pay you."
    )
    MISSING = {
        "payee_name": "Enter the name on the bank account.",
        "sort_code": "Enter the sort code.",
        "account_number": "Enter the account number.",
    }
