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


class NotificationPreferencesForm(forms.Form):
    """One tick box per kind of event: ticked means "email me about this"."""

    def __init__(self, *args, **kwargs):
        from accounts.notifications import EVENTS, Event

        super().__init__(*args, **kwargs)
        for event in Event:
            self.fields[event.value] = forms.BooleanField(
                label=event.label, required=False, help_text=EVENTS[event].hint
            )
        self._groups = {}
        for event in Event:
            self._groups.setdefault(EVENTS[event].group, []).append(self[event.value])

    def groups(self):
        """(heading, bound fields) for each group of events, in the order of ``Event``."""
        return list(self._groups.items())

    def wanted(self) -> set[str]:
        return {name for name, on in self.cleaned_data.items() if on}
