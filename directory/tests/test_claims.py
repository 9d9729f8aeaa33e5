"""Who owns a listing, and claiming one: what a provider and a moderator rely on.

* ownership is ``directory.ownership`` (ListingManager), never Wagtail's
  ``Page.owner``: a moderator editing or copying a page in the admin does not
  become its owner, and the data migration kept only real listers;
* "Is this you? Manage this listing" leads to a claim; a code goes to the
  address published on the listing; a moderator approves or declines with a
  reason; the new owner then edits through moderation and receives bookings
  and messages; a listing with an owner can only be asked for as a manager.
"""

from __future__ import annotations

import importlib
import re
from datetime import timedelta
from decimal import Decimal
from html import escape

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import WorkflowState

from accounts.models import Notification
from accounts.notifications import Event
from directory import claims, ownership
from directory.factories import directory_index, make_listing
from directory.models import (
    ListingClaim,
    ListingManager,
    ListingPage,
    ListingProvenance,
    ListingSource,
)

pytestmark = pytest.mark.django_db

CODE_RE = re.compile(r"^([2-9A-Z]{4}-[2-9A-Z]{4})$", re.M)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(user_factory):
    moderator = user_factory(
        email="moderator@kith.example.org", display_name="Mo", roles=["moderator"], is_staff=True
    )
    moderator.groups.add(Group.objects.get(name="Moderators"))
    # The Wagtail admin opens only for moderators with two-step sign-in.
    Authenticator.objects.create(
        user=moderator, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return {
        "provider": user_factory(
            email="dave@stockport-carers.example.org", display_name="Dave", roles=["provider"]
        ),
        "other_provider": user_factory(
            email="kev@edgeley-fitness.example.org", display_name="Kev", roles=["provider"]
        ),
        "holder": user_factory(
            email="sam@example.org", display_name="Sam", roles=["budget_holder"]
        ),
        "pa": user_factory(email="joanne@example.org", roles=["personal_assistant"]),
        "staff": user_factory(email="office@kith.example.org", is_staff=True),
        "moderator": moderator,
    }


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def imported_listing(title="Stockport Carers Cafe", **fields):
    """A listing as the ORUK importer leaves it: live, unowned, unverified."""
    fields.setdefault("contact_email", "hello@stockport-carers.example.org")
    fields.setdefault("contact_phone", "0161 480 0000")
    page = make_listing("provider", title, "SK1 3XE", **fields)
    source, _ = ListingSource.objects.get_or_create(
        slug="stockport-council", defaults={"name": "Stockport Council"}
    )
    ListingProvenance.objects.create(
        listing=page,
        source=source,
        external_id=f"svc-{page.pk}",
        content_hash="x",
        imported_at=timezone.now(),
    )
    return page


def claim_by_email(client, page) -> str:
    """Ask to manage ``page`` by email; return the code from the email sent to its address."""
    mail.outbox.clear()
    response = client.post(
        reverse("directory:claim_listing", args=[page.pk]),
        {"role_at_service": "Manager", "verify_by": "email"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    [email] = mail.outbox
    assert email.to == [page.contact_email]
    return CODE_RE.search(email.body).group(1)


# ------------------------------------------------------------ migration


def test_data_migration_keeps_providers_and_pas_and_drops_moderators_staff_and_imports(people):
    migration = importlib.import_module("directory.migrations.0006_listing_managers_and_claims")
    provider_listing = make_listing("provider", "Edgeley Community Gym", "SK3 9HN")
    pa_listing = make_listing("pa", "Joanne, PA in Oldham", "OL8 1AA")
    by_moderator = make_listing("club", "Reddish Art Club", "SK5 6AA")
    by_staff = make_listing("club", "Cheadle Chess Club", "SK8 1AA")
    imported = imported_listing()
    for page, owner in [
        (provider_listing, people["provider"]),
        (pa_listing, people["pa"]),
        (by_moderator, people["moderator"]),
        (by_staff, people["staff"]),
        (imported, people["provider"]),
    ]:
        ListingPage.objects.filter(pk=page.pk).update(owner=owner)
    ListingManager.objects.all().delete()

    migration.owners_from_page_owner(django_apps, None)

    assert ownership.account_holder(provider_listing) == people["provider"]
    assert ownership.account_holder(pa_listing) == people["pa"]
    assert ownership.account_holder(by_moderator) is None
    assert ownership.account_holder(by_staff) is None
    assert ownership.account_holder(imported) is None


# ------------------------------------------------------- Wagtail admin


def test_a_moderator_editing_or_copying_in_the_admin_does_not_become_the_owner(people):
    provider, moderator = people["provider"], people["moderator"]
    page = make_listing("provider", "Edgeley Community Gym", "SK3 9HN", owner=provider)

    # An edit published from the admin, by a moderator.
    page = page.specific
    page.summary = "Gym sessions with a trainer who knows wheelchair users."
    page.save_revision(user=moderator).publish(user=moderator)
    assert client_for(moderator).get(f"/admin/pages/{page.pk}/edit/").status_code == 200

    # A copy made through the admin's own copy page.
    response = client_for(moderator).post(
        reverse("wagtailadmin_pages:copy", args=[page.pk]),
        {
            "new_title": "Edgeley Community Gym (Reddish)",
            "new_slug": "edgeley-community-gym-reddish",
            "new_parent_page": directory_index().pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    copy = ListingPage.objects.get(slug="edgeley-community-gym-reddish")

    assert copy.owner == moderator  # Wagtail's creator field...
    assert ownership.account_holder(copy) is None  # ...is not ownership
    assert not ownership.manages(moderator, copy)
    assert ownership.account_holder(page) == provider
    assert ownership.managers_of(page) == [provider]
    assert not ownership.manages(moderator, page)


# ------------------------------------------------------------- claiming


def test_claim_code_approval_then_edits_go_to_moderation_and_bookings_reach_the_claimant(
    people, django_capture_on_commit_callbacks
):
    from marketplace.bookings import services as bookings
    from marketplace.enquiries import services as enquiries
    from marketplace.models import Offer
    from matching.models import PaymentRoute

    provider, moderator, holder = people["provider"], people["moderator"], people["holder"]
    page = imported_listing()
    ListingPage.objects.filter(pk=page.pk).update(owner=moderator)  # ignored, as it should be
    client = client_for(provider)

    # The listing page offers the claim, and the listing cannot take messages yet.
    html = client.get(page.url).content.decode()
    assert reverse("directory:claim_listing", args=[page.pk]) in html
    assert "Is this you?" in html
    assert "Nobody at Kith or the service has checked these details yet." in html
    assert enquiries.why_cannot_enquire(holder, page).startswith(page.title)

    code = claim_by_email(client, page)
    claim = ListingClaim.objects.get()
    assert claim.kind == ListingClaim.Kind.OWNER and claim.status == "pending"
    assert code.replace("-", "") not in claim.code_hash  # only a keyed hash is kept

    # The link in the email fills the box; a wrong code is refused.
    detail = client.get(reverse("directory:claim_detail", args=[claim.pk]) + f"?code={code}")
    assert f'value="{code}"' in detail.content.decode()
    wrong = client.post(reverse("directory:claim_code", args=[claim.pk]), {"code": "2222-2222"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    ok = client.post(reverse("directory:claim_code", args=[claim.pk]), {"code": code.lower()})
    assert ok.status_code == 302
    claim.refresh_from_db()
    assert claim.email_confirmed

    # The moderator sees it in the queue and approves it.
    moderator_client = client_for(moderator)
    queue = moderator_client.get(reverse("directory_admin:claims")).content.decode()
    assert page.title in queue and "code entered" in queue
    response = moderator_client.post(
        reverse("directory_admin:claim_review", args=[claim.pk]),
        {"decision": "approve", "note": "Code entered; rang 0161 480 0000, spoke to Dave."},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "approved" and claim.decided_by == moderator
    assert ownership.account_holder(page) == provider
    assert ListingProvenance.objects.get(listing=page).is_verified
    notice = Notification.objects.get(user=provider, event=Event.LISTING_CLAIM_DECIDED)
    assert "approved" in notice.body
    assert "Nobody at Kith" not in client.get(page.url).content.decode()

    # They edit like any owner: the change waits for a moderator.
    assert client.get(reverse("directory:owner_edit", args=[page.pk])).status_code == 200
    from directory.tests.test_owner import edit_data

    response = client.post(
        reverse("directory:owner_edit", args=[page.pk]),
        edit_data(page, summary="A weekly cafe for unpaid carers, now on Fridays too."),
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    assert page.summary != "A weekly cafe for unpaid carers, now on Fridays too."

    # Messages and bookings now reach the claimant, not Wagtail's page owner.
    mail.outbox.clear()
    enquiry = enquiries.start_enquiry(page, holder, holder, "Fridays", "Is there parking?")
    assert [m.to for m in mail.outbox] == [[provider.email]]
    assert enquiries.is_owner_side(provider, enquiry)
    assert not enquiries.is_owner_side(moderator, enquiry)
    offer = Offer.objects.create(
        listing=page, kind=Offer.Kind.BLOCK, title="Ten cafe sessions", price=Decimal("20.00"),
        sessions=10, places=8,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        booking = bookings.request_booking(
            offer,
            holder,
            by=holder,
            payment_route=PaymentRoute.MANAGED_ACCOUNT,
            payer_name="Stockport Direct Payments Support Service",
            payer_email="accounts@example.org",
        )
    assert Notification.objects.filter(user=provider, event=Event.BOOKING_REQUESTED).exists()
    assert bookings.accept(booking, by=provider).status == "accepted"


def test_a_moderator_declines_with_a_reason_the_claimant_is_told(people):
    provider, moderator = people["provider"], people["moderator"]
    page = imported_listing(contact_email="")
    client = client_for(provider)
    response = client.get(reverse("directory:claim_listing", args=[page.pk]))
    assert b'value="email"' not in response.content  # no published address, so no code
    response = client.post(
        reverse("directory:claim_listing", args=[page.pk]),
        {"role_at_service": "Volunteer", "verify_by": "evidence", "evidence": ""},
    )
    assert response.status_code == 400  # evidence chosen, none described
    client.post(
        reverse("directory:claim_listing", args=[page.pk]),
        {"role_at_service": "Volunteer", "verify_by": "evidence", "evidence": "Charity 1100123"},
    )
    claim = ListingClaim.objects.get()
    url = reverse("directory_admin:claim_review", args=[claim.pk])
    refused = client_for(moderator).post(url, {"decision": "decline", "reason": " "})
    assert refused.status_code == 400
    reason = "Charity 1100123 is a different charity. Ask the cafe's manager to contact us."
    client_for(moderator).post(url, {"decision": "decline", "reason": reason})
    claim.refresh_from_db()
    assert claim.status == "declined" and claim.reason == reason
    assert ownership.account_holder(page) is None
    notice = Notification.objects.get(user=provider, event=Event.LISTING_CLAIM_DECIDED)
    assert reason in notice.body
    assert (
        escape(reason)
        in client.get(reverse("directory:claim_detail", args=[claim.pk])).content.decode()
    )
    # Declined and decided: it cannot be approved afterwards.
    with pytest.raises(claims.ClaimError):
        claims.approve(claim, moderator)


def test_a_second_person_can_only_ask_to_help_manage_and_the_owner_answers(people):
    provider, colleague = people["provider"], people["other_provider"]
    page = make_listing(
        "provider", "Edgeley Community Gym", "SK3 9HN", owner=provider,
        contact_email="hello@edgeley-gym.example.org", contact_phone="0161 477 1234",
    )  # fmt: skip
    html = client_for(colleague).get(page.url).content.decode()
    assert "Ask to help manage this listing" in html
    client_for(colleague).post(
        reverse("directory:claim_listing", args=[page.pk]),
        {"role_at_service": "Duty manager", "verify_by": "phone"},
    )
    claim = ListingClaim.objects.get()
    assert claim.kind == ListingClaim.Kind.MANAGER
    assert Notification.objects.filter(user=provider, event=Event.LISTING_CLAIM_RECEIVED).exists()
    listings_page = client_for(provider).get(reverse("directory:my_listings")).content.decode()
    assert "Duty manager" in listings_page

    # Only the owner (or a moderator) answers: not the claimant, not another provider.
    accept = reverse("directory:manager_request_answer", args=[claim.pk, "accept"])
    assert client_for(colleague).post(accept).status_code == 404
    assert client_for(people["pa"]).post(accept).status_code == 404
    assert client_for(provider).post(accept).status_code == 302

    assert ownership.manages(colleague, page)
    assert ownership.account_holder(page) == provider  # still the one contacted and paid
    assert ownership.managers_of(page) == [provider, colleague]
    assert (
        client_for(colleague).get(reverse("directory:owner_edit", args=[page.pk])).status_code
        == 200
    )


def test_the_owner_declines_a_manager_request_with_a_reason(people):
    provider, colleague = people["provider"], people["other_provider"]
    page = make_listing(
        "provider",
        "Edgeley Community Gym",
        "SK3 9HN",
        owner=provider,
        contact_phone="0161 477 1234",
    )
    claim = claims.request_claim(page, colleague, role_at_service="Trainer", verify_by="evidence",
                                 evidence="I run the Tuesday class.")  # fmt: skip
    decline = reverse("directory:manager_request_answer", args=[claim.pk, "decline"])
    client_for(provider).post(decline, {"reason": "I do not know you."})
    claim.refresh_from_db()
    assert claim.status == "declined" and not ownership.manages(colleague, page)
    assert "I do not know you." in Notification.objects.get(user=colleague).body


# ---------------------------------------------------------- permissions


def test_who_may_claim_and_who_may_decide(people):
    page = imported_listing()
    url = reverse("directory:claim_listing", args=[page.pk])
    assert Client().get(url).status_code == 302  # anonymous: sign in first
    assert "/accounts/login/" in Client().get(url)["Location"]
    for role in ("holder", "moderator", "staff", "pa"):  # PAs cannot manage a provider
        assert client_for(people[role]).get(url).status_code == 403, role
    assert client_for(people["provider"]).get(url).status_code == 200

    claim = claims.request_claim(
        page, people["provider"], role_at_service="Owner", verify_by="phone"
    )
    detail = reverse("directory:claim_detail", args=[claim.pk])
    assert client_for(people["other_provider"]).get(detail).status_code == 404
    assert client_for(people["moderator"]).get(detail).status_code == 404
    code = reverse("directory:claim_code", args=[claim.pk])
    assert client_for(people["other_provider"]).post(code, {"code": "X"}).status_code == 404

    # The queue: moderators only. Staff who are not moderators, and providers, are refused.
    queue = reverse("directory_admin:claims")
    review = reverse("directory_admin:claim_review", args=[claim.pk])
    assert client_for(people["moderator"]).get(queue).status_code == 200
    assert client_for(people["moderator"]).get(review).status_code == 200
    for role in ("provider", "other_provider", "staff", "holder"):
        for address in (queue, review):
            assert client_for(people[role]).get(address).status_code in (302, 403), (role, address)
    assert Client().get(queue).status_code == 302
    # An owner answers manager requests only, never a request to own.
    with pytest.raises(claims.ClaimError):
        claims.approve(claim, people["other_provider"])
    assert client_for(people["provider"]).post(review, {"decision": "approve"}).status_code != 200
    claim.refresh_from_db()
    assert claim.status == "pending"


def test_a_listing_with_an_owner_cannot_be_taken_over_by_a_second_owner_claim(people):
    page = imported_listing()
    first = claims.request_claim(
        page, people["provider"], role_at_service="Owner", verify_by="phone"
    )
    second = claims.request_claim(
        page, people["other_provider"], role_at_service="Owner", verify_by="phone"
    )
    claims.approve(first, people["moderator"])
    second.refresh_from_db()
    assert second.status == "declined" and "confirmed as the owner" in second.reason
    assert ownership.account_holder(page) == people["provider"]


# ----------------------------------------------------- limits and leaks


def test_claims_codes_and_guesses_are_rate_limited(people):
    provider = people["provider"]
    pages = [imported_listing(f"Stockport Group {n}") for n in range(claims.MAX_CLAIMS_PER_DAY + 1)]
    for page in pages[:-1]:
        claims.request_claim(page, provider, role_at_service="Organiser", verify_by="phone")
    assert "up to 5 listings a day" in claims.why_cannot_claim(provider, pages[-1])
    ListingClaim.objects.update(created_at=timezone.now() - timedelta(days=2))
    assert claims.why_cannot_claim(provider, pages[-1]) == ""

    claim = claims.request_claim(
        pages[-1], provider, role_at_service="Organiser", verify_by="email"
    )
    assert claim.codes_sent == 1
    client = client_for(provider)
    resend = reverse("directory:claim_resend", args=[claim.pk])
    for _ in range(4):
        client.post(resend)
    claim.refresh_from_db()
    assert claim.codes_sent == claims.MAX_CODES_PER_CLAIM
    for _ in range(claims.MAX_CODE_ATTEMPTS):
        with pytest.raises(claims.ClaimError, match="not right"):
            claims.confirm_code(claim, provider, "2222-2222")
    # Even the right code is refused now: too many guesses.
    right = CODE_RE.search(mail.outbox[-1].body).group(1)
    with pytest.raises(claims.ClaimError, match="Too many"):
        claims.confirm_code(claim, provider, right)


def test_a_code_expires(people):
    page = imported_listing()
    code = claim_by_email(client_for(people["provider"]), page)
    claim = ListingClaim.objects.get()
    ListingClaim.objects.update(code_sent_at=timezone.now() - claims.CODE_LIFETIME - timedelta(1))
    claim.refresh_from_db()
    with pytest.raises(claims.ClaimError, match="expired"):
        claims.confirm_code(claim, people["provider"], code)


def test_claiming_never_reveals_whether_the_published_address_has_an_account(people):
    """One listing's address is a Kith account's, the other's is not: the claimant sees the same."""
    client = client_for(people["provider"])
    known = imported_listing("Reddish Knit and Natter", contact_email=people["holder"].email)
    unknown = imported_listing("Offerton Knit and Natter", contact_email="knit@example.org")
    pages, emails = [], []
    for page in (known, unknown):
        form = client.get(reverse("directory:claim_listing", args=[page.pk])).content.decode()
        assert 'name="email"' not in form  # the claimant never types an address
        code = claim_by_email(client, page)
        emails.append(
            mail.outbox[-1]
            .body.replace(page.title, "TITLE")
            .replace(code, "CODE")
            .replace(code.replace("-", ""), "CODE")
        )
        claim = ListingClaim.objects.get(listing=page)
        html = client.get(reverse("directory:claim_detail", args=[claim.pk])).content.decode()
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        pages.append(
            re.sub(r"\d+", "N", html.replace(page.title, "TITLE").replace(page.url, "URL"))
        )
    assert pages[0] == pages[1]
    assert re.sub(r"\d+", "N", emails[0]) == re.sub(r"\d+", "N", emails[1])


def test_erasing_an_owner_leaves_their_listing_unowned(people):
    from accounts import data_rights

    page = make_listing("club", "Bramhall Walking Group", "SK7 1AA", owner=people["provider"])
    ownership.add_manager(page, people["other_provider"], added_by=people["provider"])
    data_rights.erase_account(people["provider"], notify=False)
    assert ownership.account_holder(page) is None
    assert ownership.managers_of(page) == [people["other_provider"]]
