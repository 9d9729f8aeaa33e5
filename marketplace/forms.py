"""Form pieces shared by the marketplace's concepts (enquiries, adverts, bookings).

Forms check what a person typed; the rules (who may do what) live in each
concept's ``services`` module.
"""

from django import forms


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
