"""Listing safety as owners, moderators and the public meet it (directory.safety).

Suspension: a moderator suspends a listing from the admin; at once its page
says "not available" to the public (its owner sees why), and it cannot be
booked or enquired about; the owner is told, and told again when it is
lifted. Checks: the owner gives a CQC number (format checked) or insurance
with its expiry; a moderator verifies it, recording how; listing pages and
search results show it with its dates, expired insurance as expired, and
the search page and API can ask for checked providers only.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.models import Notification
from directory.factories import make_listing
from directory.models import ListingCheck, ListingSuspension
from directory.safety import services as safety
from directory.safety.records import valid_cqc_id
from directory.templatetags.safety_tags import check_lines
from marketplace.bookings import services as bookings
from marketplace.enquiries import services as enquiries
from marketplace.models import Offer, PaymentRoute

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
NEXT_YEAR = TODAY + datetime.timedelta(days=365)
REASON = "Two reports of missed visits to people who live alone; we are looking into it."


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(user_factory):
    moderator = user_factory(display_name="Mo Ahmed", roles=["moderator"])
    moderator.groups.add(Group.objects.get(name="Moderators"))
    Authenticator.objects.create(
        user=moderator, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return {
        "owner": user_factory(display_name="Dave Lomas", roles=["provider"]),
        "sam": user_factory(display_name="Sam Patel", roles=["budget_holder"]),
        "other_owner": user_factory(display_name="Jo Birch", roles=["provider"]),
        "moderator": moderator,
    }


@pytest.fixture
def agency(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        listing = make_listing(
            "provider",
            "Heaton Home Care",
            "SK4 4NB",
            summary="Home care visits in Heaton Moor: washing, dressing and meals.",
            categories=["domestic-help"],
            owner=people["owner"],
        )
    Offer.objects.create(
        listing=listing,
        kind=Offer.Kind.WEEKLY_HOURS,
        title="Morning visits",
        price=Decimal("126.00"),
        hours_per_week=Decimal("7.0"),
    )
    return listing


def told(user, event) -> list[Notification]:
    return list(Notification.objects.filter(user=user, event=event))


# --- Suspension ---------------------------------------------------------------------------


def test_a_moderator_suspends_from_the_admin_and_it_takes_effect_at_once(
    client, people, agency, django_capture_on_commit_callbacks
):
    admin = client_for(people["moderator"])
    page = admin.get(reverse("directory_safety:listing", args=[agency.pk])).content.decode()
    assert "Not suspended." in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("directory_safety:suspend", args=[agency.pk]), {"reason": REASON}
        )
    assert response.status_code == 302
    suspension = ListingSuspension.objects.get()
    assert (suspension.listing_id, suspension.suspended_by) == (agency.pk, people["moderator"])

    # The public cannot see the page; the owner sees why; moderators see it as it is.
    public = client.get(agency.url)
    assert public.status_code == 404
    assert "not available at the moment" in public.content.decode()
    assert REASON not in public.content.decode()
    owner_page = client_for(people["owner"]).get(agency.url)
    assert owner_page.status_code == 200 and "missed visits" in owner_page.content.decode()
    assert admin.get(agency.url).status_code == 200

    # No booking, no enquiry, from this moment.
    offer = agency.offers.get()
    with pytest.raises(bookings.BookingError, match="cannot take bookings at the moment"):
        bookings.request_booking(
            offer,
            people["sam"],
            by=people["sam"],
            payment_route=PaymentRoute.MANAGED_ACCOUNT,
            payer_name="Stockport Direct Payments Support Service",
        )
    assert "at the moment" in enquiries.why_cannot_enquire(people["sam"], agency)
    with pytest.raises(enquiries.EnquiryError):
        enquiries.start_enquiry(agency, people["sam"], people["sam"], "Visits", "Mornings?")
    sam = client_for(people["sam"])
    assert sam.get(reverse("marketplace:enquiry_new", args=[agency.pk])).status_code == 403

    # The owner was told why; their listings page says so.
    [note] = told(people["owner"], "listing_suspended")
    assert "suspended" in note.subject and REASON in note.body
    mine = client_for(people["owner"]).get(reverse("directory:my_listings")).content.decode()
    assert "Suspended since" in mine

    # Suspending again changes nothing; lifting needs a note, then all is back.
    assert safety.suspend(agency, people["moderator"], "Again") == suspension
    lift = reverse("directory_safety:lift", args=[agency.pk])
    assert admin.post(lift, {"note": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(lift, {"note": "Visits checked with the council."}).status_code == 302
    suspension.refresh_from_db()
    assert suspension.lifted_by == people["moderator"]
    assert suspension.lift_note == "Visits checked with the council."
    assert client.get(agency.url).status_code == 200
    assert enquiries.why_cannot_enquire(people["sam"], agency) == ""
    assert len(told(people["owner"], "listing_suspended")) == 2
    assert safety.lift(agency, people["moderator"], "Twice") is None


def test_only_moderators_suspend(people, agency):
    for who in ("owner", "sam"):
        with pytest.raises(Exception) as refused:
            safety.suspend(agency, people[who], REASON)
        assert refused.type.__name__ == "PermissionDenied"
    with pytest.raises(safety.SafetyError):
        safety.suspend(agency, people["moderator"], "  ")
    # The admin page is refused to a provider (sent to sign in to the admin).
    page = client_for(people["owner"]).get(reverse("directory_safety:index"))
    assert page.status_code == 302
    assert not ListingSuspension.objects.exists()


# --- Checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("1-123456789", True),
        (" 1-1234567890 ", True),
        ("1-12345", False),
        ("12-123456789", False),
        ("1123456789", False),
        ("1-12345678a", False),
    ],
)
def test_cqc_ids_look_like_the_cqcs(text, valid):
    assert valid_cqc_id(text) is valid


def test_owner_gives_checks_and_a_moderator_verifies_them(
    client, people, agency, django_capture_on_commit_callbacks
):
    owner = client_for(people["owner"])
    url = reverse("directory:listing_checks", args=[agency.pk])
    assert owner.get(url).status_code == 200
    assert client_for(people["other_owner"]).get(url).status_code == 404
    bad = owner.post(url, {"kind": "cqc", "reference": "CQC 12345"})
    assert bad.status_code == 400 and "like 1-123456789" in bad.content.decode()
    no_date = owner.post(url, {"kind": "public_liability", "reference": "Aviva 24-PL-5518820"})
    assert "Enter the date the insurance runs out." in no_date.content.decode()
    assert owner.post(url, {"kind": "cqc", "reference": "1-101634556"}).status_code == 302
    owner.post(
        url,
        {
            "kind": "public_liability",
            "reference": "Aviva 24-PL-5518820",
            "expires_on": NEXT_YEAR.isoformat(),
        },
    )
    cqc, insurance = ListingCheck.objects.order_by("kind")
    assert (cqc.status, insurance.status) == ("submitted", "submitted")
    # Nothing shows until a moderator has checked.
    assert (
        "No CQC registration or insurance has been checked"
        in client.get(agency.url).content.decode()
    )

    admin = client_for(people["moderator"])
    waiting = admin.get(reverse("directory_safety:index")).content.decode()
    assert "1-101634556" in waiting and "Listing safety (2)" in waiting
    assert (
        admin.post(reverse("directory_safety:verify", args=[cqc.pk]), {"how": ""}).status_code
        == 302
    )
    cqc.refresh_from_db()
    assert cqc.status == "submitted"  # no "how": not verified
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            reverse("directory_safety:verify", args=[cqc.pk]),
            {"how": "Looked up 1-101634556 on the CQC register"},
        )
        safety.verify_check(insurance, people["moderator"], "Saw the certificate by email")
        safety.verify_check(insurance, people["moderator"], "Twice changes nothing")
    cqc.refresh_from_db()
    insurance.refresh_from_db()
    assert (cqc.status, cqc.checked_by, cqc.checked_on) == ("verified", people["moderator"], TODAY)
    assert cqc.how_checked == "Looked up 1-101634556 on the CQC register"
    assert insurance.how_checked == "Saw the certificate by email"
    assert len(told(people["owner"], "checks_verified")) == 2

    page = client.get(agency.url).content.decode()
    assert f"CQC registered, checked {TODAY:%-d %B %Y}" in page
    assert f"Insurance checked, valid until {NEXT_YEAR:%-d %B %Y}" in page

    # Search results show them, and the filter on the search page and the API finds them.
    results = client.get("/directory/", {"q": "home care", "checked": ["cqc", "insurance"]})
    html = results.content.decode()
    assert "Heaton Home Care" in html
    assert f"CQC registered, checked {TODAY:%-d %B %Y}" in html
    assert "Insurance checked and in date" in html  # the filter is listed as chosen
    api = client.get("/api/v1/listings/", {"q": "home care", "checked": "cqc"}).json()
    [result] = api["results"]
    assert result["cqc_checked_on"] == TODAY.isoformat()
    assert result["insurance_valid_until"] == NEXT_YEAR.isoformat()
    assert client.get("/api/v1/listings/", {"checked": "dbs"}).status_code == 400


def test_search_leaves_out_listings_without_the_checks_asked_for(
    client, people, agency, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        other = make_listing("provider", "Marple Home Care", "SK6 6AA", owner=people["other_owner"])
        check = safety.submit_check(other, people["other_owner"], "cqc", "1-555666777")
        safety.verify_check(check, people["moderator"], "CQC register")
    html = client.get("/directory/", {"q": "home care", "checked": "cqc"}).content.decode()
    assert "Marple Home Care" in html and "Heaton Home Care" not in html
    api = client.get("/api/v1/listings/", {"q": "home care", "checked": "cqc"}).json()
    assert [r["name"] for r in api["results"]] == ["Marple Home Care"]


def test_expired_insurance_is_shown_as_expired():
    lines = check_lines(
        None, datetime.date(2025, 2, 1), datetime.date(2026, 1, 31), today=datetime.date(2026, 3, 3)
    )
    assert lines == [("Insurance expired on 31 January 2026 (checked 1 February 2025)", True)]
    assert check_lines("2026-03-03", None, None) == [
        ("CQC registered, checked 3 March 2026", False)
    ]


def test_insurance_already_run_out_is_refused_and_a_moderator_can_turn_a_check_down(
    people, agency, django_capture_on_commit_callbacks
):
    with pytest.raises(safety.SafetyError, match="already run out"):
        safety.submit_check(
            agency,
            people["owner"],
            "employers_liability",
            "Zurich EL-88231",
            TODAY - datetime.timedelta(days=1),
        )
    check = safety.submit_check(agency, people["owner"], "cqc", "1-101634556")
    assert safety.submit_check(agency, people["owner"], "cqc", "1-101634556") == check
    with django_capture_on_commit_callbacks(execute=True):
        safety.reject_check(check, people["moderator"], "Not on the CQC register.")
    check.refresh_from_db()
    assert check.status == "rejected"
    with pytest.raises(safety.SafetyError):
        safety.verify_check(check, people["moderator"], "Changed my mind")
    [note] = told(people["owner"], "checks_verified")
    assert "could not be checked" in note.subject and "Not on the CQC register." in note.body


def test_owners_are_told_once_when_insurance_is_running_out(
    people, agency, django_capture_on_commit_callbacks
):
    soon = TODAY + datetime.timedelta(days=20)
    check = safety.submit_check(agency, people["owner"], "public_liability", "Aviva PL-1", soon)
    with django_capture_on_commit_callbacks(execute=True):
        safety.verify_check(check, people["moderator"], "Saw the certificate")
        assert safety.remind_expiring() == 1
        assert safety.remind_expiring() == 0
    [note] = told(people["owner"], "checks_expiring")
    assert "runs out soon" in note.subject and f"{soon:%-d %B %Y}" in note.body


def test_a_moderator_turns_a_check_down_from_the_admin_with_a_reason(
    people, agency, django_capture_on_commit_callbacks
):
    check = safety.submit_check(agency, people["owner"], "cqc", "1-101634556")
    admin = client_for(people["moderator"])
    url = reverse("directory_safety:reject", args=[check.pk])
    blank = admin.post(url, {"reason": ""}, follow=True).content.decode()
    assert "Say why it could not be checked." in blank
    check.refresh_from_db()
    assert check.status == "submitted"
    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post(
            url, {"reason": "Not on the CQC register.", "next": "listing"}, follow=True
        )
    assert done.redirect_chain[-1][0] == reverse("directory_safety:listing", args=[agency.pk])
    assert "The owner has been told why it could not be checked." in done.content.decode()
    check.refresh_from_db()
    assert (check.status, check.checked_by) == ("rejected", people["moderator"])
    # Turning it down again, or verifying it now, is refused in words, not a 500.
    again = admin.post(
        reverse("directory_safety:verify", args=[check.pk]), {"how": "CQC register"}, follow=True
    )
    assert again.status_code == 200
    check.refresh_from_db()
    assert check.status == "rejected"
    assert client_for(people["owner"]).post(url, {"reason": "x"}).status_code == 302  # to sign-in
    check.refresh_from_db()
    assert check.checked_by == people["moderator"]
