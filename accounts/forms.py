from django import forms

from accounts.roles import ROLE_HINTS, SIGNUP_ROLES


class RoleChoiceField(forms.ChoiceField):
    widget = forms.RadioSelect


class SignupForm(forms.Form):
    """Extra sign-up questions, used by allauth's sign-up form."""

    display_name = forms.CharField(
        label="Your name",
        max_length=150,
        help_text="The name other people on Kith will see. A first name is fine.",
    )
    role = RoleChoiceField(
        label="How will you use Kith?",
        choices=SIGNUP_ROLES,
        help_text="Choose the one that fits best. You can add another role later.",
    )

    def role_options(self):
        return [
            {"value": value, "label": label, "hint": ROLE_HINTS.get(value, "")}
            for value, label in SIGNUP_ROLES
        ]

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])
        user.add_role(self.cleaned_data["role"])


class InviteRepresentativeForm(forms.Form):
    email = forms.EmailField(
        label="Their email address",
        help_text="We will email them a link. They act for you only once they accept.",
    )
    relationship = forms.CharField(
        label="How do they help you? (optional)",
        required=False,
        max_length=100,
        help_text="For example: my daughter, my carer, my advocate.",
    )
