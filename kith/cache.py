"""Kith's shared cache on the database: Django's, with a cheaper ``set`` on PostgreSQL.

The API's rate limits write each client's request history back to the cache on
every request. Django's database cache does that in a transaction of four
statements (count the table to decide whether to cull, find the key, then
update or insert, plus BEGIN and COMMIT): about a fifth of the CPU time of an
API search. On PostgreSQL ``set`` here is one ``INSERT ... ON CONFLICT DO
UPDATE``, which stores exactly what Django's would, and the table is counted
(and culled past ``MAX_ENTRIES``, as Django does) on one ``set`` in
``CULL_EVERY`` rather than on each. ``add``, ``touch``, ``get`` and everything
on SQLite are Django's own.
"""

from __future__ import annotations

import base64
import pickle
import threading
from contextlib import nullcontext
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DatabaseError, connections, router, transaction
from django.utils.timezone import now as tz_now

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
            # Inside a transaction, a failure must leave it usable (Django's set
            # fails silently too): a savepoint of its own.
            with transaction.atomic(using=db) if connection.in_atomic_block else nullcontext():
                with connection.cursor() as cursor:
                    if cull_now:
                        cursor.execute(f"SELECT COUNT(*) FROM {table}")
                        count = cursor.fetchone()[0]
                        if count > self._max_entries:
                            self._cull(db, cursor, tz_now().replace(microsecond=0), count)
                    cursor.execute(sql, [key, encoded, expires])
        except DatabaseError:
            return None
