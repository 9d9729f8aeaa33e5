"""The transition tables: every state machine's steps, written once, safe to ask twice."""

import pytest

from marketplace.bookings.services import BOOKING_TRANSITIONS
from marketplace.models import Booking, Invoice, Payment, Pledge, Pool
from marketplace.payments.cards import PAYMENT_TRANSITIONS
from marketplace.payments.invoices import INVOICE_TRANSITIONS
from marketplace.pools.records import PLEDGE_TRANSITIONS, POOL_TRANSITIONS
from marketplace.states import TransitionRefused, Transitions

TABLES = [
    (BOOKING_TRANSITIONS, Booking.Status),
    (PAYMENT_TRANSITIONS, Payment.Status),
    (POOL_TRANSITIONS, Pool.Status),
    (PLEDGE_TRANSITIONS, Pledge.Status),
    (INVOICE_TRANSITIONS, Invoice.Status),
]


@pytest.mark.parametrize(("table", "statuses"), TABLES, ids=lambda t: getattr(t, "name", ""))
def test_every_status_has_a_row_and_nothing_else(table, statuses):
    assert set(table.table) == set(statuses.values)


@pytest.mark.parametrize(("table", "statuses"), TABLES, ids=lambda t: getattr(t, "name", ""))
def test_asking_to_stay_is_a_no_op_and_a_step_not_in_the_table_is_refused(table, statuses):
    for source in statuses.values:
        assert table.step(source, source) is False
        for target in statuses.values:
            if target == source:
                continue
            if table.allows(source, target):
                assert table.step(source, target) is True
            else:
                with pytest.raises(TransitionRefused):
                    table.step(source, target)


def test_the_paths_people_rely_on():
    B, P, L, G, INV = Booking.Status, Payment.Status, Pool.Status, Pledge.Status, Invoice.Status
    path = [B.REQUESTED, B.ACCEPTED, B.DELIVERED, B.PAID]
    assert all(BOOKING_TRANSITIONS.allows(a, b) for a, b in zip(path, path[1:], strict=False))
    # A delivered booking nothing was paid for can be written off; a paid one cannot.
    assert BOOKING_TRANSITIONS.allows(B.DELIVERED, B.CANCELLED)
    assert not BOOKING_TRANSITIONS.allows(B.PAID, B.CANCELLED)
    assert BOOKING_TRANSITIONS.final(B.PAID) and BOOKING_TRANSITIONS.final(B.DECLINED)
    # Money only moves forwards; a late "authorised" never undoes a capture.
    assert not PAYMENT_TRANSITIONS.allows(P.CAPTURED, P.AUTHORISED)
    assert PAYMENT_TRANSITIONS.allows(P.FAILED, P.CAPTURED)
    assert not PAYMENT_TRANSITIONS.allows(P.CANCELLED, P.CAPTURED)
    assert PAYMENT_TRANSITIONS.final(P.REFUNDED) and not PAYMENT_TRANSITIONS.final(P.CAPTURED)
    # A funded pool whose member's card finally fails may fail after all.
    assert POOL_TRANSITIONS.allows(L.FUNDED, L.FAILED)
    assert not POOL_TRANSITIONS.allows(L.FAILED, L.FUNDED)
    assert PLEDGE_TRANSITIONS.allows(G.CAPTURED, G.REFUNDED)
    assert not PLEDGE_TRANSITIONS.allows(G.LEFT, G.HELD)
    assert not INVOICE_TRANSITIONS.allows(INV.PAID, INV.VOID)


def test_a_table_must_have_a_row_for_every_status_it_names():
    with pytest.raises(ValueError, match="no row for"):
        Transitions("broken", {"a": {"b"}})
    with pytest.raises(TransitionRefused, match="A lamp cannot go from off to broken"):
        Transitions("lamp", {"off": {"on"}, "on": {"off"}, "broken": set()}).step("off", "broken")
