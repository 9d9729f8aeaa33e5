"""Freshness escalation: "may be out of date" at 120 days after a reminder, out of search at 180."""

import io
from datetime import date, timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client, TestCase
from django.utils import timezone

from directory import freshness, moderation
from directory.factories import make_listing
from directory.models import ListingPage
from directory.search import ListingQuery, database_backend
from directory.search.records import ListingRecord

pytestmark = pytest.mark.django_db

D = date(2026, 6, 1)


@pytest.mark.parametrize(
    "confirmed_days_ago, reminded, expected",
    [
        (None, True, freshness.FRESH),  # never confirmed: nothing to judge
        (200, False, freshness.FRESH),  # no reminder yet (e.g. no owner)
        (100, True, freshness.FRESH),
        (121, True, freshness.STALE),
        (181, True, freshness.HIDDEN),
    ],
)
def test_state(confirmed_days_ago, reminded, expected):
    confirmed = None if confirmed_days_ago is None else D - timedelta(days=confirmed_days_ago)
    reminded_at = (confirmed or D) + timedelta(days=91) if reminded else None
    assert freshness.state(confirmed, reminded_at, D) == expected


def test_a_reminder_before_the_last_confirmation_does_not_count():
    assert freshness.state(D - timedelta(days=150), D - timedelta(days=160), D) == freshness.FRESH


def test_the_owner_has_30_days_after_a_first_reminder():
    old = D - timedelta(days=400)
    assert freshness.state(old, D - timedelta(days=29), D) == freshness.FRESH
    assert freshness.state(old, D - timedelta(days=30), D) == freshness.HIDDEN


def _aged(title, owner, days, reminded=True):
    today = timezone.localdate()
    with TestCase.captureOnCommitCallbacks(execute=True):
        page = make_listing(
            "club",
            title,
            "SK1 3XE",
            summary="A knitting group in Stockport.",
            owner=owner,
            last_confirmed=today - timedelta(days=days),
        )
    if reminded:
        ListingPage.objects.filter(pk=page.pk).update(reminded_at=today - timedelta(days=days - 91))
    return page


def _moderator(user_factory):
    user = user_factory(email="mod@example.org", roles=["moderator"])
    user.groups.add(Group.objects.get(name="Moderators"))
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


def test_escalation_through_search_and_back(client, user_factory):
    owner = user_factory(email="owner@example.org", roles=["provider"])
    fresh = _aged("Reddish Knitters", owner, 10)
    stale = _aged("Heaton Knitters", owner, 130)
    gone = _aged("Offerton Knitters", owner, 200)
    unreminded = _aged("Cheadle Knitters", owner, 200, reminded=False)

    out = io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("send_confirm_reminders", "--base-url", "https://kith.example.org", stdout=out)
    assert "Sent 3 reminders" in out.getvalue()  # all but the fresh one are due
    assert "Re-indexed 2 listings" in out.getvalue()
    # Cheadle's first reminder was today: it has 30 days before anything happens.
    assert ListingPage.objects.get(pk=unreminded.pk).reminded_at == timezone.localdate()
    # Later reminders do not restart the others' clocks.
    assert ListingPage.objects.get(pk=stale.pk).reminded_at < timezone.localdate()
    assert ListingRecord.objects.get(listing_id=stale.pk).stale
    assert not ListingRecord.objects.get(listing_id=fresh.pk).stale
    assert not ListingRecord.objects.filter(listing_id=gone.pk).exists()

    backend = database_backend()
    by_text = backend.search(ListingQuery(text="knitting"))
    assert [r.name for r in by_text.results] == [
        "Reddish Knitters",
        "Cheadle Knitters",  # equal scores fall to the listing id
        "Heaton Knitters",  # the same words, but may be out of date: half the score
    ]
    assert by_text.results[-1].stale
    by_name = backend.search(ListingQuery())
    assert [r.name for r in by_name.results][-1] == "Heaton Knitters"

    page = client.get(stale.url).content.decode()
    assert "These details may be out of date." in page
    assert "may be out of date" not in client.get(fresh.url).content.decode()
    assert client.get(gone.url).status_code == 200  # the page stays; only search drops it

    results = client.get("/directory/", {"q": "knitting"}).content.decode()
    assert "May be out of date" in results and "Offerton Knitters" not in results

    moderator = Client()
    moderator.force_login(_moderator(user_factory))
    queue = moderator.get("/admin/directory/out-of-date/").content.decode()
    assert "Heaton Knitters" in queue and "Offerton Knitters" in queue
    assert "Reddish Knitters" not in queue and "Cheadle Knitters" not in queue
    assert "Left search" in queue

    with TestCase.captureOnCommitCallbacks(execute=True):
        moderation.confirm_listing(ListingPage.objects.get(pk=gone.pk))
    assert not ListingRecord.objects.get(listing_id=gone.pk).stale
    assert unreminded.pk in ListingRecord.objects.values_list("listing_id", flat=True)


def test_only_moderators_see_the_queue_and_downloads(client, user_factory):
    with TestCase.captureOnCommitCallbacks(execute=True):
        make_listing("pa", "Amina Hussain", "SK4 4NB", summary="PA in Heaton Moor.")
    provider = Client()
    provider.force_login(user_factory(roles=["provider"]))
    for url in ("/admin/directory/out-of-date/", "/admin/directory/export.csv"):
        assert client.get(url).status_code == 302  # to sign in
        assert provider.get(url).status_code in (302, 403)
    moderator = Client()
    moderator.force_login(_moderator(user_factory))
    csv = moderator.get("/admin/directory/export.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "Amina Hussain" in csv.content.decode() and "SK4 4NB" not in csv.content.decode()
    data = moderator.get("/admin/directory/export.json").json()
    assert data["total_items"] == 1
    assert moderator.get("/admin/directory/export.xml").status_code in (301, 404)
