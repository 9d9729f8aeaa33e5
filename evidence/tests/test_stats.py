"""The PostgreSQL settings a report runs with last only as long as the report."""

import pytest
from django.db import connection

from evidence import stats


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_reports_work_mem_and_jit_are_set_for_its_own_transaction_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL settings")
    before = {name: _setting(name) for name in stats.REPORT_SETTINGS}

    @stats.report
    def build():
        return {name: _setting(name) for name in stats.REPORT_SETTINGS}

    assert build() == {"work_mem": "64MB", "jit": "off"}
    assert {name: _setting(name) for name in stats.REPORT_SETTINGS} == before


def test_percentile_interpolates_as_postgresql_does():
    assert stats.percentile([10, 20, 30, 40, 50, 60], 0.5) == 35
    assert stats.percentile([10, 20, 30, 40, 50, 60], 0.9) == 55
    assert stats.percentile([], 0.5) is None
