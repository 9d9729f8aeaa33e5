"""Kith's local fake Stripe, for the test suite and the demo: no real money moves.

    python -m kith.fakestripe --port 8420 [--state FILE]

It is localstripe (a stateful fake of Stripe's API) listening on 127.0.0.1 only,
with room for what localstripe does not model: `extend(app)` is where Kith adds
its own fake resources (for example Stripe Connect accounts and transfers) so
the same code paths run here as against Stripe. Every request Kith sends is
also checked against Stripe's official stripe-mock in the test suite (see
tests/stripe_mock.py), because localstripe accepts things real Stripe refuses.

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


def extend(app) -> None:
    """Add Kith's fake resources to localstripe's web app (before it starts)."""


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
