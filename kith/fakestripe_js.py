"""Card entry in the browser against Kith's fake Stripe, as Stripe.js does it against Stripe.

localstripe serves its own stand-in for Stripe.js at ``/js.stripe.com/v3/``:
plain card fields instead of Stripe's, but its ``createPaymentMethod`` does
nothing, and it cannot create a PaymentMethod with the publishable key (real
Stripe can: that is how Stripe.js turns typed card details into the ``pm_``
id Kith's card forms send). ``add_to(app)`` fills both gaps, so the card
forms' JavaScript path (marketplace/static/marketplace/card.js) works in
``make run`` and in browser tests: a card typed in the fake fields, such as
4242 4242 4242 4242, becomes a PaymentMethod the fake then charges.
"""

from __future__ import annotations

from pathlib import Path

# Added after localstripe's script, whose LOCALSTRIPE_BASE_API and Stripe it uses.
CREATE_PAYMENT_METHOD_JS = r"""
// Kith: createPaymentMethod, which localstripe leaves empty. The card typed in
// the fake card fields becomes a PaymentMethod, created with the publishable
// key as Stripe.js does; the result has Stripe.js's shape.
(function () {
  const makeStripe = Stripe;
  Stripe = function (apiKey) {
    const stripe = makeStripe(apiKey);
    stripe.createPaymentMethod = async function (params) {
      const element = params && params.card;
      const card = (element && element.value && element.value.card) || {};
      // localstripe's fields give the year as "20" + what was typed.
      const year = String(card.exp_year || "");
      const body = new URLSearchParams({
        "type": "card",
        "card[number]": String(card.number || "").replace(/\s+/g, ""),
        "card[exp_month]": String(card.exp_month || ""),
        "card[exp_year]": year.length > 4 ? year.slice(2) : year,
        "card[cvc]": String(card.cvc || ""),
        "key": apiKey,
      });
      try {
        const response = await fetch(LOCALSTRIPE_BASE_API + "/v1/payment_methods", {
          method: "POST",
          headers: {"Content-Type": "application/x-www-form-urlencoded"},
          body: body.toString(),
        });
        const result = await response.json().catch(() => ({}));
        if (response.status !== 200 || result.error) {
          return {error: result.error || {message: "Check the card details and try again."}};
        }
        return {paymentMethod: result};
      } catch (err) {
        return {error: {message: "The card service did not answer. Please try again."}};
      }
    };
    return stripe;
  };
})();
"""

STRIPE_JS_PATH = "/js.stripe.com/v3/"
PAYMENT_METHODS_PATH = "/v1/payment_methods"


def stripe_js() -> str:
    """localstripe's Stripe.js stand-in with Kith's createPaymentMethod after it."""
    import localstripe

    original = (Path(localstripe.__file__).parent / "localstripe-v3.js").read_text()
    return original + CREATE_PAYMENT_METHOD_JS


def add_to(app) -> None:
    """Serve the completed Stripe.js and accept PaymentMethods made with a publishable key.

    A middleware, placed before localstripe's own authentication (which wants
    a secret key for this route): the app's routes are already taken.
    """
    from aiohttp import web
    from localstripe.resources import PaymentMethod
    from localstripe.server import get_api_key, get_post_data, json_response

    script = stripe_js()

    @web.middleware
    async def browser_card_entry(request, handler):
        if request.method == "GET" and request.path == STRIPE_JS_PATH:
            return web.Response(text=script, content_type="application/javascript")
        if (
            request.method == "POST"
            and request.path == PAYMENT_METHODS_PATH
            and get_api_key(request) is None
        ):
            data = await get_post_data(request, remove_auth=False) or {}
            key = data.pop("key", "")
            if isinstance(key, str) and key.startswith("pk_"):
                data.pop("payment_user_agent", None)
                data.pop("referrer", None)
                return json_response(PaymentMethod._api_create(**data)._export())
        return await handler(request)

    # After localstripe's error handling (so errors read as Stripe's), before its authentication.
    app.middlewares.insert(1, browser_card_entry)
