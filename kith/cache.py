"""Kith's shared cache on the database: Django's, with a cheaper ``set`` on PostgreSQL.

Django's database cache writes a key in a transaction of four statements
(count the table to decide whether to cull, find the key, then update or
insert, plus BEGIN and COMMIT). On PostgreSQL ``set`` here is one ``INSERT
... ON CONFLICT DO UPDATE``, which stores exactly what Django's would, and the
table is counted (and culled past ``MAX_ENTRIES``, as Django does) on one
``set`` in ``CULL_EVERY`` rather than on each. ``add``, ``touch``, ``get`` and
everything on SQLite are Django's own.

Django deletes an expired entry only when it is read again or the table is
culled, so an entry holding someone's address (a sign-in or contact-form
limit) could stay long after it stopped counting. ``delete_expired`` removes
them; the hourly ``forget_expired_rate_limits`` task calls it.
"""

from __future__ import annotations

import base64
import pickle
import threading
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DatabaseError, connections, router
from django.utils.timezone import now as tz_now

from kith.db import own_savepoint

CULL_EVERY = 50


class DatabaseCache(DjangoDatabaseCache):
    def __init__(self, table, params):
        super().__init__(table, params)
        self._sets = 0
        self._sets_lock = threading.Lock()

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        if connection.vendor != "postgresql":
            return super().set(key, value, timeout, version)
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        with self._sets_lock:
            self._sets += 1
            cull_now = self._sets % CULL_EVERY == 1
        if timeout is None:
            expires = datetime.max
        else:
            expires = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        expires = connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        quote = connection.ops.quote_name
        table = quote(self._table)
        sql = (
            f"INSERT INTO {table} ({quote('cache_key')}, {quote('value')}, {quote('expires')}) "
            f"VALUES (%s, %s, %s) ON CONFLICT ({quote('cache_key')}) DO UPDATE SET "
            f"{quote('value')} = EXCLUDED.{quote('value')}, "
            f"{quote('expires')} = EXCLUDED.{quote('expires')}"
        )
        try:
            # Django's set fails silently too.
            with own_savepoint(connection):
                with connection.cursor() as cursor:
                    if cull_now:
                        cursor.execute(f"SELECT COUNT(*) FROM {table}")
                        count = cursor.fetchone()[0]
                        if count > self._max_entries:
                            self._cull(db, cursor, tz_now().replace(microsecond=0), count)
                    cursor.execute(sql, [key, encoded, expires])
        except DatabaseError:
            return None


def delete_expired(alias: str = "default") -> int:
    """Delete the expired entries of a database cache; how many (0 for any other cache,
    such as Redis, which forgets them by itself)."""
    from django.core.cache import caches

    cache = caches[alias]
    if not isinstance(cache, DjangoDatabaseCache):
        return 0
    connection = connections[router.db_for_write(cache.cache_model_class)]
    quote = connection.ops.quote_name
    now = connection.ops.adapt_datetimefield_value(tz_now().replace(microsecond=0))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(cache._table)} WHERE {quote('expires')} < %s", [now])
        return cursor.rowcount
