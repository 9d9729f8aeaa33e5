import pytest
from django.core.management import call_command

from marketplace.models import Offer
from matching.models import SupportPlan

pytestmark = pytest.mark.django_db


def test_demo_has_offers_to_book_and_maureens_plan_once(capsys):
    call_command("load_demo", "--listings", "40", "--no-progress")
    offers = Offer.objects.count()
    assert offers > 20
    kinds = set(Offer.objects.values_list("kind", flat=True))
    assert {"session", "block", "weekly_hours"} <= kinds
    plan = SupportPlan.objects.get(person__email="maureen@example.org")
    assert plan.postcode == "SK1 3XE"
    assert plan.practitioner.email == "kwame@example.org"

    call_command("load_demo", "--listings", "40", "--no-progress")
    assert Offer.objects.count() == offers
    assert SupportPlan.objects.filter(person__email="maureen@example.org").count() == 1
    assert "0 offers to book" in capsys.readouterr().out
