"""Import another directory's Open Referral UK feed into Kith.

    python manage.py import_oruk bristol.json --source-name "Bristol City Council"
    python manage.py import_oruk https://example.org/oruk/services --source-name "..."

Reads ORUK 3.0 (a page of services, as /services or Kith's own export
answer) and the older 1.0-shaped feeds (a JSON array of services) many
councils still publish, streaming, so a large feed never has to fit in
memory. Creates unowned, unverified listings, updates ones the source
changed, and prints what it did and why it skipped anything. Running it
again on the same feed changes nothing. See directory/oruk/importer.py.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.oruk import importer


class Command(BaseCommand):
    help = "Import an Open Referral UK (3.0 or 1.0-shaped) feed, from a file or URL."
    reader = staticmethod(importer.read_oruk)

    def add_arguments(self, parser):
        parser.add_argument("feed", help="A file path, or an http(s) URL.")
        parser.add_argument(
            "--source-name",
            help="Who publishes it, shown on each listing, e.g. 'Bristol City Council' "
            "(default: from the file name).",
        )
        parser.add_argument(
            "--source-slug",
            default="",
            help="Short stable name of the source (default: from its name).",
        )
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar or lines.")

    def handle(self, *args, feed, source_name, source_slug, batch_size, no_progress, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        is_url = feed.startswith(("http://", "https://"))
        if not is_url and not Path(feed).is_file():
            raise CommandError(f"There is no file at {feed}.")
        name = source_name or Path(feed).stem.replace("_", " ").replace("-", " ").capitalize()
        source = importer.get_source(name, feed, source_slug)
        if not no_progress and options["verbosity"] > 0:
            logging.getLogger("directory.oruk").setLevel(logging.INFO)
        progress = importer.Progress(enabled=not no_progress and options["verbosity"] > 0)
        try:
            result = importer.import_services(
                self.reader(feed), source, batch_size=batch_size, progress=progress
            )
        except (OSError, ValueError) as exc:
            raise CommandError(f"Could not read {feed}: {exc}") from exc
        for line in result.lines():
            self.stdout.write(line)
