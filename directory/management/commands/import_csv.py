"""Import listings from Kith's CSV template (docs/importing-listings.md).

    python manage.py import_csv listings.csv --source-name "Stockport Council"

The same rules as import_oruk: unowned, unverified listings, matched on
(source, id) so that a second run changes nothing, and a summary of what
was created, updated and skipped, and why.
"""

from directory.management.commands import import_oruk
from directory.oruk import export


class Command(import_oruk.Command):
    help = "Import listings from Kith's CSV template."
    reader = staticmethod(export.read_csv)
