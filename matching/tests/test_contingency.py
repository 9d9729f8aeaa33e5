"""The contingency (crisis) plan on a support plan: who may read and change it, and the log.

Sam's plan names Priya as his practitioner; his daughter Aisha acts for him.
Omar acted for him until Sam ended it, and Tom was his practitioner before
Priya: neither may see it any more. Every look and change by someone other
than Sam is in the access log he reads; his own are not.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.data_rights import build_archive, personal_data
from accounts.models import Representation
from matching.contingency import save_contingency
from matching.models import ContingencyPlan, PlanAccess
from matching.plans import create_plan

pytestmark = pytest.mark.django_db

ANSWERS = {
    "who_to_call": "Aisha (daughter) 07700 900123, then Stockport out-of-hours 0161 718 2118.",
    "backup_support": "Heaton Home Care covers mornings if Joanne is ill: 0161 432 0000.",
    "what_helps": "Talk slowly, <b>no</b> raised voices. Let me sit by the window.",
}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def sams_plan(user_factory):
    sam = user_factory(display_name="Sam Patel", roles=["budget_holder"])
    people = {
        "sam": sam,
        "aisha": user_factory(display_name="Aisha Patel", roles=["representative"]),
        "omar": user_factory(display_name="Omar Patel", roles=["representative"]),
        "priya": user_factory(display_name="Priya Shah", roles=["practitioner"]),
        "tom": user_factory(display_name="Tom Reid", roles=["practitioner"]),
        "gwen": user_factory(display_name="Gwen Jones", roles=["budget_holder"]),
    }
    for name, status in [("aisha", "accepted"), ("omar", "revoked")]:
        Representation.objects.create(
            budget_holder=sam,
            representative=people[name],
            invited_email=people[name].email,
            status=status,
        )
    plan = create_plan(sam, postcode="SK1 3XE")
    plan.practitioner = people["priya"]  # Tom was named before Priya
    plan.save()
    return plan, people


def url(plan):
    return reverse("matching:plan_contingency", args=[plan.pk])


@pytest.mark.parametrize("who", ["sam", "aisha", "priya"])
def test_the_person_their_representative_and_practitioner_write_it(sams_plan, who):
    plan, people = sams_plan
    client = client_for(people[who])
    assert client.get(url(plan)).status_code == 200
    response = client.post(url(plan), ANSWERS)
    assert response.status_code == 302
    contingency = ContingencyPlan.objects.get(plan=plan)
    assert contingency.who_to_call == ANSWERS["who_to_call"]
    assert contingency.updated_by == people[who]
    page = client.get(reverse("matching:plan_detail", args=[plan.pk])).content.decode()
    assert "If things go wrong: contingency plan" in page
    assert "07700 900123" in page
    assert "&lt;b&gt;no&lt;/b&gt;" in page and "<b>no</b>" not in page


@pytest.mark.parametrize("who", ["omar", "tom", "gwen"])
def test_former_representatives_and_practitioners_and_others_are_refused(sams_plan, who):
    plan, people = sams_plan
    save_contingency(plan, people["sam"], **ANSWERS)
    client = client_for(people[who])
    assert client.get(url(plan)).status_code == 404
    assert client.post(url(plan), {"who_to_call": "Me"}).status_code == 404
    with pytest.raises(PermissionDenied):
        save_contingency(plan, people[who], who_to_call="Me")
    assert ContingencyPlan.objects.get(plan=plan).who_to_call == ANSWERS["who_to_call"]
    assert not PlanAccess.objects.filter(viewer=people[who]).exists()


def test_looks_and_changes_by_others_are_logged_and_the_persons_own_are_not(sams_plan):
    plan, people = sams_plan
    client_for(people["sam"]).post(url(plan), ANSWERS)
    client_for(people["priya"]).get(url(plan))
    client_for(people["aisha"]).post(url(plan), {**ANSWERS, "what_helps": "Music helps."})
    lines = list(
        PlanAccess.objects.filter(plan=plan)
        .order_by("at", "pk")
        .values_list("viewer__display_name", "action")
    )
    assert lines == [
        ("Priya Shah", "viewed contingency plan"),
        ("Aisha Patel", "changed contingency plan"),
    ]


def test_it_is_in_download_my_data(sams_plan):
    plan, people = sams_plan
    save_contingency(plan, people["aisha"], **ANSWERS)
    [data] = personal_data(people["sam"])["support_plans"]
    assert data["contingency_plan"]["who_to_call"] == ANSWERS["who_to_call"]
    assert data["contingency_plan"]["back_up_support"] == ANSWERS["backup_support"]
    assert data["contingency_plan"]["what_helps"] == ANSWERS["what_helps"]
    # The downloaded archive has it, in the data file and in the readable summary.
    archive = zipfile.ZipFile(io.BytesIO(build_archive(people["sam"])))
    for name in archive.namelist():
        assert "07700 900123" in archive.read(name).decode(), name
