"""Kith's roles, with the slugs from shared/domain/VOCABULARY.md (a contract)."""

from django.db import models


class Role(models.TextChoices):
    BUDGET_HOLDER = "budget_holder", "Budget holder"
    REPRESENTATIVE = "representative", "Representative (family, carer or advocate)"
    PROVIDER = "provider", "Provider (an organisation that offers a service)"
    PERSONAL_ASSISTANT = "personal_assistant", "Personal assistant (PA)"
    PRACTITIONER = "practitioner", "Practitioner (social worker, support planner, broker)"
    ULO_STAFF = "ulo_staff", "User-led organisation staff or volunteer"
    MODERATOR = "moderator", "Moderator"
    COMMISSIONER = "commissioner", "Commissioner (sees anonymised figures for an area)"


# Moderators and commissioners are appointed by staff, never chosen at sign-up.
STAFF_APPOINTED_ROLES = {Role.MODERATOR, Role.COMMISSIONER}
SIGNUP_ROLES = [choice for choice in Role.choices if choice[0] not in STAFF_APPOINTED_ROLES]

ROLE_HINTS = {
    Role.BUDGET_HOLDER: "You have a personal budget or direct payment, or expect one.",
    Role.REPRESENTATIVE: "You help someone who has a personal budget, and they will invite you.",
    Role.PROVIDER: "You list services, prices and places for your organisation.",
    Role.PERSONAL_ASSISTANT: "You work as a PA, for a few hours a week or more.",
    Role.PRACTITIONER: "You search and refer on behalf of people you support.",
    Role.ULO_STAFF: "You advertise peer support or peer brokerage and take referrals.",
}
