"""Pools under load: 200 pledges from concurrent clients against one pool on PostgreSQL.

    DATABASE_URL=postgres://kith:kith@127.0.0.1:5432/kith_pools \\
        .venv/bin/python benchmarks/pools.py [--pledges 200] [--clients 20] [--places 50] \\
        [--method card|invoice]

Prints throughput, p50/p95 latency of one pledge, and the correctness counts:
held (must equal the places while there are more pledges than places),
refused (with the polite "full" message), orphaned (PaymentIntents left
authorised at the fake Stripe for a pledge that is not held: must be 0) and
unexpected errors. Asserts nothing about time.

Each client is a thread with its own database connection calling
``marketplace.pools.pledge`` (the function the join page calls). Card
pledges go to a localstripe started by this script on a free port. The
script works in a throwaway database (``test_kith_pools_bench``) created and
migrated at the start and dropped at the end, so it never touches real data.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Python puts this script's folder first on the path; search the project root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

SECRET_KEY = "sk_test_kith_bench"


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def start_localstripe():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "kith.fakestripe", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(
                f"{url}/v1/balance", headers={"Authorization": f"Bearer {SECRET_KEY}"}
            )
            urllib.request.urlopen(request, timeout=1).close()
            return process, url
        except urllib.error.HTTPError:
            return process, url
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("localstripe did not start")


def build(places: int, pledges: int):
    """One open pool at a Stockport studio and ``pledges`` budget holders with a goal each."""
    from django.utils import timezone

    from accounts.factories import UserFactory
    from directory.factories import make_listing
    from directory.models import Outcome
    from marketplace.pools import services as pools
    from matching.models import Goal
    from matching.plans import create_plan

    provider = UserFactory(display_name="Hannah Ward", roles=["provider"])
    listing = make_listing(
        "provider", "Stockport Art Studio", "SK1 1QE", outcomes=["mental-wellbeing"], owner=provider
    )
    wellbeing = Outcome.objects.get(slug="mental-wellbeing")
    pool = pools.open_pool(
        listing,
        by=provider,
        title="Thursday art class",
        description="Weekly art class.",
        outcomes=[wellbeing],
        places=places,
        minimum_members=min(6, places),
        deadline=timezone.now() + timedelta(days=3),
        price_per_place=Decimal("45.00"),
    )
    members = []
    for n in range(pledges):
        person = UserFactory(display_name=f"Member {n}", roles=["budget_holder"])
        goal = Goal.objects.create(plan=create_plan(person), text="Something creative weekly")
        goal.outcomes.add(wellbeing)
        members.append((person, goal))
    return pool, members


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pledges", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--places", type=int, default=50)
    parser.add_argument("--method", choices=["card", "invoice"], default="card")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (row locks are the point).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kith.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    stripe_process, stripe_url = start_localstripe()
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_API_BASE = stripe_url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    original_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = "test_kith_pools_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        return run(args, stripe_url)
    finally:
        connection.close()
        connection.creation.destroy_test_db(original_name, verbosity=0)
        stripe_process.terminate()
        stripe_process.wait(timeout=5)


def run(args, stripe_url) -> int:
    import stripe
    from django.db import connection

    from marketplace.models import Pledge
    from marketplace.pools import services as pools

    print(f"Setting up {args.pledges} budget holders and a pool with {args.places} places...")
    pool, members = build(args.places, args.pledges)
    connection.close()

    latencies, outcomes = [], []
    lock = threading.Lock()

    def one(member):
        person, goal = member
        started = time.perf_counter()
        try:
            kwargs = (
                {"payment_method": "pm_card_visa"}
                if args.method == "card"
                else {"payer_name": "Stockport Direct Payments Support Service"}
            )
            pools.pledge(pool, person, by=person, goal=goal, method=args.method, **kwargs)
            outcome = "held"
        except pools.PoolError as error:
            outcome = "refused" if "this pool is full" in str(error) else f"error: {error}"
        except Exception as error:  # noqa: BLE001 – counted and shown, not hidden
            outcome = f"error: {error!r}"
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            outcomes.append(outcome)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.clients) as executor:
        list(executor.map(one, members))
    wall = time.perf_counter() - started

    held_db = Pledge.objects.filter(pool=pool, status=Pledge.Status.HELD)
    held_ids = {str(p.pk) for p in held_db}
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": stripe_url})
    orphaned = 0
    authorised = 0
    if args.method == "card":
        for intent in client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter():
            if intent.status != "requires_capture":
                continue
            authorised += 1
            if intent.metadata.to_dict().get("pledge") not in held_ids:
                orphaned += 1
    errors = [o for o in outcomes if o.startswith("error")]
    print(
        f"pledges: {len(outcomes)} from {args.clients} concurrent clients, "
        f"{args.places} places, method {args.method}"
    )
    print(f"throughput: {len(outcomes) / wall:.1f} pledges/s (wall {wall:.2f} s)")
    print(
        f"latency: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )
    print(
        f"held: {outcomes.count('held')} (database: {len(held_ids)}), "
        f"refused: {outcomes.count('refused')}, orphaned: {orphaned}"
        + (f" (authorised at Stripe: {authorised})" if args.method == "card" else "")
        + f", errors: {len(errors)}"
    )
    for error in errors[:5]:
        print("  ", error)
    correct = len(held_ids) == min(args.places, args.pledges) and orphaned == 0 and not errors
    print("correct" if correct else "INCORRECT")
    return 0 if correct else 1


if __name__ == "__main__":
    raise SystemExit(main())
