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


# --- How a person's plan is funded -------------------------------------------------------

CARD_ROUTES = {"direct_payment", "self_funded"}  # the person holds the money: often a card
INVOICE_ROUTES = ("managed_account", "individual_service_fund")


def funding_routes(people) -> set[str]:
    """How the support plans of ``people`` are funded (``matching.PlanFunding`` routes)."""
    from matching.models import PlanFunding

    return set(PlanFunding.objects.filter(plan__person__in=people).values_list("route", flat=True))


def default_payment_route(routes: set[str], card_enabled: bool) -> str:
    """The payment choice ticked first: card for a direct payment (often a prepaid card) or
    own money, else the invoice route the plan is funded by, else card if it can be used."""
    if card_enabled and routes & CARD_ROUTES:
        return "card"
    for route in INVOICE_ROUTES:
        if route in routes:
            return route
    return "card" if card_enabled else ""


DIRECT_PAYMENT_CARD_HINT = (
    "A direct payment card is paid with like any card. If you act for someone, you can use "
    "their card: their statement shows that you paid for them."
)
