"""Enquiries: who may start one, who sees a conversation, emails, unread counts and reports."""

from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Representation
from directory.factories import make_listing
from marketplace.enquiries import services as enquiries
from marketplace.models import Enquiry, Message, MessageReport

pytestmark = pytest.mark.django_db

# What Sam writes first: the health detail comes after the first 200 characters.
FIRST_MESSAGE = (
    "Hello, I would like to come to the quiet swimming sessions on Saturday mornings. "
    "I use a wheelchair and would need the hoist to get into the pool, and somewhere "
    "to change that has room for my PA to help me. "
    "I also have epilepsy, which is controlled, but the lifeguard should know."
)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def kith(user_factory):
    """Sam in Stockport, his daughter Aisha, a pool and its owner, and others who must not see."""
    sam = user_factory(display_name="Sam Patel", email="sam@example.org", roles=["budget_holder"])
    aisha = user_factory(
        display_name="Aisha Patel", email="aisha@example.org", roles=["representative"]
    )
    Representation.objects.create(
        budget_holder=sam,
        representative=aisha,
        invited_email=aisha.email,
        relationship="daughter",
        status=Representation.Status.ACCEPTED,
    )
    dave = user_factory(display_name="Dave Lomas", email="dave@example.org", roles=["provider"])
    kev = user_factory(display_name="Kev Walsh", email="kev@example.org", roles=["provider"])
    priya = user_factory(display_name="Priya Shah", roles=["practitioner"])
    pool = make_listing(
        "provider",
        "Grand Central Pools",
        "SK1 3TA",
        price="4.50",
        price_unit="session",
        owner=dave,
    )
    gym = make_listing("provider", "Edgeley Fitness", "SK3 9HQ", owner=kev)
    return SimpleNamespace(
        sam=sam, aisha=aisha, dave=dave, kev=kev, priya=priya, pool=pool, gym=gym
    )


@pytest.fixture
def conversation(kith):
    """Sam has written to the pool; the pool's owner has been emailed."""
    enquiry = enquiries.start_enquiry(
        kith.pool, kith.sam, kith.sam, "Saturday swimming", FIRST_MESSAGE
    )
    mail.outbox.clear()
    return enquiry


@pytest.fixture
def moderator(user_factory):
    user = user_factory(display_name="Mo Ahmed", email="mod@example.org", roles=["moderator"])
    user.groups.add(Group.objects.get(name="Moderators"))
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


# --- Starting an enquiry ---------------------------------------------------------


def test_budget_holder_sends_an_enquiry_and_the_owner_is_emailed_a_link(kith):
    client = client_for(kith.sam)
    url = reverse("marketplace:enquiry_new", args=[kith.pool.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Send a message to Grand Central Pools" in page.content.decode()
    assert 'name="for_whom"' not in page.content.decode()  # only Sam himself to choose

    response = client.post(url, {"subject": "Saturday swimming", "body": FIRST_MESSAGE})

    enquiry = Enquiry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:enquiry_detail", args=[enquiry.pk])
    assert (enquiry.person, enquiry.started_by, enquiry.listing_id) == (
        kith.sam,
        kith.sam,
        kith.pool.pk,
    )
    assert enquiry.messages.get().body == FIRST_MESSAGE
    [email] = mail.outbox
    assert email.to == ["dave@example.org"]
    assert "Grand Central Pools" in email.subject
    assert f"/marketplace/enquiries/{enquiry.pk}/" in email.body
    assert "Sam Patel" in email.body
    assert FIRST_MESSAGE[:150] in email.body
    # Health details beyond the first 200 characters stay on the site.
    assert "epilepsy" not in email.body
    assert "Saturday swimming" not in email.subject


def test_representative_who_also_holds_a_budget_chooses_whom_the_enquiry_is_for(kith):
    kith.aisha.add_role("budget_holder")
    client = client_for(kith.aisha)
    url = reverse("marketplace:enquiry_new", args=[kith.pool.pk])
    page = client.get(url).content.decode()
    assert "Who is this enquiry for?" in page
    assert "Aisha Patel (you)" in page and "Sam Patel" in page

    client.post(
        url,
        {
            "for_whom": str(kith.sam.pk),
            "subject": "Swimming for my dad",
            "body": "Is there a hoist?",
        },
    )

    enquiry = Enquiry.objects.get()
    assert enquiry.person == kith.sam
    assert enquiry.started_by == kith.aisha
    assert "Aisha Patel, for Sam Patel" in mail.outbox[0].body


def test_representative_enquires_for_the_person_they_act_for(kith):
    client_for(kith.aisha).post(
        reverse("marketplace:enquiry_new", args=[kith.pool.pk]),
        {"subject": "Swimming for my dad", "body": "Is there a hoist?"},
    )
    assert Enquiry.objects.get().person == kith.sam


@pytest.mark.parametrize(
    "who, why",
    [
        ("priya", "people with a personal budget"),
        ("kev", "people with a personal budget"),
    ],
)
def test_people_without_a_budget_to_spend_cannot_enquire(kith, who, why):
    response = client_for(getattr(kith, who)).post(
        reverse("marketplace:enquiry_new", args=[kith.pool.pk]),
        {"subject": "Hello", "body": "Hello"},
    )
    assert response.status_code == 403
    assert why in response.content.decode()
    assert not Enquiry.objects.exists()


def test_an_owner_cannot_enquire_about_their_own_listing(kith):
    kith.dave.add_role("budget_holder")
    response = client_for(kith.dave).get(reverse("marketplace:enquiry_new", args=[kith.pool.pk]))
    assert response.status_code == 403
    assert "your own listing" in response.content.decode()
    with pytest.raises(enquiries.EnquiryError):
        enquiries.start_enquiry(kith.pool, kith.dave, kith.dave, "Hi", "Hi")


def test_a_listing_nobody_on_kith_reads_cannot_be_messaged(kith):
    orphan = make_listing("club", "Reddish Vale Walking Group", "SK5 7HA")
    response = client_for(kith.sam).get(reverse("marketplace:enquiry_new", args=[orphan.pk]))
    assert response.status_code == 403
    assert "contact details" in response.content.decode()


def test_someone_cannot_enquire_for_a_person_they_do_not_act_for(kith, user_factory):
    stranger = user_factory(roles=["budget_holder"])
    with pytest.raises(enquiries.EnquiryError, match="someone you act for"):
        enquiries.start_enquiry(kith.pool, kith.sam, stranger, "Hi", "Hi")


def test_enquiry_pages_ask_anonymous_visitors_to_sign_in(kith, conversation, client):
    message = conversation.messages.get()
    for url in [
        reverse("marketplace:inbox"),
        reverse("marketplace:enquiry_new", args=[kith.pool.pk]),
        reverse("marketplace:enquiry_detail", args=[conversation.pk]),
        reverse("marketplace:message_report", args=[conversation.pk, message.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_or_unpublished_listing_is_not_found(kith):
    draft = make_listing("club", "Stockport Chess Club", "SK1 1AA", owner=kith.kev, publish=False)
    client = client_for(kith.sam)
    assert client.get(reverse("marketplace:enquiry_new", args=[draft.pk])).status_code == 404
    assert client.get(reverse("marketplace:enquiry_new", args=[999999])).status_code == 404


# --- The conversation ------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [("sam", 200), ("aisha", 200), ("dave", 200), ("kev", 404), ("priya", 404)],
)
def test_only_the_parties_see_a_conversation(kith, conversation, who, status):
    client = client_for(getattr(kith, who))
    message = conversation.messages.get()
    assert (
        client.get(reverse("marketplace:enquiry_detail", args=[conversation.pk])).status_code
        == status
    )
    report_url = reverse("marketplace:message_report", args=[conversation.pk, message.pk])
    response = client.post(report_url, {"reason": "Spam"})
    if status == 404:
        assert response.status_code == 404
        assert not MessageReport.objects.exists()
    reply = client.post(
        reverse("marketplace:enquiry_detail", args=[conversation.pk]), {"body": "Hello"}
    )
    assert reply.status_code == (302 if status == 200 else 404)


def test_a_stranger_cannot_reply_through_the_rules_either(kith, conversation):
    with pytest.raises(enquiries.EnquiryError):
        enquiries.send_message(conversation, kith.kev, "Let me in")
    assert conversation.messages.count() == 1


def test_messages_are_escaped_and_keep_their_line_breaks(kith, conversation):
    enquiries.send_message(
        conversation, kith.dave, "<script>alert('hi')</script>\nWe have a hoist & a changing place."
    )
    page = (
        client_for(kith.sam)
        .get(reverse("marketplace:enquiry_detail", args=[conversation.pk]))
        .content.decode()
    )
    assert "<script>alert" not in page
    escaped = "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt;"
    assert f"{escaped}<br>We have a hoist &amp; a changing place." in page
    assert "Report this message" in page


def test_a_reply_from_the_owner_is_emailed_to_the_person_and_the_representative_who_took_part(
    kith,
):
    enquiry = enquiries.start_enquiry(
        kith.pool, kith.sam, kith.aisha, "Swimming for my dad", "Is there a hoist?"
    )
    assert [m.to for m in mail.outbox] == [["dave@example.org"]]
    mail.outbox.clear()

    response = client_for(kith.dave).post(
        reverse("marketplace:enquiry_detail", args=[enquiry.pk]),
        {"body": "Yes, we have a ceiling hoist.\nCome on Saturday at 9."},
    )

    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["aisha@example.org", "sam@example.org"]
    for email in mail.outbox:
        assert "Dave Lomas (Grand Central Pools)" in email.body
        assert f"/marketplace/enquiries/{enquiry.pk}/" in email.body
        assert email.body.startswith("Hello,")


def test_a_reply_from_the_person_is_emailed_to_the_owner_only(kith, conversation):
    enquiries.send_message(conversation, kith.sam, "Thank you, see you then.")
    assert [m.to for m in mail.outbox] == [["dave@example.org"]]


def test_the_inbox_lists_each_partys_conversations_with_unread_counts(kith, conversation):
    enquiries.start_enquiry(kith.gym, kith.sam, kith.aisha, "Gym induction", "Is there a lift?")

    dave_inbox = client_for(kith.dave).get(reverse("marketplace:inbox")).content.decode()
    assert "Saturday swimming" in dave_inbox and "1 unread" in dave_inbox
    assert "Gym induction" not in dave_inbox
    [row] = enquiries.inbox_for(kith.dave)
    assert (row.unread, row.as_owner) == (1, True)

    # Sam's own message is not unread for him; the gym's owner has not replied.
    assert {row.enquiry.subject: row.unread for row in enquiries.inbox_for(kith.sam)} == {
        "Saturday swimming": 0,
        "Gym induction": 0,
    }
    aisha_rows = enquiries.inbox_for(kith.aisha)
    assert {row.enquiry.subject for row in aisha_rows} == {"Saturday swimming", "Gym induction"}
    assert all("(for Sam Patel)" in row.with_whom for row in aisha_rows)
    assert enquiries.inbox_for(kith.kev)[0].enquiry.subject == "Gym induction"
    assert enquiries.inbox_for(kith.priya) == []

    enquiries.send_message(conversation, kith.dave, "Yes, come along.")
    assert enquiries.unread_count(kith.sam) == 1
    assert enquiries.unread_count(kith.aisha) == 1


def test_viewing_marks_the_other_sides_messages_read_but_not_ones_own(kith, conversation):
    sams = conversation.messages.get()
    client_for(kith.sam).get(reverse("marketplace:enquiry_detail", args=[conversation.pk]))
    sams.refresh_from_db()
    assert sams.read_at is None  # Sam reading his own message does not mean Dave has

    client_for(kith.dave).get(reverse("marketplace:enquiry_detail", args=[conversation.pk]))
    sams.refresh_from_db()
    assert sams.read_at is not None
    assert enquiries.unread_count(kith.dave) == 0

    enquiries.send_message(conversation, kith.dave, "See you Saturday.")
    client_for(kith.aisha).get(reverse("marketplace:enquiry_detail", args=[conversation.pk]))
    assert not Message.objects.filter(read_at__isnull=True).exists()


def test_a_representative_reading_the_conversation_goes_in_the_persons_access_log(
    kith, conversation
):
    """Issue 14: every look at someone else's messages is in their plans' access logs."""
    from matching.models import PlanAccess
    from matching.plans import create_plan

    plan = create_plan(kith.sam, postcode="SK1 3XE")
    detail = reverse("marketplace:enquiry_detail", args=[conversation.pk])
    client_for(kith.sam).get(detail)
    client_for(kith.dave).get(detail)
    client_for(kith.priya).get(detail)  # not a party: 404, and nothing was read
    assert not PlanAccess.objects.exists()

    assert client_for(kith.aisha).get(detail).status_code == 200
    sams = conversation.messages.get()
    enquiries.send_message(conversation, kith.dave, "Yes, come along.")
    reply = conversation.messages.exclude(pk=sams.pk).get()
    report = reverse("marketplace:message_report", args=[conversation.pk, reply.pk])
    assert client_for(kith.aisha).get(report).status_code == 200
    lines = list(plan.access_log.values_list("viewer__display_name", "action"))
    assert lines == [
        ("Aisha Patel", "read a message from Grand Central Pools"),
        ("Aisha Patel", "read messages with Grand Central Pools"),
    ]
    page = client_for(kith.sam).get(reverse("matching:plan_detail", args=[plan.pk]))
    assert "Read messages with Grand Central Pools" in page.content.decode()


def test_a_representative_reading_messages_of_someone_with_no_plan_is_logged_for_them(
    kith, conversation
):
    """Sam has no plan yet: Aisha's reading is on his "Your data" page, in his archive,
    and goes when he deletes his account."""
    from accounts import data_rights
    from matching.models import PlanAccess

    detail = reverse("marketplace:enquiry_detail", args=[conversation.pk])
    assert client_for(kith.aisha).get(detail).status_code == 200
    [line] = PlanAccess.objects.all()
    assert (line.person, line.plan, line.viewer, line.action) == (
        kith.sam,
        None,
        kith.aisha,
        "read messages with Grand Central Pools",
    )
    page = client_for(kith.sam).get(reverse("accounts:my_data")).content.decode()
    assert "Who has looked at your things" in page
    assert "Aisha Patel" in page and "Read messages with Grand Central Pools" in page
    aishas_page = client_for(kith.aisha).get(reverse("accounts:my_data")).content.decode()
    assert "Grand Central Pools" not in aishas_page  # Sam's log is his, not hers
    data = data_rights.personal_data(kith.sam)
    assert [(d["who"], d["what"]) for d in data["who_looked_at_your_messages"]] == [
        ("Aisha Patel", "read messages with Grand Central Pools")
    ]
    client_for(kith.sam).get(detail)  # his own reading is not logged
    assert PlanAccess.objects.count() == 1
    data_rights.erase_account(kith.sam, notify=False)
    assert not PlanAccess.objects.exists()


def test_an_empty_reply_is_refused_with_a_message(kith, conversation):
    response = client_for(kith.sam).post(
        reverse("marketplace:enquiry_detail", args=[conversation.pk]), {"body": "  "}
    )
    assert response.status_code == 400
    assert "Enter a message." in response.content.decode()
    assert conversation.messages.count() == 1


# --- Reports -----------------------------------------------------------------------


def test_a_reported_message_reaches_the_moderators_queue(kith, conversation, moderator):
    rude = enquiries.send_message(conversation, kith.dave, "Send me your bank details first.")
    mail.outbox.clear()
    client = client_for(kith.sam)
    url = reverse("marketplace:message_report", args=[conversation.pk, rude.pk])
    assert "Report a message" in client.get(url).content.decode()

    response = client.post(url, {"reason": "He is asking for my bank details <b>now</b>."})

    assert response.status_code == 302
    report = MessageReport.objects.get()
    assert (report.message, report.reported_by, report.resolved_at) == (rude, kith.sam, None)
    [alert] = mail.outbox
    assert alert.to == ["mod@example.org"]
    assert "/admin/marketplace/reports/" in alert.body
    assert "bank details" not in alert.body  # the email carries a link, not the words

    admin = client_for(moderator)
    queue = admin.get(reverse("marketplace_moderation:reports"))
    assert queue.status_code == 200
    html = queue.content.decode()
    assert "Send me your bank details first." in html
    assert "He is asking for my bank details &lt;b&gt;now&lt;/b&gt;." in html
    assert "Message reports (1)" in html  # the admin menu shows how many wait

    resolved = admin.post(reverse("marketplace_moderation:resolve_report", args=[report.pk]))
    assert resolved.status_code == 302
    report.refresh_from_db()
    assert report.resolved_by == moderator and report.resolved_at is not None
    assert not enquiries.open_reports().exists()


def test_reporting_the_same_message_again_updates_the_reason(kith, conversation):
    message = enquiries.send_message(conversation, kith.dave, "Pay cash only.")
    enquiries.report_message(message, kith.sam, "Cash only")
    enquiries.report_message(message, kith.aisha, "Seems like a scam")
    enquiries.report_message(message, kith.sam, "Cash only, and pushy")
    assert sorted(MessageReport.objects.values_list("reason", flat=True)) == [
        "Cash only, and pushy",
        "Seems like a scam",
    ]


def test_nobody_reports_their_own_message(kith, conversation):
    own = conversation.messages.get()
    url = reverse("marketplace:message_report", args=[conversation.pk, own.pk])
    assert client_for(kith.sam).post(url, {"reason": "Oops"}).status_code == 403
    with pytest.raises(enquiries.EnquiryError):
        enquiries.report_message(own, kith.sam, "Oops")
    assert not MessageReport.objects.exists()


def test_only_moderators_open_the_report_queue(kith, conversation, user_factory):
    report = enquiries.report_message(
        enquiries.send_message(conversation, kith.dave, "Rude words"), kith.sam, "Rude"
    )
    editor = user_factory(roles=["provider"])
    editor.groups.add(Group.objects.get(name="Editors"))
    Authenticator.objects.create(
        user=editor, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    client = client_for(editor)
    # Wagtail turns a refusal into a return to the admin's dashboard with a message.
    refused = client.get(reverse("marketplace_moderation:reports"))
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    client.post(reverse("marketplace_moderation:resolve_report", args=[report.pk]))
    # People without admin access are sent to sign in, as for the rest of the admin.
    assert client_for(kith.sam).get(reverse("marketplace_moderation:reports")).status_code == 302
    with pytest.raises(enquiries.EnquiryError):
        enquiries.resolve_report(report, kith.dave)
    report.refresh_from_db()
    assert report.resolved_at is None


def test_the_marketplace_home_links_to_the_inbox_with_the_unread_count(kith, conversation):
    page = client_for(kith.dave).get(reverse("marketplace:home")).content.decode()
    assert reverse("marketplace:inbox") in page
    assert "1 unread message" in page
    assert "Your bookings will appear here" in page
    anonymous = Client().get(reverse("marketplace:home")).content.decode()
    assert "Sign in" in anonymous and reverse("marketplace:inbox") not in anonymous
