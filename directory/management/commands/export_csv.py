"""Write every live listing as Kith's CSV template (docs/importing-listings.md).

python manage.py export_csv directory.csv     (or - for standard output)
"""

from directory.management.commands import export_oruk
from directory.oruk import export


class Command(export_oruk.Command):
    help = "Export the directory as Kith's CSV import template."
    writer = staticmethod(export.write_csv)
