"""The budget statement pages: numbers per plan line, the CSV export and printable receipts."""

import csv
import io

import pytest
from django.urls import reverse

from marketplace.models import Invoice, PaymentRoute
from marketplace.payments import invoices
from matching.models import PlanAccess

pytestmark = pytest.mark.django_db

MANAGED = PaymentRoute.MANAGED_ACCOUNT


@pytest.fixture
def spent(market, no_stripe):
    """One invoice delivered (£45 spent) and one accepted (£45 committed)."""
    delivered = market.delivered(MANAGED)
    market.accepted(MANAGED)
    return Invoice.objects.get(booking=delivered)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("person", 200),
        ("representative", 200),
        ("practitioner", 200),
        ("owner", 404),
        ("other_owner", 404),
    ],
)
def test_statement_pages_follow_plan_access(client, market, spent, who, status):
    client.force_login(market.actor(who))
    for name in ("statement", "statement_csv", "statement_print"):
        response = client.get(reverse(f"marketplace:{name}", args=[market.plan.pk]))
        assert response.status_code == status, name


def test_practitioner_views_are_logged(client, market, spent):
    client.force_login(market.practitioner)
    client.get(reverse("marketplace:statement", args=[market.plan.pk]))
    assert PlanAccess.objects.filter(plan=market.plan, viewer=market.practitioner).exists()


def test_anonymous_is_sent_to_sign_in(client, market):
    response = client.get(reverse("marketplace:statement", args=[market.plan.pk]))
    assert response.status_code == 302


def test_statement_numbers(client, market, spent):
    client.force_login(market.person)
    text = client.get(reverse("marketplace:statement", args=[market.plan.pk])).content.decode()
    # £60 a month agreed = £720; £45 committed, £45 spent, £630 left.
    row = text.split("I want to go swimming again to get fitter</th>")[1].split("</tr>")[0]
    cells = [cell.split(">")[-1] for cell in row.split("</td>")[:-1]]
    assert cells == ["£720.00", "£45.00", "£45.00", "£630.00"]
    assert spent.number in text
    assert "Grand Central Pools" in text


def test_csv_export(client, market, spent):
    client.force_login(market.representative)
    response = client.get(reverse("marketplace:statement_csv", args=[market.plan.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "date",
        "goal",
        "supplier",
        "description",
        "kind",
        "reference",
        "amount",
        "how_paid",
    ]
    assert rows[1][1:] == [
        "I want to go swimming again to get fitter",
        "Grand Central Pools",
        "Six one-to-one swimming lessons from Grand Central Pools",
        "invoice",
        spent.number,
        "45.00",
        "Invoiced to Stockport Direct Payments Support Service, not paid yet",
    ]
    assert len(rows) == 2


def test_csv_cancelled_invoice_is_a_negative_line(client, market, spent):
    invoices.void_invoice(spent, by=market.owner)
    client.force_login(market.person)
    response = client.get(reverse("marketplace:statement_csv", args=[market.plan.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[4:7] for row in rows[1:]] == [
        ["invoice", spent.number, "45.00"],
        ["invoice_void", spent.number, "-45.00"],
    ]


def test_csv_text_cannot_become_a_formula():
    from marketplace.payments.views import csv_safe

    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_safe("Grand Central Pools") == "Grand Central Pools"


def test_printable_statement_lists_every_receipt(client, market, spent):
    second = market.delivered(MANAGED)
    second_invoice = Invoice.objects.get(booking=second)
    client.force_login(market.person)
    text = client.get(
        reverse("marketplace:statement_print", args=[market.plan.pk])
    ).content.decode()
    assert f"Receipt 1: {spent.number}" in text
    assert f"Receipt 2: {second_invoice.number}" in text
    assert "Print or save as PDF" in text and "marketplace/money.css" in text
