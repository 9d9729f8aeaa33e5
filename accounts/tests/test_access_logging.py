"""Every look at someone else's plan or referral goes in the log the person can read."""

import pytest
from django.urls import reverse

from matching.models import PlanAccess


def logged(world):
    return list(
        PlanAccess.objects.filter(plan=world.plan)
        .exclude(action="viewed plan", viewer=world.priya)  # the fixture's own line
        .values_list("viewer__display_name", "action")
    )


def test_a_representatives_look_at_the_plan_is_logged(client, world):
    client.force_login(world.aisha)
    assert client.get(reverse("matching:plan_detail", args=[world.plan.pk])).status_code == 200
    assert logged(world) == [("Aisha Patel", "viewed plan")]


@pytest.mark.parametrize("who", ["priya", "aisha", "jo"])
def test_a_look_at_a_referral_by_anyone_but_the_person_is_logged(client, world, who):
    viewer = getattr(world, who)
    client.force_login(viewer)
    response = client.get(reverse("matching:referral_detail", args=[world.referral.pk]))
    assert response.status_code == 200
    assert logged(world) == [(viewer.display_name, "viewed a referral")]


def test_the_persons_own_looks_are_not_logged(client, world):
    client.force_login(world.sam)
    client.get(reverse("matching:referral_detail", args=[world.referral.pk]))
    client.get(reverse("matching:plan_detail", args=[world.plan.pk]))
    assert logged(world) == []


def test_the_organisations_answer_is_logged_and_a_refused_look_is_not(client, world):
    client.force_login(world.dave)
    response = client.get(reverse("matching:referral_detail", args=[world.referral.pk]))
    assert response.status_code == 404
    assert logged(world) == []

    client.force_login(world.jo)
    response = client.post(reverse("matching:referral_action", args=[world.referral.pk, "accept"]))
    assert response.status_code == 302
    assert logged(world) == [("Jo Birch", "answered a referral (accept)")]


def test_the_person_reads_who_looked_on_their_access_log(client, world):
    client.force_login(world.jo)
    client.get(reverse("matching:referral_detail", args=[world.referral.pk]))
    client.force_login(world.sam)
    page = client.get(reverse("matching:access_log", args=[world.plan.pk])).content.decode()
    assert "Jo Birch" in page
    assert "Viewed a referral" in page


def test_the_organisations_inbox_is_logged_once_a_day(client, world):
    client.force_login(world.jo)
    for _ in range(3):
        assert client.get(reverse("matching:referral_inbox")).status_code == 200
    assert logged(world) == [("Jo Birch", "saw a referral in the inbox")]
