"""Proof that the production-like services are really in use when configured.

In CI (KITH_REQUIRE_SERVICES=1) these fail if PostgreSQL or Elasticsearch is missing.
"""

import pytest
from django.db import connection

from conftest import require_service

pytestmark = pytest.mark.services


@pytest.mark.django_db
def test_database_is_real_postgresql_when_database_url_is_set():
    require_service("DATABASE_URL", "PostgreSQL")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    assert int(version.split(".")[0]) >= 13
    print(f"PostgreSQL server {version}")


def test_elasticsearch_answers_with_an_8x_server_when_elasticsearch_url_is_set():
    require_service("ELASTICSEARCH_URL", "Elasticsearch")
    from directory import elasticsearch

    version = elasticsearch.server_version()
    assert version.startswith("8."), version
    print(f"Elasticsearch server {version}")
