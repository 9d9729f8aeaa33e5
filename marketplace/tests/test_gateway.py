"""The Stripe gateway on its own: what people are told, how calls are recorded, and how a
lost reply is looked up before anything is sent again. No Stripe server is needed: the
requests here are small functions standing in for Stripe."""

from decimal import Decimal

import pytest
import stripe

from marketplace.models import StripeCall
from marketplace.payments import gateway
from marketplace.payments.gateway import OutcomeUnknown, PaymentError

pytestmark = pytest.mark.django_db

State = StripeCall.State


@pytest.fixture(autouse=True)
def _keys(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_gateway"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"


class Obj:
    def __init__(self, id, **fields):
        self.id = id
        for name, value in fields.items():
            setattr(self, name, value)


def card_error(message="Your card has insufficient funds."):
    return stripe.CardError(message, param="", code="card_declined")


# --- What people are told -----------------------------------------------------------------


def test_a_declined_card_says_why_and_what_to_do():
    assert gateway.plain_message(card_error()) == (
        "The card payment did not go through: Your card has insufficient funds. Try another card."
    )


def test_a_declined_card_without_a_reason_still_reads_plainly():
    error = card_error("")
    error._user_message = None
    assert gateway.plain_message(error) == (
        "The card payment did not go through: The card was declined. Try another card."
    )


def test_no_reply_says_nothing_will_be_taken_twice():
    message = gateway.plain_message(stripe.APIConnectionError("timed out"))
    assert message == gateway.UNKNOWN_MESSAGE
    assert "Nothing will be taken twice" in message
    assert gateway.plain_message(stripe.APIError("500")) == gateway.UNKNOWN_MESSAGE


def test_being_rate_limited_asks_to_try_again_later():
    assert gateway.plain_message(stripe.RateLimitError("slow down")) == (
        "We could not reach the card payment service. Please try again in a few minutes."
    )


def test_any_other_refusal_is_plain_and_logged(caplog):
    caplog.set_level("WARNING", logger="marketplace.payments.gateway")
    message = gateway.plain_message(stripe.InvalidRequestError("No such customer", "customer"))
    assert message == (
        "The card payment service could not do that. "
        "Please try again, or contact us if it keeps happening."
    )
    assert "No such customer" in caplog.text


def test_without_a_secret_key_card_payment_is_unavailable(settings):
    settings.STRIPE_SECRET_KEY = ""
    assert not gateway.card_payments_enabled()
    with pytest.raises(PaymentError) as caught:
        gateway.stripe_client()
    assert str(caught.value) == gateway.CARD_UNAVAILABLE


def test_the_client_never_retries_on_its_own(settings):
    client = gateway.stripe_client()
    assert client._requestor._options.max_network_retries == 0  # noqa: SLF001


def test_pence_conversion_is_exact():
    assert gateway.to_pence(Decimal("66.67")) == 6667
    assert gateway.from_pence(6667) == Decimal("66.67")
    assert str(gateway.from_pence(5)) == "0.05"
    with pytest.raises(ValueError, match="not a whole number of pence"):
        gateway.to_pence(Decimal("0.001"))


def test_metadata_names_the_operation():
    assert gateway.metadata("booking-1-card-1-capture", booking=1, payment=2) == {
        "kith_key": "booking-1-card-1-capture",
        "booking": "1",
        "payment": "2",
    }


def test_field_reads_objects_and_plain_dicts_alike():
    assert gateway.field({"status": "succeeded"}, "status") == "succeeded"
    assert gateway.field({"status": "succeeded"}, "amount", 7) == 7
    assert gateway.field(Obj("pi_1", status="canceled"), "status") == "canceled"
    assert gateway.field(Obj("pi_1"), "missing", "x") == "x"
    assert gateway.field(None, "status", "none") == "none"


# --- Recording calls ------------------------------------------------------------------------


def test_a_call_is_recorded_before_it_is_sent_and_marked_done_after():
    seen = []

    def request(client, key):
        seen.append(StripeCall.objects.get(key=key).state)
        return Obj("pi_123")

    result = gateway.send("op-1", "payment_intent.capture", request)
    assert result.id == "pi_123"
    assert seen == [State.SENT]
    call = StripeCall.objects.get(key="op-1")
    assert (call.state, call.result_id, call.attempts, call.operation) == (
        State.DONE,
        "pi_123",
        1,
        "payment_intent.capture",
    )


def test_a_refusal_is_recorded_and_raised_as_a_plain_message():
    def request(client, key):
        raise card_error()

    with pytest.raises(PaymentError) as caught:
        gateway.send("op-2", "payment_intent.charge", request)
    assert not isinstance(caught.value, OutcomeUnknown)
    assert isinstance(caught.value.__cause__, stripe.CardError)
    call = StripeCall.objects.get(key="op-2")
    assert call.state == State.FAILED
    assert "insufficient funds" in call.error


def test_a_lost_reply_is_looked_up_at_once_and_found():
    def request(client, key):
        raise stripe.APIConnectionError("reply lost")

    found = gateway.send(
        "op-3", "payment_intent.capture", request, resolve=lambda client: Obj("pi_found")
    )
    assert found.id == "pi_found"
    call = StripeCall.objects.get(key="op-3")
    assert (call.state, call.result_id, call.error) == (State.DONE, "pi_found", "")


def test_a_lost_reply_not_found_yet_is_unknown_and_the_next_try_looks_before_sending():
    sent = []

    def lost(client, key):
        sent.append(key)
        raise stripe.APIConnectionError("reply lost")

    with pytest.raises(OutcomeUnknown):
        gateway.send("op-4", "payment_intent.charge", lost, resolve=lambda client: None)
    call = StripeCall.objects.get(key="op-4")
    assert (call.state, call.attempts) == (State.UNKNOWN, 1)
    assert list(gateway.unknown_calls()) == [call]

    def must_not_send(client, key):
        raise AssertionError("sent again without looking first")

    found = gateway.send(
        "op-4", "payment_intent.charge", must_not_send, resolve=lambda client: Obj("pi_there")
    )
    assert found.id == "pi_there"
    assert sent == ["op-4"]
    assert StripeCall.objects.get(key="op-4").state == State.DONE
    assert list(gateway.unknown_calls()) == []


def test_a_lookup_that_fails_is_not_an_answer():
    def lost(client, key):
        raise stripe.APIConnectionError("reply lost")

    def lookup_fails(client):
        raise stripe.APIConnectionError("still down")

    with pytest.raises(OutcomeUnknown):
        gateway.send("op-5", "refund.create", lost, resolve=lookup_fails)
    assert StripeCall.objects.get(key="op-5").state == State.UNKNOWN


def test_after_a_refusal_the_same_key_is_sent_again_without_a_lookup():
    calls = []

    def refuse(client, key):
        calls.append("sent")
        raise stripe.InvalidRequestError("try again", None)

    def lookup(client):
        calls.append("looked")
        return None

    for _ in range(2):
        with pytest.raises(PaymentError):
            gateway.send("op-6", "payment_intent.cancel", refuse, resolve=lookup)
    assert calls == ["sent", "sent"]
    assert StripeCall.objects.get(key="op-6").attempts == 2


def test_a_done_call_asked_again_is_answered_from_stripe_not_redone():
    gateway.send("op-7", "refund.create", lambda client, key: Obj("re_1"))

    def must_not_send(client, key):
        raise AssertionError("refunded twice")

    again = gateway.send("op-7", "refund.create", must_not_send, resolve=lambda client: Obj("re_1"))
    assert again.id == "re_1"


# --- Finding what Stripe has by its key ------------------------------------------------------


class Pages:
    def __init__(self, items):
        self.items = items

    def auto_paging_iter(self):
        return iter(self.items)


class FakeList:
    def __init__(self, items, refuse_filters=False):
        self.items, self.refuse_filters, self.asked = items, refuse_filters, []

    def list(self, params):
        self.asked.append(params)
        if self.refuse_filters and ("customer" in params):
            raise stripe.InvalidRequestError("Unexpected customer", "customer")
        return Pages(self.items)


class FakeClient:
    def __init__(self, intents=(), refunds=(), refuse_filters=False):
        class V1:
            pass

        self.v1 = V1()
        self.v1.payment_intents = FakeList(list(intents), refuse_filters)
        self.v1.refunds = FakeList(list(refunds))


def test_a_payment_intent_is_found_by_its_key_among_the_customers():
    mine = {"id": "pi_mine", "metadata": {"kith_key": "k-1"}}
    other = {"id": "pi_other", "metadata": {"kith_key": "k-2"}}
    client = FakeClient(intents=[other, mine])
    assert gateway.find_payment_intent(client, "k-1", "cus_1")["id"] == "pi_mine"
    assert client.v1.payment_intents.asked == [{"customer": "cus_1", "limit": 100}]
    assert gateway.find_payment_intent(client, "k-3", "cus_1") is None


def test_a_server_that_cannot_filter_is_asked_for_everything():
    mine = {"id": "pi_mine", "metadata": {"kith_key": "k-1"}}
    client = FakeClient(intents=[mine], refuse_filters=True)
    assert gateway.find_payment_intent(client, "k-1", "cus_1")["id"] == "pi_mine"
    assert client.v1.payment_intents.asked[-1] == {"limit": 100}


def test_a_refund_is_found_by_its_key_on_its_payment_intent():
    refunds = [
        {"id": "re_a", "metadata": {"kith_key": "k-a"}},
        {"id": "re_b", "metadata": {}},
        {"id": "re_c"},
    ]
    client = FakeClient(refunds=refunds)
    assert gateway.find_refund(client, "k-a", "pi_1")["id"] == "re_a"
    assert client.v1.refunds.asked == [{"payment_intent": "pi_1", "limit": 100}]
    assert gateway.find_refund(client, "k-z", "pi_1") is None


# --- Steps keep their record of a lost call ---------------------------------------------------


def test_a_step_that_fails_commits_its_record_of_the_call_before_raising():
    @gateway.atomic_keeping_calls
    def step():
        StripeCall.objects.create(key="kept", operation="refund.create", state=State.UNKNOWN)
        raise OutcomeUnknown("no reply")

    with pytest.raises(OutcomeUnknown):
        step()
    assert StripeCall.objects.filter(key="kept").exists()


def test_a_step_refused_for_another_reason_rolls_back():
    @gateway.atomic_keeping_calls
    def step():
        StripeCall.objects.create(key="gone", operation="refund.create")
        raise ValueError("not a payment problem")

    with pytest.raises(ValueError):
        step()
    assert not StripeCall.objects.filter(key="gone").exists()


def test_a_step_that_succeeds_returns_its_value():
    assert gateway.atomic_keeping_calls(lambda: 42)() == 42
