"""Ask owners to confirm that their listings are still right.

    python manage.py send_confirm_reminders [--base-url https://kith.example]

Emails the owner of every live listing whose details were last confirmed
more than 90 days ago (or never) a signed link to confirm them. Meant to run
daily (cron or a scheduler); running it again the same day, or any day in
the next fortnight, does not email the same listing twice (see
``directory.moderation.listings_due_for_reminder``). It then re-indexes the
listings whose owners were reminded and still have not confirmed, so that
search marks them "may be out of date" after 120 days and drops them after
180 (``directory.freshness``). The docker-compose scheduler runs it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from directory import freshness, moderation


class Command(BaseCommand):
    help = "Email owners whose listings were last confirmed more than 90 days ago, or never."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default=None,
            help="Start of the links in the emails (default: KITH_BASE_URL).",
        )

    def handle(self, *args, base_url=None, **options):
        sent = moderation.send_confirm_reminders(base_url=base_url)
        noun = "reminder" if sent == 1 else "reminders"
        self.stdout.write(f"Sent {sent} {noun} to confirm listing details.")
        moved = freshness.refresh_search()
        self.stdout.write(
            f"Re-indexed {moved} listings not confirmed since their reminder "
            f"(over {freshness.STALE_AFTER_DAYS} days: may be out of date; "
            f"over {freshness.HIDDEN_AFTER_DAYS}: out of search)."
        )
