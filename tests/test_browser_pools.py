"""Joining a pool in a real browser, through to it being funded at the deadline.

Maureen finds the Thursday art class pool, joins with an invoice to her
managed account, and sees the progress bar move. When the sixth member joins
and the deadline command runs, her pool page says it is funded and her share
is on her spend statement.
"""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.factories import DEFAULT_PASSWORD
from marketplace.models import Pledge, Pool
from marketplace.payments import ledger
from marketplace.pools import services as pools
from marketplace.tests.test_pools import PAYER, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/account/$"))


def test_a_member_joins_and_sees_the_pool_funded(browser_page, user_factory):
    page = browser_page
    world = make_world(user_factory)
    pool = world.pool(days=3)
    maureen, sixth = world.people[0], world.people[5]
    for person in world.people[1:5]:
        pools.pledge(
            pool, person, by=person, goal=world.goals[person.pk], method="invoice", payer_name=PAYER
        )

    sign_in(page, maureen.email)
    page.goto("/marketplace/pools/?postcode=SK1+3XE&radius=5")
    page.get_by_role("link", name=pool.title).click()
    assert "4 of 6 places filled" in page.locator("main").inner_text()
    page.get_by_role("link", name="Join this pool").click()
    page.get_by_label(str(world.goals[maureen.pk])).check()
    page.get_by_label("Invoice to your managed account").check()
    page.get_by_label("Who holds your money (for an invoice)").fill(PAYER)
    page.get_by_role("button", name="Join the pool").click()

    main = page.locator("main").inner_text()
    assert "You have joined" in main or "Your pledge" in main
    assert "5 of 6 places filled" in main
    assert page.get_by_role("button", name="Leave this pool").is_visible()

    # The sixth member joins, and the deadline passes.
    pools.pledge(
        pool, sixth, by=sixth, goal=world.goals[sixth.pk], method="invoice", payer_name=PAYER
    )
    Pool.objects.filter(pk=pool.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    call_command("process_pool_deadlines")

    page.reload()
    assert page.locator("#pool-status").inner_text() == "Funded"
    assert (
        "Paid" in page.locator("main").inner_text() or "paid" in page.locator("main").inner_text()
    )
    pledge = Pledge.objects.get(pool=pool, member=maureen)
    assert pledge.status == Pledge.Status.CAPTURED
    lines = list(ledger.statement_entries(pledge.goal.plan))
    assert [line.kind for line in lines] == ["pool_share"]
