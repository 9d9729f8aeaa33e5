"""The database cache table (settings.CACHES, kith_cache): sign-in lockouts and
rate limits are shared by every worker through it. Does nothing when the cache
is Redis, and nothing if the table already exists."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_erased_at")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
