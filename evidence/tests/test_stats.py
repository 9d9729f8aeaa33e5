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


@pytest.mark.django_db(transaction=True)
def test_a_report_inside_another_runs_under_the_outer_settings_without_setting_them_again():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL settings")
    from django.test.utils import CaptureQueriesContext

    before = {name: _setting(name) for name in stats.REPORT_SETTINGS}

    @stats.report
    def table():
        return _setting("work_mem")

    @stats.report
    def page():
        with CaptureQueriesContext(connection) as inner:
            seen = [table(), table()]
        return seen, [q["sql"] for q in inner if "set_config" in q["sql"]]

    seen, set_again = page()
    assert seen == ["64MB", "64MB"] and set_again == []
    assert {name: _setting(name) for name in stats.REPORT_SETTINGS} == before
    assert table() == "64MB"  # and a report on its own sets them once more


def test_percentile_interpolates_as_postgresql_does():
    assert stats.percentile([10, 20, 30, 40, 50, 60], 0.5) == 35
    assert stats.percentile([10, 20, 30, 40, 50, 60], 0.9) == 55
    assert stats.percentile([], 0.5) is None
