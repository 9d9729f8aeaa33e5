"""Kith's local fake Stripe, for the test suite and the demo: no real money moves.

    python -m kith.fakestripe --port 8420

It is localstripe (a stateful fake of Stripe's API) listening on 127.0.0.1 only,
with room for what localstripe does not model: `extend(app)` is where Kith adds
its own fake resources (for example Stripe Connect accounts and transfers) so
the same code paths run here as against Stripe. Every request Kith sends is
also checked against Stripe's official stripe-mock in the test suite (see
tests/stripe_mock.py), because localstripe accepts things real Stripe refuses.
"""

from __future__ import annotations

import argparse
import logging


def extend(app) -> None:
    """Add Kith's fake resources to localstripe's web app (before it starts)."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)

    from aiohttp import web
    from localstripe import server

    extend(server.app)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    print(f"Fake Stripe (no real money) at http://{args.host}:{args.port}", flush=True)
    web.run_app(server.app, host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
