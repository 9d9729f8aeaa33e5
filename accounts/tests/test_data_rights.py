"""Download my data and delete my account: only the person's own data, money records kept."""

import io
import json
import zipfile
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.urls import reverse

from accounts import data_rights
from accounts.factories import DEFAULT_PASSWORD
from accounts.models import Representation
from accounts.tests.conftest import JOAN_GOAL, SAM_GOAL
from directory import ownership
from directory.models import ListingPage
from marketplace.models import (
    Booking,
    Enquiry,
    Invoice,
    LedgerEntry,
    Message,
    Offer,
    Payment,
    Pledge,
    Pool,
    Review,
)
from matching.models import Goal, PlanAccess, Referral, SupportPlan

User = get_user_model()


def signed_in_again(client, user):
    """Sign in and enter the password again, as allauth asks before downloading or deleting."""
    client.force_login(user)
    response = client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def unzip(content: bytes) -> tuple[dict, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == ["data.json", "summary.html"]
        return json.loads(archive.read("data.json")), archive.read("summary.html").decode()


# --- Download my data -------------------------------------------------------------------


def test_the_archive_holds_the_persons_own_data(world):
    data, summary = unzip(data_rights.build_archive(world.sam))
    assert data["account"]["email"] == world.sam.email
    assert data["roles"] == ["Budget holder"]
    [plan] = data["support_plans"]
    assert plan["goals"][0]["what_i_want"] == SAM_GOAL
    assert [row["stage"] for row in plan["stage_history"]] == ["Assessment"]
    assert plan["access_log"][0]["who"] == "Priya Shah"
    assert plan["shortlists_shared_with_you"][0]["options"][0]["listing"] == "Grand Central Pools"
    assert data["referrals_about_you"][0]["organisation"] == "Stockport Peer Brokers"
    texts = [m["text"] for e in data["enquiries"] for m in e["messages"]]
    assert texts == ["Do you have a hoist at the pool?", "Yes, at the shallow end."]
    assert data["bookings"][0]["amount"] == "270.00"
    assert {p["stripe_payment_intent"] for p in data["payments"]} == {"pi_sam1", "pi_sam_pool"}
    assert data["invoices"][0]["number"] == "KITH-2026-0001"
    assert data["spend_statement"][0]["amount"] == "270.00"
    assert data["pool_pledges"][0]["pool__title"] == "Group swim on Fridays"
    assert data["reviews_you_wrote"][0]["text"] == "Patient teachers."
    assert data["representatives_you_named"][0]["relationship"] == "daughter"
    # The readable summary says the same things in words.
    assert "<h1>Your data on Kith</h1>" in summary
    assert SAM_GOAL in summary
    assert "Do you have a hoist at the pool?" in summary
    assert "Information Commissioner" in summary


def test_every_part_of_the_data_has_a_heading_in_the_summary(world):
    data = data_rights.personal_data(world.sam)
    described = set(data_rights.SECTION_HEADINGS) | {"about_this_file", "generated_at"}
    assert set(data) == described


def test_the_archive_holds_nothing_of_anyone_else(world):
    data, summary = unzip(data_rights.build_archive(world.sam))
    everything = json.dumps(data) + summary
    assert JOAN_GOAL not in everything
    assert "Is parking free for Joan?" not in everything
    assert "pi_joan1" not in everything
    assert world.joan.email not in everything


def test_a_representative_downloads_their_own_data_not_the_persons(world):
    data, summary = unzip(data_rights.build_archive(world.aisha))
    everything = json.dumps(data) + summary
    assert data["support_plans"] == []
    assert data["people_you_act_or_acted_for"][0]["name"] == "Sam Patel"
    assert SAM_GOAL not in everything
    assert "Do you have a hoist" not in everything
    assert "pi_sam1" not in everything


def test_a_provider_gets_the_conversations_with_them_and_their_listings(world):
    data, _ = unzip(data_rights.build_archive(world.dave))
    subjects = {enquiry["subject"] for enquiry in data["enquiries"]}
    assert subjects == {"Lessons on Saturdays?", "Joan's question"}
    assert data["listings_you_manage"][0]["title"] == "Grand Central Pools"
    assert data["bookings"] == []


def test_user_text_in_the_summary_is_escaped(world):
    Goal.objects.filter(pk=world.goal.pk).update(text="<script>alert(1)</script> swim")
    _, summary = unzip(data_rights.build_archive(world.sam))
    assert "<script>alert(1)</script>" not in summary
    assert "&lt;script&gt;alert(1)&lt;/script&gt; swim" in summary


def test_download_is_a_post_after_entering_the_password_again(client, world):
    client.force_login(world.sam)
    url = reverse("accounts:download_data")
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))

    signed_in_again(client, world.sam)
    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="kith-my-data-')
    data, _ = unzip(response.content)
    assert data["account"]["email"] == world.sam.email


def test_download_needs_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.sam)
    assert client.post(reverse("accounts:download_data")).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for name in ("accounts:my_data", "accounts:delete_account"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_my_account_links_to_the_data_page_which_offers_both(client, world):
    client.force_login(world.sam)
    page = client.get(reverse("accounts:my_account")).content.decode()
    assert reverse("accounts:my_data") in page
    page = client.get(reverse("accounts:my_data")).content.decode()
    assert "<h1>Your data</h1>" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert reverse("accounts:delete_account") in page


# --- Delete my account --------------------------------------------------------------------


def _ledger_total(**filters):
    return LedgerEntry.objects.filter(**filters).aggregate(total=Sum("amount"))["total"]


def test_deleting_an_account_with_bookings_anonymises_it_and_keeps_the_money(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    sam_id, sam_email = world.sam.pk, world.sam.email
    total_before = _ledger_total()
    with django_capture_on_commit_callbacks(execute=True):
        data_rights.erase_account(world.sam)

    sam = User.objects.get(pk=sam_id)
    assert sam.email == f"deleted-{sam_id}@invalid"
    assert sam.display_name == "Deleted account"
    assert not sam.is_active
    assert not sam.has_usable_password()
    assert sam.erased_at is not None
    assert not sam.role_grants.exists()
    assert not EmailAddress.objects.filter(user=sam).exists()
    assert not EmailAddress.objects.filter(email__iexact=sam_email).exists()

    # Money records stay, linked to the empty account, and every total still adds up.
    assert Booking.objects.filter(person=sam).count() == 1
    assert Payment.objects.filter(person=sam).count() == 2  # a booking's and a pool share's
    assert Invoice.objects.filter(person=sam).count() == 1
    assert Pledge.objects.filter(member=sam).count() == 1
    assert _ledger_total() == total_before
    assert _ledger_total(person=sam) == Decimal("270.00")

    # The plan goes, except the goal a pledge points at, which is emptied of its words.
    [goal] = Goal.objects.filter(plan__person=sam)
    assert goal.text == "[deleted]"
    assert goal.pk == world.goal.pk
    plan = goal.plan
    assert plan.postcode == "" and plan.brokerage_reason == ""
    assert not plan.access_log.exists() and not plan.shortlists.exists()
    assert not Referral.objects.filter(person=sam).exists()

    # Messages keep their place in the provider's conversation, without Sam's words.
    bodies = list(Message.objects.filter(enquiry=world.enquiry).values_list("body", flat=True))
    assert bodies == ["[deleted]", "Yes, at the shallow end."]
    assert Enquiry.objects.get(pk=world.enquiry.pk).subject == "[deleted]"
    assert not Review.objects.filter(booking=world.booking).exists()
    assert not Representation.objects.filter(budget_holder=sam).exists()

    # One email, to the address Sam had.
    assert [mail.to for mail in mailoutbox] == [[sam_email]]
    assert "has been deleted" in mailoutbox[0].subject
    assert "6 years" in mailoutbox[0].body
    assert "http://127.0.0.1:8000/privacy/" in mailoutbox[0].body


def test_deleting_one_account_leaves_everyone_elses_data(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        data_rights.erase_account(world.sam)
    joan = User.objects.get(pk=world.joan.pk)
    assert joan.email == world.joan.email and joan.is_active
    assert list(Goal.objects.filter(plan=world.joan_plan).values_list("text", flat=True)) == [
        JOAN_GOAL
    ]
    assert Message.objects.get(sender=joan).body == "Is parking free for Joan?"
    assert Booking.objects.get(pk=world.joan_booking.pk).note.startswith("Please meet me")
    assert User.objects.get(pk=world.aisha.pk).is_active
    assert ListingPage.objects.get(pk=world.pools.pk).live


def test_a_practitioners_deletion_keeps_the_persons_access_log_and_frees_the_plan(world):
    data_rights.erase_account(world.priya, notify=False)
    plan = SupportPlan.objects.get(pk=world.plan.pk)
    assert plan.practitioner is None
    [line] = PlanAccess.objects.filter(plan=plan)
    assert str(line.viewer) == "Deleted account"


def test_a_representatives_deletion_ends_what_they_held(world):
    data_rights.erase_account(world.aisha, notify=False)
    rep = Representation.objects.get(budget_holder=world.sam)
    assert rep.status == Representation.Status.REVOKED
    assert rep.ended_at is not None
    assert rep.invited_email == f"deleted-{world.aisha.pk}@invalid"


def test_a_providers_listings_leave_the_directory_and_their_offers_stop(world):
    Pool.objects.filter(pk=world.pool.pk).update(status=Pool.Status.DELIVERED)
    data_rights.erase_account(world.dave, notify=False)
    pools = ListingPage.objects.get(pk=world.pools.pk)
    assert not pools.live
    assert pools.owner_id is None
    assert ownership.account_holder(pools) is None and not ownership.managers_of(pools)
    assert not Offer.objects.get(pk=world.offer.pk).is_active
    assert Message.objects.filter(sender=world.dave).get().body == "[deleted]"


def test_an_account_cannot_go_while_money_is_still_moving(world):
    Booking.objects.filter(pk=world.booking.pk).update(status=Booking.Status.ACCEPTED)
    with pytest.raises(data_rights.ErasureError, match="booking"):
        data_rights.erase_account(world.sam, notify=False)
    assert User.objects.get(pk=world.sam.pk).erased_at is None
    # The provider cannot leave customers with unanswered bookings either.
    assert data_rights.why_not_erasable(world.dave)


def test_an_organiser_cannot_go_while_their_group_purchase_is_funded(world):
    Booking.objects.all().update(status=Booking.Status.PAID)
    [reason] = data_rights.why_not_erasable(world.dave)
    assert "group purchase" in reason
    Pool.objects.filter(pk=world.pool.pk).update(status=Pool.Status.DELIVERED)
    assert data_rights.why_not_erasable(world.dave) == []


def test_deleting_twice_is_harmless(world):
    data_rights.erase_account(world.sam, notify=False)
    assert data_rights.erase_account(User.objects.get(pk=world.sam.pk), notify=False) == {}


def test_the_delete_page_explains_then_deletes_after_confirmation(client, world, mailoutbox):
    signed_in_again(client, world.sam)
    url = reverse("accounts:delete_account")
    page = client.get(url).content.decode()
    assert "<h1>Delete my account</h1>" in page
    assert "6 years" in page
    assert 'for="id_confirm"' in page

    response = client.post(url, {})
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    assert User.objects.get(pk=world.sam.pk).is_active

    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account_deleted")
    assert not User.objects.get(pk=world.sam.pk).is_active
    # Signed out, and the deleted account cannot sign in again.
    assert client.get(reverse("accounts:my_account")).status_code == 302
    assert not client.login(email=world.sam.email, password=DEFAULT_PASSWORD)
    assert client.get(reverse("accounts:account_deleted")).status_code == 200


def test_the_delete_page_asks_for_the_password_before_deleting(client, world):
    client.force_login(world.sam)
    response = client.post(reverse("accounts:delete_account"), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert User.objects.get(pk=world.sam.pk).is_active


def test_the_delete_page_says_what_to_finish_first(client, world):
    Booking.objects.filter(pk=world.booking.pk).update(status=Booking.Status.REQUESTED)
    signed_in_again(client, world.sam)
    page = client.get(reverse("accounts:delete_account")).content.decode()
    assert "You cannot delete your account yet" in page
    assert 'name="confirm"' not in page
    response = client.post(reverse("accounts:delete_account"), {"confirm": "on"})
    assert response.status_code == 400
    assert User.objects.get(pk=world.sam.pk).is_active


def test_after_entering_the_password_the_download_carries_on(client, world):
    """allauth keeps the POST while asking for the password, then answers it with the ZIP."""
    client.force_login(world.sam)
    url = reverse("accounts:download_data")
    ask = client.post(url)["Location"]
    page = client.get(ask)
    assert page.status_code == 200
    assert 'name="password"' in page.content.decode()
    response = client.post(ask, {"password": DEFAULT_PASSWORD, "next": url})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    data, _ = unzip(response.content)
    assert data["account"]["email"] == world.sam.email
