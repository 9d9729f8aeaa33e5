"""Load realistic demo data: listings around Stockport and an account for each role.

    python manage.py load_demo [--listings 640] [--no-progress]

Idempotent and deterministic: listings are recognised by slug and accounts by
email, so running it again (``make run`` does, every time) changes nothing.
The accounts and their password are in docs/demo.md.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from directory.demo import DEFAULT_LISTINGS, DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load demo listings and demo accounts (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--listings",
            type=int,
            default=DEFAULT_LISTINGS,
            help=f"How many demo listings to load (default {DEFAULT_LISTINGS}); a smaller "
            "number loads the first ones of the same set.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not print progress lines."
        )

    def handle(self, *args, listings: int, no_progress: bool, verbosity: int, **options):
        if listings < 0:
            raise CommandError("--listings must be zero or more.")
        if settings.PRODUCTION:
            # Allowed for the production-like docker compose run, but never wanted on
            # a real site: the demo accounts' password and TOTP secrets are published.
            self.stderr.write(
                "Warning: loading demo accounts with a published password under "
                "KITH_ENV=production. Never do this on a real site."
            )
        started = time.monotonic()
        show = not no_progress and verbosity > 0

        def say(line: str) -> None:
            # Whole lines, flushed at once, so progress shows in a log or a pipe as on a terminal.
            if show:
                self.stdout.write(f"[{time.monotonic() - started:5.1f} s] {line}")
                self.stdout.flush()

        def listings_done(done: int, total: int) -> None:
            say(f"Demo listings: {done} of {total} published")

        say(
            f"Loading demo data: accounts, then {listings} listings and their owners, "
            "then offers and a plan."
        )
        result = load_demo(listings=listings, progress=listings_done)
        say(
            f"Demo listings ready: {result.listings.created} new, "
            f"{result.listings.existing} already there."
        )
        say(
            f"Owners of priced listings: {result.owners} accounts ({result.new_owners} new); "
            "manage.py demo_owners lists them."
        )
        if result.quiet_reminders:
            say(
                f"Reminders to confirm details due to those owners: {result.quiet_reminders}, "
                "recorded as sent (not emailed)."
            )
        if result.listings.owners_given:
            say(f"Listings loaded earlier given their owner: {result.listings.owners_given}")
        # Offers to book and Maureen's plan live in other apps; the demo spans them all.
        from marketplace.demo import ensure_demo_offers, ensure_demo_plan

        offers = ensure_demo_offers()
        say(f"Offers to book: {offers}")
        ensure_demo_plan()
        say("Maureen's support plan is ready.")
        from cms.information import ensure_information_pages

        pages = ensure_information_pages()
        say(f"Information and advice pages: {pages} new")
        # A year of searches, plans, spend and reviews for the commissioners' reports.
        call_command("load_demo_evidence", verbosity=verbosity)
        seconds = time.monotonic() - started
        if verbosity > 0:
            loaded = result.listings
            self.stdout.write(
                f"Loaded {loaded.created} listings ({loaded.existing} already there) and "
                f"{result.new_accounts} demo accounts ({result.accounts - result.new_accounts} "
                f"already there) and {offers} offers to book in {seconds:.0f} s. "
                "Sign-in details: docs/demo.md."
            )
            if result.new_accounts:
                self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
                for account in DEMO_ACCOUNTS:
                    self.stdout.write(f"  {account.email:24} {account.who}")
                self.stdout.write(
                    "Two-step codes: python manage.py demo_totp moderator@example.org"
                )
