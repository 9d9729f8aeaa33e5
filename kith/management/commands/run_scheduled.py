"""Queue Kith's periodic tasks (kith/schedule.py) as they fall due.

    python manage.py run_scheduled            # loop until stopped
    python manage.py run_scheduled --once     # queue what is due now, then exit

A ``db_worker`` runs what this queues.
"""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand

from kith.schedule import Scheduler


class Command(BaseCommand):
    help = "Queue periodic background tasks as they fall due (see kith/schedule.py)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Queue what is due, then exit.")
        parser.add_argument(
            "--interval", type=float, default=30.0, help="Seconds between checks (default 30)."
        )

    def handle(self, *args, once=False, interval=30.0, **options):
        scheduler = Scheduler()
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            for name in scheduler.tick():
                self.stdout.write(f"Queued {name}")
            if once or stopping:
                return
            slept = 0.0
            while slept < interval and not stopping:
                time.sleep(min(1.0, interval - slept))
                slept += 1.0
            if stopping:
                return
