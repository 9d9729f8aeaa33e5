"""The PostgreSQL settings a report runs with last only as long as the report."""

import pytest
from django.db import connection

from evidence import stats


@pytest.fixture
def on_postgresql():
    """These tests are about PostgreSQL's settings, snapshots and connections."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_reports_work_mem_and_jit_are_set_for_its_own_transaction_only(on_postgresql):
    before = {name: _setting(name) for name in stats.REPORT_SETTINGS}

    @stats.report
    def build():
        return {name: _setting(name) for name in stats.REPORT_SETTINGS}

    assert build() == {"work_mem": "64MB", "jit": "off", "statement_timeout": "2min"}
    assert {name: _setting(name) for name in stats.REPORT_SETTINGS} == before


@pytest.mark.django_db(transaction=True)
def test_a_report_inside_another_runs_under_the_outer_settings_without_setting_them_again(
    on_postgresql,
):
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


def _backend_and_count():
    from directory.models import SearchLog

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_setting('transaction_isolation')")
        pid, isolation = cursor.fetchone()
    return pid, isolation, _setting("work_mem"), SearchLog.objects.count()


@pytest.mark.django_db(transaction=True)
def test_parts_side_by_side_run_on_their_own_connections_and_read_one_moment(on_postgresql):
    import threading

    from directory.models import SearchLog

    def someone_searches():  # another connection commits a row mid-report
        SearchLog.objects.create(source="web", result_count=0, backend="database")
        connection.close()

    @stats.report
    def page():
        before = SearchLog.objects.count()  # the report's moment starts here
        writer = threading.Thread(target=someone_searches)
        writer.start()
        writer.join()
        return before, stats.side_by_side(_backend_and_count, _backend_and_count)

    before, [first, second] = page()
    assert before == 0
    assert first[0] != second[0]  # two PostgreSQL backends worked on it
    assert first[1:] == second[1:] == ("repeatable read", "64MB", 0)
    assert SearchLog.objects.count() == 1  # the row is there, just after the report's moment


@pytest.mark.django_db
def test_inside_a_transaction_with_pending_writes_parts_run_one_after_another():
    import threading

    from directory.models import SearchLog

    SearchLog.objects.create(source="web", result_count=0, backend="database")  # not committed

    def part():
        return threading.get_ident(), SearchLog.objects.count()

    @stats.report
    def page():
        return stats.side_by_side(part, part)

    # This thread and connection both times, so the row not yet committed is seen.
    assert page() == [(threading.get_ident(), 1)] * 2


@pytest.mark.django_db(transaction=True)
def test_a_part_that_fails_side_by_side_fails_the_report(on_postgresql):

    def broken():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")

    @stats.report
    def page():
        return stats.side_by_side(lambda: _setting("work_mem"), broken)

    from django.db import DataError

    with pytest.raises(DataError):
        page()

    @stats.report
    def again():  # and the next report works, on this connection and a new thread's
        return stats.side_by_side(lambda: _setting("work_mem"), lambda: _setting("jit"))

    assert again() == ["64MB", "off"]


@pytest.mark.django_db(transaction=True)
def test_with_no_connection_to_spare_the_parts_run_on_the_reports_own(on_postgresql, monkeypatch):
    import threading

    from django.db import OperationalError
    from django.db.backends.base.base import BaseDatabaseWrapper

    real = BaseDatabaseWrapper.ensure_connection

    def refused_in_threads(self):
        if threading.current_thread() is not threading.main_thread():
            raise OperationalError("too many clients already")
        return real(self)

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refused_in_threads)

    def backend():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return threading.get_ident(), cursor.fetchone()[0]

    @stats.report
    def page():
        return stats.side_by_side(backend, backend)

    first, second = page()
    assert first == second  # both on the report's own thread and connection


@pytest.mark.django_db(transaction=True)
def test_a_report_that_is_the_first_query_after_a_health_check_is_due_still_runs(on_postgresql):
    """Django runs a due health check (SELECT 1) as atomic() turns autocommit off,
    before the transaction, so the report's SET TRANSACTION still comes first."""
    connection.ensure_connection()
    connection.health_check_enabled, connection.health_check_done = True, False

    @stats.report
    def page():
        return stats.side_by_side(lambda: _setting("work_mem"), lambda: _setting("jit"))

    assert page() == ["64MB", "off"]
