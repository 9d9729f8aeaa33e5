"""Kith's local fake Stripe, for the test suite and the demo: no real money moves.

    python -m kith.fakestripe --port 8420 [--state FILE]

It is localstripe (a stateful fake of Stripe's API) listening on 127.0.0.1 only,
with what localstripe does not model added by ``extend(app)``: Stripe Connect
Express accounts, account links, transfers to connected accounts and their
reversals, so the same code paths run here as against Stripe. Every request
Kith sends is also checked against Stripe's official stripe-mock in the test
suite (see tests/stripe_mock.py), because localstripe accepts things real
Stripe refuses.

Onboarding: an account link's ``url`` is a page on this fake. Visiting it
finishes onboarding at once (the account can take charges, transfers and
payouts), sends ``account.updated`` to any webhook registered with
localstripe's ``/_config/webhooks/{id}``, and redirects to the link's
``return_url``, so a person trying the demo can "connect" without Stripe.
``?outcome=pending`` instead leaves the account waiting for more details
(details submitted, nothing switched on yet), as Stripe does while it checks
someone's identity.

What the fake does not model: idempotency keys (it ignores them, as
localstripe does, so Kith's look-before-resend is what prevents doubles),
balances (a transfer never fails for lack of funds), and payouts from a
connected account to its bank.

Its data lives in memory, unless ``--state FILE`` keeps it in that file across
restarts (``make run`` does, so a card saved yesterday can be charged today).
Its Stripe.js stand-in takes card details in the browser (``kith.fakestripe_js``).
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
import sys
from urllib.parse import urlsplit


def extend(app) -> None:
    """Add Kith's fake Connect resources to localstripe's web app (before it starts)."""
    from aiohttp import web
    from localstripe import server
    from localstripe.errors import UserError
    from localstripe.resources import List

    from kith.fakestripe_connect import (
        FAKE_ONBOARDING_PATH,
        Account,
        AccountLink,
        Transfer,
    )

    for cls in (Account, Transfer):
        plural = "/v1/" + cls.object + "s"
        app.router.add_route("POST", plural, server.api_create(cls, plural))
        app.router.add_route("GET", plural + "/{id}", server.api_retrieve(cls, plural))
        app.router.add_route("POST", plural + "/{id}", server.api_update(cls, plural))
        app.router.add_route("GET", plural, server.api_list_all(cls, plural))

    async def create_account_link(request):
        data = await server.get_post_data(request) or {}
        account = data.get("account")
        if not isinstance(account, str):
            raise UserError(400, "account is required")
        Account._api_retrieve(account)  # 404 if there is no such account
        missing = [n for n in ("refresh_url", "return_url", "type") if not data.get(n)]
        if missing:
            raise UserError(400, "Missing " + ", ".join(missing))
        base = f"{request.scheme}://{request.host}"
        link = AccountLink(account, data["refresh_url"], data["return_url"], data["type"], base)
        return server.json_response(vars(link))

    async def onboard(request):
        account = Account._api_retrieve(request.match_info["id"])
        account._onboard(request.query.get("outcome", "enabled"))
        return_url = request.query.get("return_url", "")
        if urlsplit(return_url).scheme not in ("http", "https"):
            return web.Response(text="Onboarding finished (fake Stripe).")
        raise web.HTTPFound(return_url)

    async def create_reversal(request):
        data = await server.get_post_data(request) or {}
        data.pop("expand", None)
        transfer = Transfer._api_retrieve(request.match_info["id"])
        return server.json_response(transfer._reverse(**data)._export())

    async def list_reversals(request):
        transfer = Transfer._api_retrieve(request.match_info["id"])
        query = server.unflatten_data(request.query)
        listed = List(
            f"/v1/transfers/{transfer.id}/reversals",
            limit=query.get("limit"),
            starting_after=query.get("starting_after"),
        )
        listed._list = list(transfer._reversals)
        return server.json_response(listed._export())

    app.router.add_route("POST", "/v1/account_links", create_account_link)
    app.router.add_route("GET", FAKE_ONBOARDING_PATH, onboard)
    app.router.add_route("POST", "/v1/transfers/{id}/reversals", create_reversal)
    app.router.add_route("GET", "/v1/transfers/{id}/reversals", list_reversals)


def keep_state(path: str | None) -> None:
    """Keep localstripe's data in ``path`` across restarts, or (None) only in memory.

    localstripe itself writes every change to /tmp/localstripe.pickle, a file
    every fake on the machine shares, and never reads it back.
    """
    from localstripe.resources import store

    if not path:
        store.dump_to_disk = lambda: None
        return
    try:
        with open(path, "rb") as file:
            store.update(pickle.load(file))
    except FileNotFoundError:
        pass
    except Exception as error:  # a damaged or incompatible file: start again, saying so
        print(f"Fake Stripe: could not read {path} ({error}); starting empty.", file=sys.stderr)

    def dump() -> None:
        partial = f"{path}.partial"
        with open(partial, "wb") as file:
            pickle.dump(dict(store), file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)

    store.dump_to_disk = dump


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state", help="keep the fake's data in this file across restarts")
    args = parser.parse_args(argv)

    from aiohttp import web
    from localstripe import server

    from kith import fakestripe_js

    keep_state(args.state)
    extend(server.app)
    fakestripe_js.add_to(server.app)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    print(f"Fake Stripe (no real money) at http://{args.host}:{args.port}", flush=True)
    web.run_app(server.app, host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
