"""Owners list themselves from front-end forms; moderators approve in the Wagtail admin.

Every owner save is a page revision in the "Moderators approval" workflow:
nothing is live or searchable until approved, and an edit to a live listing
leaves the live version (and search) alone until then.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import TaskState, WorkflowState

from directory import geo, moderation, ownership
from directory.factories import make_listing
from directory.models import ListingPage
from directory.owner_forms import listing_form_for
from directory.search import ListingQuery, search
from directory.search.records import ListingRecord

pytestmark = pytest.mark.django_db

MY_LISTINGS = "/directory/my-listings/"


# ------------------------------------------------------------------ helpers


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Several accounts a test; real password hashing would be most of the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def provider(user_factory):
    return user_factory(email="bookings@stockport-swim.example.org", roles=["provider"])


@pytest.fixture
def other_provider(user_factory):
    return user_factory(email="hello@reddish-arts.example.org", roles=["provider"])


@pytest.fixture
def pa_user(user_factory):
    return user_factory(
        email="sam.pa@example.org", display_name="Sam", roles=["personal_assistant"]
    )


@pytest.fixture
def moderator(user_factory):
    user = user_factory(email="moderator@kith.example.org", roles=["moderator"])
    user.groups.add(Group.objects.get(name="Moderators"))
    # The admin opens only for moderators with two-step sign-in (accounts.middleware).
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


def live_listing(kind, title, postcodes, *, owner, **fields) -> ListingPage:
    """A published listing belonging to ``owner``, as if approved long ago."""
    # make_listing publishes as its owner, and owners may not publish: so publish, then hand over.
    page = make_listing(kind, title, postcodes, **fields)
    ownership.set_owner(page, owner)
    page.refresh_from_db()
    return page


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on-commit work (search indexing after publishing) at the end of a block.

    Used instead of transactional tests, whose flush would also wipe the data
    migrations seed (the directory page, vocabularies, the Moderators workflow).
    """
    return lambda: django_capture_on_commit_callbacks(execute=True)


def client_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def provider_data(**overrides) -> dict:
    """What a provider types into the form for a new listing: one place, no spare."""
    data = {
        "title": "Stockport Aquafit Mornings",
        "summary": "Gentle water exercise for adults, with a hoist into the pool.",
        "description": "Small classes led by a qualified instructor.",
        "outcomes": ["physical-health", "social-inclusion"],
        "categories": ["swimming"],
        "price_amount": "5.50",
        "price_unit": "session",
        "capacity": "12",
        "places_available": "4",
        "contact_email": "bookings@stockport-swim.example.org",
        "locations-TOTAL_FORMS": "2",
        "locations-INITIAL_FORMS": "0",
        "locations-MIN_NUM_FORMS": "1",
        "locations-MAX_NUM_FORMS": "1000",
        "locations-0-name": "Grand Central Pools",
        "locations-0-address": "Grand Central Square, Stockport",
        "locations-0-postcode": "SK1 3XE",
        "locations-1-name": "",
        "locations-1-address": "",
        "locations-1-postcode": "",
    }
    data.update(overrides)
    return _with_term_ids(data)


def pa_data(**overrides) -> dict:
    data = {
        "title": "Sam P.",
        "summary": "Experienced PA in Stockport: personal care, cooking and getting out and about.",
        "skills": "Personal care, cooking, driving",
        "hours_wanted_min": "4",
        "hours_wanted_max": "20",
        "price_amount": "13.50",
        "price_unit": "hour",
        "outcomes": ["independent-living"],
        "categories": ["personal-assistant"],
        "locations-TOTAL_FORMS": "1",
        "locations-INITIAL_FORMS": "0",
        "locations-MIN_NUM_FORMS": "1",
        "locations-MAX_NUM_FORMS": "1",
        "locations-0-postcode": "SK1 3XE",
    }
    data.update(overrides)
    return _with_term_ids(data)


def _with_term_ids(data: dict) -> dict:
    """The form posts vocabulary ids; tests speak in contract slugs."""
    from directory.models import Category, Outcome

    for name, model in (("outcomes", Outcome), ("categories", Category)):
        if name in data:
            data[name] = [
                str(pk)
                for pk in model.objects.filter(slug__in=data[name]).values_list("pk", flat=True)
            ]
    return data


def edit_data(page, **overrides) -> dict:
    """What the edit form would post back unchanged, plus ``overrides``."""
    form = listing_form_for(page.kind)(instance=page.get_latest_revision_as_object())
    data: dict = {}

    def add(bound_form):
        for field in bound_form:
            value = field.value()
            if isinstance(field.field, forms.BooleanField):
                if value:
                    data[field.html_name] = "on"
            elif isinstance(value, (list, tuple)):
                data[field.html_name] = [str(getattr(v, "pk", v)) for v in value]
            else:
                data[field.html_name] = "" if value is None else str(value)

    add(form)
    formset = form.location_formset
    for key, value in formset.management_form.initial.items():
        data[f"{formset.prefix}-{key}"] = str(value)
    for place in formset.forms:
        add(place)
    data.update(overrides)
    return data


def create_as(user, data, kind="provider") -> ListingPage:
    response = client_for(user).post(reverse("directory:owner_create", args=[kind]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return ownership.managed_by(user).latest("pk").specific


def found(text: str) -> list[int]:
    return [item.id for item in search(ListingQuery(text=text)).results]


def task_state_of(page) -> TaskState:
    return page.current_workflow_state.current_task_state


def approve_in_admin(moderator, page):
    """Approve as a moderator would, through the Wagtail admin's workflow action."""
    task_state = task_state_of(page)
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk])
    response = client_for(moderator).post(url)
    assert response.status_code == 302, response.content.decode()[:2000]


def reject_in_admin(moderator, page, comment):
    task_state = task_state_of(page)
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "reject", task_state.pk])
    response = client_for(moderator).post(url, {"comment": comment})
    assert response.status_code == 302, response.content.decode()[:2000]


def approve(moderator, page):
    task_state = task_state_of(page)
    task_state.task.specific.on_action(task_state, moderator, "approve")


# ------------------------------------------------------------- who may list


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("provider", {"provider", "club", "peer_group"}),
        ("personal_assistant", {"pa"}),
        ("ulo_staff", {"ulo", "peer_group"}),
        ("budget_holder", set()),
        ("practitioner", set()),
        ("representative", set()),
    ],
)
def test_each_role_may_create_only_its_kinds_of_listing(user_factory, role, allowed):
    user = user_factory(roles=[role])
    client = client_for(user)
    for kind in ("pa", "provider", "club", "ulo", "peer_group"):
        assert moderation.may_create(user, kind) is (kind in allowed)
        response = client.get(reverse("directory:owner_create", args=[kind]))
        if kind in allowed:
            assert response.status_code == 200
        else:
            assert response.status_code == 403
            assert b"accounts can list a" in response.content


def test_refusal_names_the_accounts_that_can_list_a_peer_group(user_factory):
    response = client_for(user_factory(roles=["budget_holder"])).get(
        reverse("directory:owner_create", args=["peer_group"])
    )
    text = response.content.decode()
    assert response.status_code == 403
    assert "Provider" in text and "User-led organisation staff" in text


def test_unknown_kind_of_listing_is_not_found(provider):
    assert client_for(provider).get("/directory/my-listings/new/gym/").status_code == 404


def test_anonymous_people_are_sent_to_sign_in(provider):
    page = live_listing("provider", "Edgeley Community Gym", "SK3 9HN", owner=provider)
    for url in (
        MY_LISTINGS,
        reverse("directory:owner_create", args=["provider"]),
        reverse("directory:owner_edit", args=[page.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    response = Client().post(reverse("directory:owner_confirm", args=[page.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_owner_cannot_edit_or_confirm_another_owners_listing(provider, other_provider):
    page = live_listing("club", "Reddish Art Club", "SK5 6AA", owner=other_provider)
    client = client_for(provider)
    edit_url = reverse("directory:owner_edit", args=[page.pk])
    assert client.get(edit_url).status_code == 404
    assert client.post(edit_url, edit_data(page, title="Taken over")).status_code == 404
    assert client.post(reverse("directory:owner_confirm", args=[page.pk])).status_code == 404
    page.refresh_from_db()
    assert page.title == "Reddish Art Club"
    assert page.latest_revision.user != provider
    assert "Reddish Art Club" not in client.get(MY_LISTINGS).content.decode()


# ------------------------------------------------------ create and approve


def test_new_listing_waits_for_approval_then_goes_live_and_searchable(
    provider, moderator, committed
):
    with committed():
        page = create_as(provider, provider_data())

    assert ownership.account_holder(page) == provider
    assert not page.live
    assert page.slug == "stockport-aquafit-mornings"
    assert [loc.postcode for loc in page.locations.all()] == ["SK1 3XE"]
    assert sorted(page.outcomes.values_list("slug", flat=True)) == [
        "physical-health",
        "social-inclusion",
    ]
    state = page.current_workflow_state
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.requested_by == provider
    assert (
        TaskState.objects.reviewable_by(moderator).filter(pk=state.current_task_state.pk).exists()
    )

    # Not public, not searchable, and the owner can see why.
    assert found("aquafit") == []
    assert not ListingRecord.objects.filter(listing_id=page.pk).exists()
    assert Client().get("/directory/stockport-aquafit-mornings/").status_code == 404
    listing_page = client_for(provider).get(MY_LISTINGS).content.decode()
    assert "Stockport Aquafit Mornings" in listing_page
    assert "Awaiting approval" in listing_page

    # Moderators see it in the admin's "Awaiting your review" and approve it there.
    dashboard = client_for(moderator).get("/admin/")
    assert dashboard.status_code == 200
    assert "Stockport Aquafit Mornings" in dashboard.content.decode()
    assert client_for(moderator).get(f"/admin/pages/{page.pk}/edit/").status_code == 200
    with committed():
        approve_in_admin(moderator, page)

    page.refresh_from_db()
    assert page.live
    assert found("aquafit") == [page.pk]
    result = search(ListingQuery(outcomes=("physical-health",), origin=(53.4047, -2.1551))).results
    assert [r.id for r in result] == [page.pk]
    assert Client().get("/directory/stockport-aquafit-mornings/").status_code == 200
    listing_page = client_for(provider).get(MY_LISTINGS).content.decode()
    assert ">Live<" in listing_page
    assert "View the live listing" in listing_page


def test_a_moderator_without_two_step_sign_in_cannot_reach_the_approve_action(
    provider, user_factory
):
    page = create_as(provider, provider_data())
    moderator = user_factory(email="newmod@kith.example.org", roles=["moderator"])
    moderator.groups.add(Group.objects.get(name="Moderators"))
    url = reverse(
        "wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state_of(page).pk]
    )
    response = client_for(moderator).post(url)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    page.refresh_from_db()
    assert not page.live


def test_an_owner_cannot_approve_their_own_listing(provider):
    page = create_as(provider, provider_data())
    url = reverse(
        "wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state_of(page).pk]
    )
    client_for(provider).post(url)
    page.refresh_from_db()
    assert not page.live


def test_rejected_listing_shows_the_moderators_comment_and_stays_unsearchable(
    provider, moderator, committed
):
    page = create_as(provider, provider_data())
    comment = "Please add the price for children and say if the changing rooms are step-free."
    with committed():
        reject_in_admin(moderator, page, comment)

    assert page.current_workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES
    # Wagtail's email to the owner points at their listings, not the admin they cannot open.
    (email,) = [m for m in mail.outbox if provider.email in m.to and "price for children" in m.body]
    assert "/directory/my-listings/" in email.body
    assert "/admin/" not in email.body
    html = client_for(provider).get(MY_LISTINGS).content.decode()
    assert "Changes requested" in html
    assert "step-free" in html and "price for children" in html
    assert found("aquafit") == []

    # The edit form shows the comment; resubmitting resumes the same review.
    edit_url = reverse("directory:owner_edit", args=[page.pk])
    assert "price for children" in client_for(provider).get(edit_url).content.decode()
    response = client_for(provider).post(
        edit_url, edit_data(page, price_notes="Children £3.50. Step-free changing rooms.")
    )
    assert response.status_code == 302
    page.refresh_from_db()
    state = page.current_workflow_state
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.current_task_state.revision == page.get_latest_revision()
    html = client_for(provider).get(MY_LISTINGS).content.decode()
    assert "Awaiting approval" in html and "price for children" not in html

    with committed():
        approve(moderator, page)
    page.refresh_from_db()
    assert page.live and page.price_notes.startswith("Children £3.50")
    assert found("aquafit") == [page.pk]


# ------------------------------------------------------------------- editing


def test_edit_to_a_live_listing_changes_nothing_public_until_approved(
    provider, moderator, committed
):
    with committed():
        page = live_listing(
            "provider",
            "Heaton Moor Cycling Club",
            "SK4 4HY",
            summary="Led bike rides for adults, trikes available.",
            outcomes=["physical-health"],
            owner=provider,
        )
    assert found("cycling") == [page.pk]
    edit_url = reverse("directory:owner_edit", args=[page.pk])
    client = client_for(provider)

    with committed():
        response = client.post(
            edit_url,
            edit_data(
                page, title="Heaton Moor Tandem Club", summary="Tandem rides with a sighted pilot."
            ),
        )
    assert response.status_code == 302

    page.refresh_from_db()
    assert page.live and page.title == "Heaton Moor Cycling Club"
    assert found("tandem") == []
    assert found("cycling") == [page.pk]
    assert "Heaton Moor Cycling Club" in Client().get(page.url).content.decode()
    html = client.get(MY_LISTINGS).content.decode()
    assert "Awaiting approval" in html and "people see the listing as it was" in html

    # The form loads the pending version, so a second edit builds on the first.
    form_html = client.get(edit_url).content.decode()
    assert "Heaton Moor Tandem Club" in form_html
    with committed():
        response = client.post(
            edit_url, edit_data(page, price_notes="Free for carers riding with someone.")
        )
    assert response.status_code == 302
    page.refresh_from_db()
    states = WorkflowState.objects.for_instance(page).active()
    assert states.count() == 1
    assert states.get().current_task_state.revision == page.get_latest_revision()
    assert found("tandem") == []

    with committed():
        approve(moderator, page)
    page.refresh_from_db()
    assert page.title == "Heaton Moor Tandem Club"
    assert page.price_notes == "Free for carers riding with someone."
    assert found("tandem") == [page.pk]
    assert found("cycling") == []


def test_editing_adds_a_place_and_keeps_moderator_checks(pa_user, provider, moderator):
    page = live_listing(
        "provider", "Stockport Home Help", "SK1 3XE", owner=provider, charity_number="1100123"
    )
    edit_url = reverse("directory:owner_edit", args=[page.pk])
    data = edit_data(
        page,
        **{
            "locations-1-name": "Marple office",
            "locations-1-postcode": "SK6 6BA",
        },
    )
    assert client_for(provider).post(edit_url, data).status_code == 302
    approve(moderator, page)
    page.refresh_from_db()
    assert sorted(loc.postcode for loc in page.locations.all()) == ["SK1 3XE", "SK6 6BA"]
    assert page.charity_number == "1100123"


def test_moderator_only_fields_are_not_on_the_form_and_cannot_be_posted(pa_user, moderator):
    page = create_as(pa_user, pa_data(), kind="pa")
    form_html = client_for(pa_user).get(reverse("directory:owner_edit", args=[page.pk])).content
    for name in ("dbs_verified_on", "insurance_verified_on", "checks_verified_by", "slug", "kind"):
        assert f'name="{name}"'.encode() not in form_html
    data = edit_data(page, dbs_verified_on="2025-01-01", slug="hijacked", kind="provider")
    assert (
        client_for(pa_user).post(reverse("directory:owner_edit", args=[page.pk]), data).status_code
        == 302
    )
    approve(moderator, page)
    page.refresh_from_db()
    assert page.dbs_verified_on is None
    assert page.slug == "sam-p"
    assert page.kind == "pa"


def test_bad_postcode_shows_the_geocoders_message_at_the_field(provider):
    response = client_for(provider).post(
        reverse("directory:owner_create", args=["provider"]),
        provider_data(**{"locations-0-postcode": "ZZ99 9ZZ"}),
    )
    assert response.status_code == 400
    with pytest.raises(geo.PostcodeError) as exc:
        geo.locate("ZZ99 9ZZ")
    place_form = response.context["formset"].forms[0]
    assert place_form.errors["postcode"] == [str(exc.value)]
    assert 'id="id_locations-0-postcode_error"' in response.content.decode()
    assert not ownership.managed_by(provider).exists()


def test_a_listing_needs_at_least_one_place(provider):
    response = client_for(provider).post(
        reverse("directory:owner_create", args=["provider"]),
        provider_data(
            **{"locations-0-postcode": "", "locations-0-name": "", "locations-0-address": ""}
        ),
    )
    assert response.status_code == 400
    formset = response.context["formset"]
    # One problem, one message: at the empty postcode, not repeated for the formset.
    assert formset.forms[0].errors == {"postcode": ["Enter a postcode, like SK1 3XE."]}
    assert not formset.non_form_errors()


def test_removing_every_place_is_refused(provider):
    page = live_listing("provider", "Edgeley Community Gym", "SK3 9HN", owner=provider)
    response = client_for(provider).post(
        reverse("directory:owner_edit", args=[page.pk]),
        edit_data(page, **{"locations-0-DELETE": "on"}),
    )
    assert response.status_code == 400
    assert "Give at least one postcode" in response.content.decode()
    assert page.get_latest_revision() == ListingPage.objects.get(pk=page.pk).latest_revision


# ------------------------------------------------------------------- PAs


def test_pa_form_asks_no_address_and_the_page_shows_only_the_sector(pa_user, moderator):
    client = client_for(pa_user)
    html = client.get(reverse("directory:owner_create", args=["pa"])).content.decode()
    assert 'name="locations-0-postcode"' in html
    assert 'name="locations-0-address"' not in html
    assert 'name="locations-0-is_home_base"' not in html

    page = create_as(pa_user, pa_data(**{"locations-0-address": "12 Hidden Street"}), kind="pa")
    location = page.locations.get()
    assert location.is_home_base
    assert location.address == ""
    assert location.postcode == "SK1 3XE"
    assert location.public_postcode == "SK1 3"

    approve(moderator, page)
    page.refresh_from_db()
    response = Client().get(page.url)
    assert response.status_code == 200
    assert "SK1 3XE" not in response.content.decode()


# ---------------------------------------------------------------- confirming


def test_confirm_button_updates_the_date_and_the_search_snapshot(provider, committed):
    with committed():
        page = live_listing(
            "club",
            "Bramhall Walking Group",
            "SK7 1AA",
            owner=provider,
            last_confirmed=date(2025, 1, 14),
        )
    assert search(ListingQuery(text="walking")).results[0].last_confirmed == "2025-01-14"

    response = client_for(provider).post(
        reverse("directory:owner_confirm", args=[page.pk]), follow=True
    )
    today = timezone.localdate()
    assert "now shows that its details were confirmed" in response.content.decode()
    page.refresh_from_db()
    assert page.last_confirmed == today
    assert ListingRecord.objects.get(listing_id=page.pk).last_confirmed == today
    assert search(ListingQuery(text="walking")).results[0].last_confirmed == today.isoformat()


def test_confirming_is_post_only(provider):
    page = live_listing("club", "Bramhall Walking Group", "SK7 1AA", owner=provider)
    assert (
        client_for(provider).get(reverse("directory:owner_confirm", args=[page.pk])).status_code
        == 405
    )


def test_confirming_during_a_pending_edit_is_not_undone_by_approval(provider, moderator):
    page = live_listing(
        "club",
        "Bramhall Walking Group",
        "SK7 1AA",
        owner=provider,
        last_confirmed=date(2025, 1, 14),
    )
    client = client_for(provider)
    client.post(
        reverse("directory:owner_edit", args=[page.pk]), edit_data(page, who_for="Adults 18+")
    )
    # Move the pending revision's date back, as if the edit were made long ago.
    revision = page.get_latest_revision()
    revision.content["last_confirmed"] = "2025-02-01"
    revision.save()
    client.post(reverse("directory:owner_confirm", args=[page.pk]))
    approve(moderator, page)
    page.refresh_from_db()
    assert page.who_for == "Adults 18+"
    assert page.last_confirmed == timezone.localdate()


def test_confirm_link_asks_on_get_and_confirms_on_post(provider):
    page = live_listing(
        "club", "Cheadle Chess Club", "SK8 1AA", owner=provider, last_confirmed=date(2025, 3, 2)
    )
    url = moderation.confirm_url(page)
    client = client_for(provider)

    response = client.get(url)
    assert response.status_code == 200
    assert "Confirm these details are still right" in response.content.decode()
    page.refresh_from_db()
    assert page.last_confirmed == date(2025, 3, 2)

    response = client.post(url)
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.last_confirmed == timezone.localdate()


def test_confirm_link_is_refused_to_anyone_but_the_owner(provider, other_provider):
    page = live_listing(
        "club", "Cheadle Chess Club", "SK8 1AA", owner=provider, last_confirmed=date(2025, 3, 2)
    )
    url = moderation.confirm_url(page)

    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    client = client_for(other_provider)
    assert client.get(url).status_code == 403
    response = client.post(url)
    assert response.status_code == 403
    assert "the account that owns the listing" in response.content.decode()
    page.refresh_from_db()
    assert page.last_confirmed == date(2025, 3, 2)


def test_tampered_or_expired_confirm_links_are_refused_kindly(provider, monkeypatch):
    page = live_listing(
        "club", "Cheadle Chess Club", "SK8 1AA", owner=provider, last_confirmed=date(2025, 3, 2)
    )
    client = client_for(provider)
    token = moderation.make_confirm_token(page)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.post(reverse("directory:confirm_by_link", args=[tampered]))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()

    # A token naming someone else's listing, signed without the key, fails the same way.
    forged = re.sub(r"^[^:]+", "eyJsaXN0aW5nIjoxLCJvd25lciI6MX0", token)
    assert client.get(reverse("directory:confirm_by_link", args=[forged])).status_code == 400

    import time

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 31 * 24 * 3600)
    old_token = moderation.make_confirm_token(page)
    monkeypatch.setattr(time, "time", real_time)
    response = client.post(reverse("directory:confirm_by_link", args=[old_token]))
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    page.refresh_from_db()
    assert page.last_confirmed == date(2025, 3, 2)


# -------------------------------------------------------------------- CSRF


def test_owner_forms_and_buttons_need_a_csrf_token(provider):
    page = live_listing("club", "Offerton Knit and Natter", "SK2 5AA", owner=provider)
    client = client_for(provider, enforce_csrf_checks=True)
    create_url = reverse("directory:owner_create", args=["provider"])

    assert client.post(create_url, provider_data()).status_code == 403
    assert client.post(reverse("directory:owner_confirm", args=[page.pk])).status_code == 403
    assert client.post(moderation.confirm_url(page)).status_code == 403
    assert not ListingPage.objects.filter(title="Stockport Aquafit Mornings").exists()

    client.get(create_url)
    token = client.cookies["csrftoken"].value
    response = client.post(create_url, {**provider_data(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert ListingPage.objects.filter(title="Stockport Aquafit Mornings").exists()


# ----------------------------------------------------------------- reminders


def test_reminder_command_emails_each_stale_listing_once(
    provider, other_provider, pa_user, moderator
):
    today = timezone.localdate()
    stale = live_listing(
        "club",
        "Romiley Rambling Group",
        "SK6 4AA",
        owner=provider,
        last_confirmed=today - timedelta(days=91),
    )
    never = live_listing("club", "Hazel Grove Bowls", "SK7 4AA", owner=other_provider)
    live_listing(
        "club",
        "Marple Singers",
        "SK6 6BA",
        owner=provider,
        last_confirmed=today - timedelta(days=30),
    )
    make_listing("club", "Ownerless Club", "SK1 3XE", last_confirmed=None)
    make_listing(  # a draft: nothing to confirm yet
        "pa",
        "Jo R.",
        "SK2 6AA",
        owner=pa_user,
        last_confirmed=today - timedelta(days=400),
        publish=False,
    )
    mail.outbox.clear()

    first, second = io.StringIO(), io.StringIO()
    call_command("send_confirm_reminders", "--base-url", "https://kith.example.org", stdout=first)
    call_command("send_confirm_reminders", "--base-url", "https://kith.example.org", stdout=second)
    assert "Sent 2 reminders" in first.getvalue()
    assert "Sent 0 reminders" in second.getvalue()

    assert sorted(m.to[0] for m in mail.outbox) == sorted([provider.email, other_provider.email])
    by_owner = {m.to[0]: m for m in mail.outbox}
    assert "Romiley Rambling Group" in by_owner[provider.email].subject
    assert "Hazel Grove Bowls" in by_owner[other_provider.email].body

    # The link in the email confirms the listing for its owner.
    link = re.search(
        r"https://kith\.example\.org(/directory/confirm/\S+/)", by_owner[provider.email].body
    )
    assert link
    client_for(provider).post(link.group(1))
    stale.refresh_from_db()
    assert stale.last_confirmed == today
    never.refresh_from_db()
    assert never.last_confirmed is None

    # Moderators see the reminder in the page's history.
    history = client_for(moderator).get(f"/admin/pages/{never.pk}/history/")
    assert history.status_code == 200
    assert "Reminder to confirm details" in history.content.decode()
