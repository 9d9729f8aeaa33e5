"""Write every live listing as one Open Referral UK 3.0 JSON document.

    python manage.py export_oruk directory.json     (or - for standard output)

The file is one ORUK page of fully nested services; import_oruk reads it.
A personal assistant's place is only their postcode sector.
"""

import sys

from django.core.management.base import BaseCommand

from directory.oruk import export


class Command(BaseCommand):
    help = "Export the directory as Open Referral UK 3.0 JSON."
    writer = staticmethod(export.write_oruk)

    def add_arguments(self, parser):
        parser.add_argument("output", help="A file to write, or - for standard output.")

    def handle(self, *args, output, **options):
        if output == "-":
            count = self.writer(sys.stdout)
        else:
            with open(output, "w", encoding="utf-8", newline="") as out:
                count = self.writer(out)
            self.stdout.write(f"Exported {count:,} listings to {output}.")
