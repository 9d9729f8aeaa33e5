"""Load a year of demo evidence (searches, plans, stages, spend, reviews, pools).

    python manage.py load_demo_evidence [--people 400]

Run at the end of ``load_demo``; safe to run again (it does nothing the second time).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from evidence import demo


class Command(BaseCommand):
    help = "Load a year of demo searches, plans, spend and reviews for the commissioners' reports."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=400)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, people=400, seed=2026, verbosity=1, **options):
        started = time.monotonic()
        result = demo.load(people=people, seed=seed)
        if verbosity > 0:
            if not result.people:
                self.stdout.write("Demo evidence is already loaded.")
                return
            self.stdout.write(
                f"Loaded demo evidence in {time.monotonic() - started:.0f} s: {result.people} "
                f"people and plans, {result.stage_entries} stage changes, {result.ledger_entries} "
                f"lines of spend, {result.reviews} outcome reviews, {result.searches} searches, "
                f"{result.pools} pools. Commissioner: {demo.DEMO_COMMISSIONER} (Oldham)."
            )
