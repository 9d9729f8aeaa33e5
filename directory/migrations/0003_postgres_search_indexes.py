"""PostgreSQL-only indexes for the database search backend (directory/search/database.py).

* A GiST index on each snapshot location as a point on the unit sphere
  (``cube``), so a "nearest first" page reads the nearest locations from the
  index in order (KNN, ``<->``) instead of ranking every listing in the
  radius.
* Trigram GIN indexes (``pg_trgm``) on the upper-cased text fields, so a word
  searched for (``UPPER(field) LIKE UPPER('%word%')``, what Django's
  ``icontains`` writes) is looked up rather than checked on every listing.

Only the ``cube`` and ``pg_trgm`` extensions are needed, and both are
"trusted" (PostgreSQL 13+): a database owner who is not a superuser may
create them. ``earthdistance`` is deliberately not used: it is untrusted
(superuser only), its ``ll_to_earth`` calls ``earth()`` unqualified, which is
known to break dump/restore of indexes built on it, and its Earth radius is
not the one our distances use. The point expression here uses only built-in
functions and ``cube(float8[])``.

On SQLite (development, most tests) this migration does nothing; the backend
chooses its PostgreSQL paths by ``connection.vendor``. The expressions below
must stay identical to those in ``directory/search/database.py`` for the
planner to use the indexes.

Reversing drops the indexes but leaves the extensions: they may have existed
before, or be used by something else, and are harmless.
"""

from django.db import migrations

# Must match database.SPHERE_POINT_SQL with the column names unqualified.
SPHERE_POINT = (
    "cube(ARRAY[cos(radians(lat)) * cos(radians(lng)), "
    "cos(radians(lat)) * sin(radians(lng)), sin(radians(lat))])"
)

TEXT_FIELDS = ["name", "summary", "description", "taxonomy_text"]

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS cube",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS directory_recloc_sphere "
    f"ON directory_listingrecordlocation USING gist (({SPHERE_POINT}))",
    *[
        f"CREATE INDEX IF NOT EXISTS directory_rec_{field}_trgm "
        f"ON directory_listingrecord USING gin ((UPPER({field}::text)) gin_trgm_ops)"
        for field in TEXT_FIELDS
    ],
]

DROP = [
    "DROP INDEX IF EXISTS directory_recloc_sphere",
    *[f"DROP INDEX IF EXISTS directory_rec_{field}_trgm" for field in TEXT_FIELDS],
]


def _execute_on_postgresql(schema_editor, statements) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in statements:
        schema_editor.execute(statement)


def create_indexes(apps, schema_editor):
    _execute_on_postgresql(schema_editor, CREATE)


def drop_indexes(apps, schema_editor):
    _execute_on_postgresql(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_seed_vocabularies_and_directory")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
