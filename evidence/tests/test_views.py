"""Who sees the evidence pages, CSV downloads, inviting commissioners, outcome reviews."""

import csv
import io

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from evidence.models import CommissionerArea, OutcomeReview
from evidence.tests.conftest import add_searches, make_goal, make_plan

pytestmark = pytest.mark.django_db
PERIOD = {"start": "2026-01-01", "end": "2026-12-31"}


def test_anonymous_people_are_sent_to_sign_in_and_others_get_404(client, user_factory):
    response = client.get(reverse("evidence:demand"))
    assert response.status_code == 302 and "login" in response["Location"]
    # Moderators, like staff, must have used their two-step code before any staff page.
    client.force_login(user_factory(roles=[Role.MODERATOR]))
    assert "/2fa/" in client.get(reverse("evidence:demand"))["Location"]
    for role in (Role.BUDGET_HOLDER, Role.PRACTITIONER, Role.PROVIDER):
        client.force_login(user_factory(roles=[role]))
        assert client.get(reverse("evidence:demand")).status_code == 404
        assert client.get(reverse("evidence:pilot")).status_code == 404
        assert client.get(reverse("evidence:csv", args=["demand_by_district"])).status_code == 404


def test_a_commissioner_sees_only_their_area_and_small_numbers_hidden(client, commissioner):
    add_searches(37, district="OL8", results=0, outcomes="carer-break")
    add_searches(3, district="OL8", results=2)
    add_searches(50, district="SK1", results=0, outcomes="carer-break")  # not their area
    client.force_login(commissioner)
    response = client.get(reverse("evidence:demand"), PERIOD)
    html = response.content.decode()
    assert response.status_code == 200
    assert "A break for family carers near OL8: 37 searches, 0 results within 10 miles" in html
    assert "SK1" not in html
    assert "<svg" in html and 'role="img"' in html
    assert "fewer than 5" in html
    # Choosing a district outside the area is refused, not widened.
    assert client.get(reverse("evidence:demand"), {**PERIOD, "district": "SK1"}).status_code == 400


def test_every_table_downloads_as_csv_with_the_same_suppression(client, commissioner):
    add_searches(7, district="OL8", results=0)
    add_searches(2, district="OL8", results=3)
    client.force_login(commissioner)
    from evidence.reports import ALL_TABLES

    for key in ALL_TABLES:
        response = client.get(reverse("evidence:csv", args=[key]), PERIOD)
        assert response.status_code == 200, key
        assert response["Content-Type"].startswith("text/csv")
    response = client.get(reverse("evidence:csv", args=["demand_by_district"]), PERIOD)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    ol8 = next(row for row in rows if row and row[0] == "OL8")
    assert ol8 == ["OL8", "7", "fewer than 5", "fewer than 5", "9"]
    assert client.get(reverse("evidence:csv", args=["nope"]), PERIOD).status_code == 404


def test_the_plans_page_shows_each_table_with_a_chart(client, commissioner):
    client.force_login(commissioner)
    response = client.get(reverse("evidence:pilot"), PERIOD)
    html = response.content.decode()
    assert response.status_code == 200
    for title in (
        "Time spent at each plan stage",
        "Spend per person by category",
        "Goals reviewed",
        "Buying together",
    ):
        assert title in html
    assert html.count("<svg") == 2


def test_bad_dates_are_a_400_with_a_message(client, commissioner):
    client.force_login(commissioner)
    response = client.get(reverse("evidence:demand"), {"start": "2026-05-01", "end": "2026-01-01"})
    assert response.status_code == 400
    assert "start date must be on or before" in response.content.decode()


def test_staff_invite_a_commissioner_for_a_local_authority(
    client, user_factory, django_capture_on_commit_callbacks
):
    staff = user_factory(is_staff=True)
    client.force_login(staff)
    # Without two-step sign-in, staff are sent to set it up first.
    assert client.get(reverse("evidence:invite")).status_code == 302
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={})
    client.force_login(staff)  # signing in again, now with the two-step code
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("evidence:invite"),
            {"email": "Ana@Oldham.example.gov.uk", "name": "Ana", "local_authority": "Oldham"},
        )
    assert response.status_code == 302
    user = User.objects.get(email="ana@oldham.example.gov.uk")
    assert user.has_role(Role.COMMISSIONER) and not user.has_usable_password()
    assert user.commissioner_area.district_list[:3] == ["OL1", "OL2", "OL3"]
    assert [m.to for m in mail.outbox] == [["ana@oldham.example.gov.uk"]]
    assert "set a password" in mail.outbox[0].body
    # Districts instead of an authority; a bad one is refused.
    response = client.post(
        reverse("evidence:invite"),
        {"email": "b@example.gov.uk", "name": "B", "districts": "OL8 ZZ99"},
    )
    assert response.status_code == 400
    client.post(
        reverse("evidence:invite"),
        {"email": "c@example.gov.uk", "name": "C", "districts": "ol8, sk1"},
    )
    assert CommissionerArea.objects.get(user__email="c@example.gov.uk").district_list == [
        "OL8",
        "SK1",
    ]


def test_only_staff_may_invite(client, commissioner):
    client.force_login(commissioner)
    assert client.get(reverse("evidence:invite")).status_code == 404


def test_the_person_reviews_each_goal_at_the_review_stage(client, user_factory):
    person = user_factory(roles=[Role.BUDGET_HOLDER])
    plan = make_plan(person, "OL8 1AA", [("active", "2026-01-10")])
    goal = make_goal(plan, outcome="physical-health", text="Swim twice a week")
    client.force_login(person)
    url = reverse("evidence:outcome_review", args=[plan.pk])
    assert "review stage" in client.get(url).content.decode()
    client.post(url, {f"result_{goal.pk}": "achieved"})
    assert not OutcomeReview.objects.exists()
    plan.stage = "review"
    plan.save()
    assert (
        "Swim twice a week"
        in client.get(reverse("matching:plan_detail", args=[plan.pk])).content.decode()
    )
    response = client.post(url, {f"result_{goal.pk}": "partly", f"note_{goal.pk}": "Once a week"})
    assert response.status_code == 302
    review = OutcomeReview.objects.get()
    assert (review.result, review.note, review.reviewed_by) == ("partly", "Once a week", person)


def test_someone_else_cannot_open_a_plans_review(client, user_factory):
    plan = make_plan(
        user_factory(roles=[Role.BUDGET_HOLDER]), "OL8 1AA", [("review", "2026-01-10")]
    )
    client.force_login(user_factory(roles=[Role.BUDGET_HOLDER]))
    assert client.get(reverse("evidence:outcome_review", args=[plan.pk])).status_code == 404
