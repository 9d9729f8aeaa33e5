"""Referrals to user-led organisations: consent, who may refer, the ULO's inbox and answers,
and who can follow a referral.

Listings are published inside ``django_capture_on_commit_callbacks(execute=True)``
so their search records exist without the cost of transactional tests.
"""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from accounts.models import Representation
from directory.factories import make_listing
from matching import referrals
from matching.models import Goal, PlanAccess, Referral, ReferralEvent
from matching.plans import create_plan

pytestmark = pytest.mark.django_db

Status = Referral.Status


@pytest.fixture
def kith(user_factory, django_capture_on_commit_callbacks):
    """Sam in Stockport, his daughter, his social worker, two ULOs and a provider."""
    holder = user_factory(display_name="Sam Patel", roles=["budget_holder"])
    representative = user_factory(display_name="Aisha Patel", roles=["representative"])
    Representation.objects.create(
        budget_holder=holder,
        representative=representative,
        invited_email=representative.email,
        relationship="daughter",
        status=Representation.Status.ACCEPTED,
    )
    practitioner = user_factory(display_name="Priya Shah", roles=["practitioner"])
    other_practitioner = user_factory(display_name="Tom Hughes", roles=["practitioner"])
    provider = user_factory(display_name="Dave Lomas", roles=["provider"])
    ulo_staff = user_factory(display_name="Jo Birch", roles=["ulo_staff"])
    other_ulo_staff = user_factory(display_name="Kev Walsh", roles=["ulo_staff"])

    plan = create_plan(holder, postcode="SK1 3XE")
    plan.practitioner = practitioner
    plan.save()
    Goal.objects.create(plan=plan, text="I want to go swimming again to get fitter")

    with django_capture_on_commit_callbacks(execute=True):
        ulo = make_listing(
            "ulo",
            "Stockport Peer Brokers",
            "SK1 3TA",
            owner=ulo_staff,
            offers_peer_brokerage=True,
            offers_peer_support=True,
            accepts_referrals=True,
        )
        other_ulo = make_listing(
            "ulo",
            "Tameside Peer Voices",
            "OL6 7SR",
            owner=other_ulo_staff,
            offers_peer_support=True,
            accepts_referrals=True,
        )
        closed_ulo = make_listing(
            "ulo",
            "Oldham Carers Together",
            "OL1 1NL",
            owner=other_ulo_staff,
            offers_peer_support=True,
            accepts_referrals=False,
        )
    return SimpleNamespace(
        holder=holder,
        representative=representative,
        practitioner=practitioner,
        other_practitioner=other_practitioner,
        provider=provider,
        ulo_staff=ulo_staff,
        other_ulo_staff=other_ulo_staff,
        anonymous=None,
        plan=plan,
        ulo=ulo,
        other_ulo=other_ulo,
        closed_ulo=closed_ulo,
    )


def refer(kith, *, by=None, offer="peer_brokerage", organisation=None, message=""):
    referral, _ = referrals.create_referral(
        organisation=organisation or kith.ulo,
        person=kith.holder,
        plan=kith.plan,
        offer=offer,
        by_user=by or kith.practitioner,
        consent=True,
        message=message or "Sam would like help from someone who has done this themselves.",
    )
    return referral


def at_status(kith, status):
    """A referral standing at ``status``, as if earlier answers had been given."""
    referral = refer(kith)
    Referral.objects.filter(pk=referral.pk).update(status=status)
    referral.refresh_from_db()
    return referral


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


def assert_status(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == expected, response.content[:500]


# --- The state machine -------------------------------------------------------

FULL = "Our waiting list is full until May."
MOVES = {
    "accept": lambda r, by: referrals.accept_referral(r, by),
    "decline": lambda r, by: referrals.decline_referral(r, by, FULL),
    "contacted": lambda r, by: referrals.mark_contacted(r, by),
    "close": lambda r, by: referrals.close_referral(r, by),
}
TARGET = {
    "accept": Status.ACCEPTED,
    "decline": Status.DECLINED,
    "contacted": Status.CONTACTED,
    "close": Status.CLOSED,
}
LEGAL = {
    ("sent", "accept"),
    ("sent", "decline"),
    ("accepted", "decline"),
    ("accepted", "contacted"),
    ("accepted", "close"),
    ("contacted", "close"),
    ("declined", "close"),
}
ALL_MOVES = [(status, move) for status in Status.values for move in MOVES]


@pytest.mark.parametrize("status, move", ALL_MOVES)
def test_every_transition_is_allowed_or_refused_as_the_rules_say(kith, status, move):
    referral = at_status(kith, status)
    events_before = referral.events.count()
    if (status, move) in LEGAL:
        moved = MOVES[move](referral, kith.ulo_staff)
        assert moved.status == TARGET[move]
        event = referral.events.last()
        assert (event.status, event.by) == (TARGET[move], kith.ulo_staff)
        assert referral.events.count() == events_before + 1
    elif TARGET[move] == status:
        # Asking for the state it is already in is a harmless no-op.
        assert MOVES[move](referral, kith.ulo_staff).status == status
        assert referral.events.count() == events_before
    else:
        with pytest.raises(referrals.ReferralError):
            MOVES[move](referral, kith.ulo_staff)
        referral.refresh_from_db()
        assert referral.status == status
        assert referral.events.count() == events_before


@pytest.mark.parametrize("move", list(MOVES))
def test_repeating_a_transition_records_it_once(kith, move):
    start = {"accept": "sent", "decline": "sent", "contacted": "accepted", "close": "accepted"}
    referral = at_status(kith, start[move])
    MOVES[move](referral, kith.ulo_staff)
    MOVES[move](referral, kith.ulo_staff)
    assert referral.events.filter(status=TARGET[move]).count() == 1


def test_a_whole_referral_records_who_did_what(kith):
    referral = refer(kith)
    referrals.accept_referral(referral, kith.ulo_staff)
    referrals.mark_contacted(referral, kith.ulo_staff, "Phoned Sam, meeting on Thursday.")
    referrals.close_referral(referral, kith.ulo_staff)
    history = [(e.status, e.by) for e in referral.events.all()]
    assert history == [
        ("sent", kith.practitioner),
        ("accepted", kith.ulo_staff),
        ("contacted", kith.ulo_staff),
        ("closed", kith.ulo_staff),
    ]


@pytest.mark.parametrize("reason", ["", "   "])
def test_declining_without_a_reason_is_refused(kith, reason):
    referral = refer(kith)
    with pytest.raises(referrals.ReferralError):
        referrals.decline_referral(referral, kith.ulo_staff, reason)
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_declining_keeps_the_reason(kith):
    referral = refer(kith)
    referrals.decline_referral(referral, kith.ulo_staff, "We only work in Tameside.")
    referral.refresh_from_db()
    assert referral.decline_reason == "We only work in Tameside."
    assert referral.events.last().note == "We only work in Tameside."


@pytest.mark.parametrize("who", ["other_ulo_staff", "practitioner", "holder", "provider"])
def test_only_the_organisations_staff_can_answer(kith, who):
    referral = refer(kith)
    with pytest.raises(referrals.ReferralError):
        referrals.accept_referral(referral, getattr(kith, who))
    referral.refresh_from_db()
    assert referral.status == Status.SENT


# --- Making a referral -------------------------------------------------------


def test_consent_is_required(kith):
    with pytest.raises(referrals.ReferralError):
        referrals.create_referral(
            organisation=kith.ulo,
            person=kith.holder,
            plan=kith.plan,
            offer="peer_brokerage",
            by_user=kith.practitioner,
            consent=False,
        )
    assert not Referral.objects.exists()


def test_consent_is_recorded_naming_who_recorded_it(kith):
    referral = refer(kith)
    assert referral.consent_given_at is not None
    assert "Priya Shah (named practitioner)" in referral.consent_note
    assert "Sam Patel has agreed to be referred" in referral.consent_note
    assert "Stockport Peer Brokers" in referral.consent_note
    assert referral.events.get().status == Status.SENT


def test_a_referral_by_the_practitioner_is_on_the_access_log(kith):
    refer(kith)
    assert PlanAccess.objects.filter(
        plan=kith.plan, viewer=kith.practitioner, action="made a referral"
    ).exists()


def test_referring_to_an_organisation_that_takes_no_referrals_is_refused(kith):
    with pytest.raises(referrals.ReferralError, match="does not take referrals"):
        refer(kith, organisation=kith.closed_ulo, offer="peer_support")


def test_only_what_the_organisation_offers_can_be_asked_for(kith):
    with pytest.raises(referrals.ReferralError):
        refer(kith, organisation=kith.other_ulo, offer="peer_brokerage")
    assert refer(kith, organisation=kith.other_ulo, offer="peer_support").status == Status.SENT


@pytest.mark.parametrize("who", ["other_practitioner", "provider", "ulo_staff"])
def test_people_with_no_connection_cannot_refer(kith, who):
    with pytest.raises(referrals.ReferralError):
        refer(kith, by=getattr(kith, who))


@pytest.mark.parametrize("who", ["holder", "representative", "practitioner"])
def test_the_person_representative_or_named_practitioner_can_refer(kith, who):
    assert refer(kith, by=getattr(kith, who)).referred_by == getattr(kith, who)


def test_a_resubmitted_referral_is_not_sent_twice(kith):
    first = refer(kith)
    assert refer(kith) == first
    assert Referral.objects.count() == 1
    referrals.decline_referral(first, kith.ulo_staff, "Our waiting list is full until May.")
    assert refer(kith) != first


def test_referral_form_names_the_person_and_the_organisation_in_the_consent_box(client, kith):
    client.force_login(kith.practitioner)
    response = client.get(reverse("matching:referral_new", args=[kith.ulo.pk]))
    body = response.content.decode()
    assert (
        "Sam Patel has agreed to be referred and for their name and plan goals to be shared "
        "with Stockport Peer Brokers" in body
    )
    assert "Peer brokerage" in body and "Peer support" in body
    assert "I want to go swimming again to get fitter" in body


def test_referral_form_offers_only_what_the_organisation_offers(client, kith):
    client.force_login(kith.practitioner)
    response = client.get(reverse("matching:referral_new", args=[kith.other_ulo.pk]))
    assert b"Peer support" in response.content
    assert b'value="peer_brokerage"' not in response.content


def test_referral_form_without_consent_is_refused(client, kith):
    client.force_login(kith.practitioner)
    response = client.post(
        reverse("matching:referral_new", args=[kith.ulo.pk]) + f"?for=plan-{kith.plan.pk}",
        {"offer": "peer_brokerage", "message": "Sam would like a peer broker."},
    )
    assert response.status_code == 400
    assert b"You can only refer someone who has agreed" in response.content
    assert not Referral.objects.exists()


def test_referral_form_with_consent_sends_the_referral(client, kith):
    client.force_login(kith.practitioner)
    response = client.post(
        reverse("matching:referral_new", args=[kith.ulo.pk]) + f"?for=plan-{kith.plan.pk}",
        {"offer": "peer_brokerage", "message": "Sam would like a peer broker.", "consent": "on"},
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:referral_detail", args=[referral.pk])
    assert (referral.person, referral.plan, referral.status) == (kith.holder, kith.plan, "sent")


def test_referral_form_for_an_organisation_that_takes_no_referrals_is_refused(client, kith):
    client.force_login(kith.practitioner)
    response = client.get(reverse("matching:referral_new", args=[kith.closed_ulo.pk]))
    assert response.status_code == 403
    assert b"does not take referrals" in response.content


def test_referral_form_for_a_listing_that_is_not_a_ulo_is_404(
    client, kith, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pool = make_listing("provider", "Grand Central Pools", "SK1 3TA")
    client.force_login(kith.practitioner)
    assert client.get(reverse("matching:referral_new", args=[pool.pk])).status_code == 404


def test_a_representative_for_several_people_chooses_whom_to_refer(client, kith, user_factory):
    other = user_factory(display_name="Gwen Roberts", roles=["budget_holder"])
    Representation.objects.create(
        budget_holder=other,
        representative=kith.representative,
        invited_email=kith.representative.email,
        status=Representation.Status.ACCEPTED,
    )
    client.force_login(kith.representative)
    response = client.get(reverse("matching:referral_new", args=[kith.ulo.pk]))
    body = response.content.decode()
    assert "Who are you referring" in body
    assert "Sam Patel" in body and "Gwen Roberts (no support plan yet)" in body
    response = client.post(
        reverse("matching:referral_new", args=[kith.ulo.pk]) + f"?for=person-{other.pk}",
        {"offer": "peer_support", "consent": "on"},
    )
    referral = Referral.objects.get()
    assert (referral.person, referral.plan) == (other, None)
    assert "Aisha Patel (representative)" in referral.consent_note


def test_a_referral_for_someone_the_user_cannot_refer_is_refused(client, kith, user_factory):
    stranger = user_factory(display_name="Gwen Roberts", roles=["budget_holder"])
    client.force_login(kith.representative)
    response = client.post(
        reverse("matching:referral_new", args=[kith.ulo.pk]) + f"?for=person-{stranger.pk}",
        {"offer": "peer_support", "consent": "on"},
    )
    assert response.status_code == 400
    assert not Referral.objects.exists()


# --- Access matrix -------------------------------------------------------------


@pytest.mark.parametrize(
    "who, expected",
    [
        ("holder", 200),
        ("representative", 200),
        ("practitioner", 200),
        ("other_practitioner", 403),
        ("provider", 403),
        ("ulo_staff", 403),
        ("other_ulo_staff", 403),
        ("anonymous", "login"),
    ],
)
def test_new_referral_page_access(client, kith, who, expected):
    response = as_user(client, getattr(kith, who)).get(
        reverse("matching:referral_new", args=[kith.ulo.pk])
    )
    assert_status(response, expected)


@pytest.mark.parametrize(
    "who, expected",
    [
        ("holder", 403),
        ("representative", 403),
        ("practitioner", 403),
        ("other_practitioner", 403),
        ("provider", 403),
        ("ulo_staff", 200),
        ("other_ulo_staff", 200),
        ("anonymous", "login"),
    ],
)
def test_inbox_access(client, kith, who, expected):
    refer(kith)
    response = as_user(client, getattr(kith, who)).get(reverse("matching:referral_inbox"))
    assert_status(response, expected)
    if expected == 200:
        assert (b"Sam Patel" in response.content) == (who == "ulo_staff")


@pytest.mark.parametrize(
    "who, expected",
    [
        ("holder", 200),
        ("representative", 200),
        ("practitioner", 200),
        ("other_practitioner", 404),
        ("provider", 404),
        ("ulo_staff", 200),
        ("other_ulo_staff", 404),
        ("anonymous", "login"),
    ],
)
def test_referral_status_page_access(client, kith, who, expected):
    referral = refer(kith)
    response = as_user(client, getattr(kith, who)).get(
        reverse("matching:referral_detail", args=[referral.pk])
    )
    assert_status(response, expected)


@pytest.mark.parametrize(
    "who, expected",
    [
        ("holder", 403),
        ("representative", 403),
        ("practitioner", 403),
        ("other_practitioner", 404),
        ("provider", 404),
        ("ulo_staff", 302),
        ("other_ulo_staff", 404),
        ("anonymous", "login"),
    ],
)
@pytest.mark.parametrize("action", ["accept", "decline", "contacted", "close"])
def test_referral_answers_access(client, kith, who, expected, action):
    start = {"accept": "sent", "decline": "sent", "contacted": "accepted", "close": "accepted"}
    referral = at_status(kith, start[action])
    response = as_user(client, getattr(kith, who)).post(
        reverse("matching:referral_action", args=[referral.pk, action]),
        {"reason": "Our waiting list is full until May."},
    )
    assert_status(response, expected)
    referral.refresh_from_db()
    moved = referral.status != start[action]
    assert moved == (expected == 302 and who == "ulo_staff")


@pytest.mark.parametrize(
    "who, expected",
    [
        ("holder", 200),
        ("representative", 200),
        ("practitioner", 200),
        ("other_practitioner", 200),
        ("provider", 200),
        ("ulo_staff", 200),
        ("other_ulo_staff", 200),
        ("anonymous", "login"),
    ],
)
def test_referral_list_access(client, kith, who, expected):
    refer(kith)
    response = as_user(client, getattr(kith, who)).get(reverse("matching:referral_list"))
    assert_status(response, expected)
    if expected == 200:
        sees = who in ("holder", "representative", "practitioner")
        assert (b"Stockport Peer Brokers" in response.content) == sees


# --- The inbox and the status page -------------------------------------------


def test_inbox_shows_only_this_organisations_referrals_with_their_own_goals(
    client, kith, user_factory
):
    refer(kith, message="Sam prefers phone calls after 10am.")
    gwen = user_factory(display_name="Gwen Roberts", roles=["budget_holder"])
    gwen_plan = create_plan(gwen, postcode="OL6 7SR")
    Goal.objects.create(plan=gwen_plan, text="Learn to cook for myself")
    referrals.create_referral(
        organisation=kith.other_ulo,
        person=gwen,
        plan=gwen_plan,
        offer="peer_support",
        by_user=gwen,
        consent=True,
    )
    client.force_login(kith.ulo_staff)
    body = client.get(reverse("matching:referral_inbox")).content.decode()
    assert "Sam Patel" in body
    assert "Peer brokerage" in body or "peer brokerage" in body
    assert "Sam prefers phone calls after 10am." in body
    assert "I want to go swimming again to get fitter" in body
    assert "Gwen Roberts" not in body
    assert "Learn to cook for myself" not in body


def test_answering_from_the_inbox_returns_to_the_inbox(client, kith):
    referral = refer(kith)
    client.force_login(kith.ulo_staff)
    inbox = reverse("matching:referral_inbox")
    response = client.post(
        reverse("matching:referral_action", args=[referral.pk, "accept"]), {"next": inbox}
    )
    assert response["Location"] == inbox
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


def test_declining_from_the_page_without_a_reason_says_so(client, kith):
    referral = refer(kith)
    client.force_login(kith.ulo_staff)
    response = client.post(
        reverse("matching:referral_action", args=[referral.pk, "decline"]), {"reason": ""}
    )
    assert response.status_code == 400
    assert b"Give a reason for declining" in response.content
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_an_illegal_answer_from_the_page_says_why(client, kith):
    referral = refer(kith)
    client.force_login(kith.ulo_staff)
    response = client.post(reverse("matching:referral_action", args=[referral.pk, "contacted"]))
    assert response.status_code == 400
    assert b"cannot be marked contacted" in response.content


def test_the_person_sees_the_status_and_the_reason_for_declining(client, kith):
    referral = refer(kith)
    referrals.decline_referral(referral, kith.ulo_staff, "We only work in Tameside.")
    client.force_login(kith.holder)
    body = client.get(reverse("matching:referral_detail", args=[referral.pk])).content.decode()
    assert "declined" in body
    assert "We only work in Tameside." in body
    assert "Jo Birch" in body  # who declined, in the history
    assert "Answer this referral" not in body


def test_staff_see_the_answers_they_can_give_now(client, kith):
    referral = refer(kith)
    client.force_login(kith.ulo_staff)
    body = client.get(reverse("matching:referral_detail", args=[referral.pk])).content.decode()
    assert reverse("matching:referral_action", args=[referral.pk, "accept"]) in body
    assert reverse("matching:referral_action", args=[referral.pk, "decline"]) in body
    assert reverse("matching:referral_action", args=[referral.pk, "close"]) not in body


def test_events_are_visible_to_the_referrer_in_order(client, kith):
    referral = refer(kith)
    referrals.accept_referral(referral, kith.ulo_staff)
    client.force_login(kith.practitioner)
    body = client.get(reverse("matching:referral_detail", args=[referral.pk])).content.decode()
    assert body.index("Sent") < body.index("Accepted")
    assert ReferralEvent.objects.filter(referral=referral).count() == 2


# --- When access ends, and what the organisation sees (issue 14, item 2) -------


def test_a_former_practitioner_cannot_read_the_referral(client, kith):
    referral = refer(kith)
    kith.plan.practitioner = kith.other_practitioner
    kith.plan.save()
    Goal.objects.create(plan=kith.plan, text="Find a PA who speaks Gujarati")
    client.force_login(kith.practitioner)
    assert client.get(reverse("matching:referral_detail", args=[referral.pk])).status_code == 404
    listing = client.get(reverse("matching:referral_list")).content.decode()
    assert "Stockport Peer Brokers" not in listing


def test_a_former_representative_cannot_read_the_referral(client, kith):
    referral = refer(kith, by=kith.representative)
    representation = Representation.objects.get(representative=kith.representative)
    from accounts.representation import end_representation

    end_representation(representation, kith.holder)
    Goal.objects.create(plan=kith.plan, text="Find a PA who speaks Gujarati")
    client.force_login(kith.representative)
    assert client.get(reverse("matching:referral_detail", args=[referral.pk])).status_code == 404
    listing = client.get(reverse("matching:referral_list")).content.decode()
    assert "Stockport Peer Brokers" not in listing


def test_a_practitioner_viewing_a_referral_is_on_the_access_log(client, kith):
    referral = refer(kith)
    client.force_login(kith.practitioner)
    client.get(reverse("matching:referral_detail", args=[referral.pk]))
    assert PlanAccess.objects.filter(
        plan=kith.plan, viewer=kith.practitioner, action="viewed a referral"
    ).exists()


def test_the_person_viewing_their_referral_is_not_logged(client, kith):
    referral = refer(kith)
    client.force_login(kith.holder)
    client.get(reverse("matching:referral_detail", args=[referral.pk]))
    assert not PlanAccess.objects.filter(viewer=kith.holder).exists()


@pytest.mark.parametrize("declined", [False, True])
def test_the_organisation_sees_only_the_goals_shared_when_referred(client, kith, declined):
    referral = refer(kith)
    assert referral.shared_goals == ["I want to go swimming again to get fitter"]
    Goal.objects.create(plan=kith.plan, text="Find a PA who speaks Gujarati")
    Goal.objects.filter(text__startswith="I want to go swimming").update(text="Changed later")
    if declined:
        referrals.decline_referral(referral, kith.ulo_staff, "Our waiting list is full.")
    client.force_login(kith.ulo_staff)
    for url in [
        reverse("matching:referral_detail", args=[referral.pk]),
        reverse("matching:referral_inbox"),
    ]:
        body = client.get(url).content.decode()
        assert "I want to go swimming again to get fitter" in body, url
        assert "Find a PA who speaks Gujarati" not in body, url
        assert "Changed later" not in body, url


def test_the_migration_backfills_goals_that_existed_when_referred(kith):
    from datetime import timedelta
    from importlib import import_module

    from django.apps import apps

    referral = refer(kith)
    later = Goal.objects.create(plan=kith.plan, text="Find a PA who speaks Gujarati")
    Goal.objects.filter(pk=later.pk).update(created_at=referral.created_at + timedelta(days=3))
    Referral.objects.filter(pk=referral.pk).update(shared_goals=[])
    migration = import_module("matching.migrations.0004_referral_shared_goals")
    migration.backfill_shared_goals(apps, None)
    referral.refresh_from_db()
    assert referral.shared_goals == ["I want to go swimming again to get fitter"]
