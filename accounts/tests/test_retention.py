"""The retention schedule: each rule acts at the right age, once, and the privacy page shows it."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts import data_rights, retention
from accounts.models import Representation
from directory.models import SearchLog
from marketplace.models import (
    Booking,
    Enquiry,
    Invoice,
    JobAdvert,
    LedgerEntry,
    Message,
    Payment,
    Pledge,
)
from matching.models import Goal, PlanAccess, Referral, StageEntry, SupportPlan

NOW = datetime(2032, 6, 15, 9, 0, tzinfo=UTC)
ZEROS = {rule.key: 0 for rule in retention.SCHEDULE}


def ago(years=0, **kwargs):
    """``years`` calendar years and then ``kwargs`` (e.g. days=1) more before NOW."""
    return retention.years_before(NOW, years) - timedelta(**kwargs)


def test_years_before_copes_with_the_29th_of_february():
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    assert retention.years_before(leap, 1) == datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
    assert retention.years_before(NOW, 6) == datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def test_nothing_recent_is_touched(world):
    assert retention.apply_retention(timezone.now()) == ZEROS


def test_conversations_go_two_years_after_their_last_message(world):
    Message.objects.filter(enquiry=world.enquiry).update(sent_at=ago(years=2, days=1))
    joan_enquiry = Enquiry.objects.get(person=world.joan)
    Message.objects.filter(enquiry=joan_enquiry).update(sent_at=ago(years=2, days=-1))
    counts = retention.apply_retention(NOW)
    assert counts["messages"] == 1
    assert not Enquiry.objects.filter(pk=world.enquiry.pk).exists()
    assert Enquiry.objects.filter(pk=joan_enquiry.pk).exists()
    # The booking made from the conversation stays.
    assert Booking.objects.filter(pk=world.booking.pk).exists()


def test_one_recent_message_keeps_the_whole_conversation(world):
    first, second = Message.objects.filter(enquiry=world.enquiry)
    Message.objects.filter(pk=first.pk).update(sent_at=ago(years=5))
    Message.objects.filter(pk=second.pk).update(sent_at=ago(days=30))
    retention.apply_retention(NOW)
    assert Message.objects.filter(enquiry=world.enquiry).count() == 2


def test_finished_referrals_go_after_two_years_open_ones_stay(world):
    Referral.objects.filter(pk=world.referral.pk).update(
        status=Referral.Status.CLOSED, updated_at=ago(years=2, days=1)
    )
    open_referral = Referral.objects.create(
        person=world.joan,
        organisation=world.ulo,
        offer=Referral.Offer.PEER_BROKERAGE,
        consent_given_at=ago(years=3),
    )
    Referral.objects.filter(pk=open_referral.pk).update(updated_at=ago(years=3))
    assert retention.apply_retention(NOW)["referrals"] == 1
    assert list(Referral.objects.values_list("pk", flat=True)) == [open_referral.pk]


def _age_plan(plan, when):
    SupportPlan.objects.filter(pk=plan.pk).update(updated_at=when)
    StageEntry.objects.filter(plan=plan).update(entered_at=when)
    Goal.objects.filter(plan=plan).update(created_at=when)
    type(plan.person).objects.filter(pk=plan.person_id).update(last_login=when, date_joined=when)


def test_plans_go_six_years_after_the_last_change_and_sign_in(world):
    _age_plan(world.joan_plan, ago(years=6, days=2))
    _age_plan(world.plan, ago(years=6, days=2))
    # Sam signed in last month, so his plan stays even though it has not changed.
    type(world.sam).objects.filter(pk=world.sam.pk).update(last_login=ago(days=30))
    counts = retention.apply_retention(NOW)
    assert counts["plans"] == 1
    assert not SupportPlan.objects.filter(pk=world.joan_plan.pk).exists()
    assert SupportPlan.objects.filter(pk=world.plan.pk).exists()


def test_a_stale_plan_with_a_pledged_goal_is_emptied_not_deleted(world):
    _age_plan(world.plan, ago(years=7))
    total = LedgerEntry.objects.aggregate(total=Sum("amount"))["total"]
    assert retention.apply_retention(NOW)["plans"] == 1
    goal = Goal.objects.get(pk=world.goal.pk)
    assert goal.text == "[deleted]"
    assert Pledge.objects.filter(goal=goal).exists()
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == total
    # Running again finds nothing left to do.
    assert retention.apply_retention(NOW)["plans"] == 0


def test_access_log_lines_go_after_six_years(world):
    PlanAccess.objects.create(
        person=world.plan.person, plan=world.plan, viewer=world.priya, action="old look"
    )
    PlanAccess.objects.filter(action="old look").update(at=ago(years=6, days=2))
    assert retention.apply_retention(NOW)["access_log"] == 1
    assert list(PlanAccess.objects.values_list("action", flat=True)) == ["viewed plan"]


def test_unanswered_invitations_after_a_year_and_ended_representations_after_six(world):
    unanswered = Representation.objects.create(
        budget_holder=world.joan, invited_email="neighbour@example.org"
    )
    Representation.objects.filter(pk=unanswered.pk).update(invited_at=ago(years=1, days=2))
    ended = Representation.objects.get(budget_holder=world.sam)
    Representation.objects.filter(pk=ended.pk).update(
        status=Representation.Status.REVOKED, ended_at=ago(years=5)
    )
    counts = retention.apply_retention(NOW)
    assert counts["invitations"] == 1 and counts["representations"] == 0
    assert Representation.objects.filter(pk=ended.pk).exists()
    Representation.objects.filter(pk=ended.pk).update(ended_at=ago(years=6, days=2))
    assert retention.apply_retention(NOW)["representations"] == 1
    assert not Representation.objects.exists()


def test_closed_job_adverts_go_after_a_year(world):
    def advert(title, status):
        return JobAdvert.objects.create(
            person=world.sam,
            title=title,
            hours_per_week=Decimal("10"),
            postcode="SK1 3XE",
            public_area="SK1",
            lat=53.4,
            lng=-2.15,
            hourly_rate=Decimal("13.50"),
            what_matters="Someone patient who likes football.",
            status=status,
        )

    advert("Closed PA job", JobAdvert.Status.CLOSED)
    advert("Open PA job", JobAdvert.Status.OPEN)
    JobAdvert.objects.update(created_at=ago(years=1, days=2))
    assert retention.apply_retention(NOW)["job_adverts"] == 1
    assert list(JobAdvert.objects.values_list("title", flat=True)) == ["Open PA job"]


def test_search_records_go_after_two_years(world):
    for days in (1, -1):
        log = SearchLog.objects.create(query_text="swimming", result_count=3, backend="db")
        SearchLog.objects.filter(pk=log.pk).update(created_at=ago(years=2, days=days))
    assert retention.apply_retention(NOW)["search_logs"] == 1
    assert SearchLog.objects.count() == 1


def test_a_deleted_accounts_money_records_lose_their_details_after_six_years(world):
    data_rights.erase_account(world.sam, notify=False)
    total = LedgerEntry.objects.aggregate(total=Sum("amount"))["total"]
    # Five years on, the law still asks for the records as they were.
    Booking.objects.filter(person=world.sam).update(created_at=ago(years=5))
    Invoice.objects.filter(person=world.sam).update(issued_at=ago(years=5))
    Pledge.objects.filter(member=world.sam).update(created_at=ago(years=5))
    assert retention.apply_retention(NOW)["financial"] == 0
    assert Invoice.objects.get(person=world.sam).payer_name.startswith("Stockport")

    Booking.objects.filter(person=world.sam).update(created_at=ago(years=6, days=2))
    Invoice.objects.filter(person=world.sam).update(issued_at=ago(years=6, days=2))
    Pledge.objects.filter(member=world.sam).update(created_at=ago(years=6, days=2))
    Payment.objects.filter(person=world.sam).update(created_at=ago(years=6, days=2))
    # Joan's account is open: her records keep their details whatever their age.
    Booking.objects.filter(person=world.joan).update(created_at=ago(years=8))

    assert retention.apply_retention(NOW)["financial"] == 3
    booking = Booking.objects.get(person=world.sam)
    assert booking.note == "" and booking.amount == Decimal("270.00")
    invoice = Invoice.objects.get(person=world.sam)
    assert invoice.payer_name == "[deleted]" and invoice.payer_email == ""
    assert invoice.amount == Decimal("270.00")
    pool_card = Payment.objects.get(pledge__member=world.sam)
    assert (pool_card.stripe_customer, pool_card.stripe_payment_method) == ("", "")
    assert Booking.objects.get(person=world.joan).note.startswith("Please meet me")
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == total


def test_everything_at_once_then_again_changes_nothing_the_second_time(world):
    data_rights.erase_account(world.sam, notify=False)
    long_ago = ago(years=10)
    Message.objects.update(sent_at=long_ago)
    Enquiry.objects.update(created_at=long_ago)
    Referral.objects.update(status=Referral.Status.DECLINED, updated_at=long_ago)
    _age_plan(world.joan_plan, long_ago)
    PlanAccess.objects.update(at=long_ago)
    Booking.objects.update(created_at=long_ago)
    Invoice.objects.update(issued_at=long_ago)
    Pledge.objects.update(created_at=long_ago)
    SearchLog.objects.create(query_text="gardening", result_count=0, backend="db")
    SearchLog.objects.update(created_at=long_ago)

    first = retention.apply_retention(NOW)
    assert first["messages"] == 2
    assert first["plans"] >= 1
    assert first["search_logs"] == 1
    assert first["financial"] >= 2
    assert retention.apply_retention(NOW) == ZEROS


def test_the_command_prints_counts_per_record_type(world):
    out = StringIO()
    call_command("apply_retention", stdout=out)
    text = out.getvalue()
    for rule in retention.SCHEDULE:
        assert f"{rule.record}: 0" in text
    assert "Total records deleted or anonymised: 0" in text


def test_every_rule_is_applied_and_explained():
    assert set(retention.APPLY) == {rule.key for rule in retention.SCHEDULE}
    for rule in retention.SCHEDULE:
        assert rule.record and rule.kept_for and rule.then and rule.reason
        assert str(rule.years) in rule.kept_for


def test_the_privacy_page_renders_the_schedule(client, db):
    response = client.get("/privacy/")
    assert reverse("privacy") == "/privacy/"
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Privacy notice</h1>" in page
    for rule in retention.SCHEDULE:
        assert f'id="keep-{rule.key}"' in page
        assert rule.kept_for in page
    assert "Article 9(2)(a)" in page
    assert "ico.org.uk" in page
    assert reverse("accounts:my_data") in page
    assert reverse("accounts:delete_account") in page


def test_the_privacy_page_names_who_runs_the_site(client, db, settings):
    settings.KITH_OPERATOR_NAME = "Stockport Independent Living CIC"
    settings.KITH_PRIVACY_EMAIL = "privacy@example.org"
    page = client.get(reverse("privacy")).content.decode()
    assert "run by Stockport Independent Living CIC" in page
    assert 'href="mailto:privacy@example.org"' in page
