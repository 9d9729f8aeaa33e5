"""Background work goes through the task queue: search logs, emails, periodic work."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import default_task_backend

from directory.models import SearchLog
from directory.search import ListingQuery, SearchPage
from directory.search_log import log_search
from kith import schedule
from kith.tasks import queue_email

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
pytestmark = pytest.mark.django_db
OFTEN = "directory.tasks.process_index_updates"
DAILY = "directory.tasks.send_confirm_reminders"


def _page(count=0):
    return SearchPage(results=[], count=count, page=1, page_size=10, backend="database")


def test_a_search_log_line_is_queued_not_written_in_the_request():
    with override_settings(TASKS=DUMMY):
        log_search(ListingQuery(text="swimming"), _page(3), source="web", origin_outward="OL8")
        assert not SearchLog.objects.exists()
        [queued] = default_task_backend.results
        assert queued.task.name == "record_search"
        assert queued.args[0]["origin_outward"] == "OL8"
        assert queued.args[0]["result_count"] == 3


def test_with_the_immediate_backend_the_line_is_written_at_once():
    log_search(ListingQuery(text="carer breaks"), _page(0), source="api", origin_outward="OL8")
    log = SearchLog.objects.get()
    assert (log.source, log.query_text, log.result_count) == ("api", "carer breaks", 0)


def test_emails_are_queued_then_sent_by_the_worker():
    with override_settings(TASKS=DUMMY):
        queue_email("Hello", "Body", ["sam@example.org"])
        assert mail.outbox == []
        assert len(default_task_backend.results) == 1
    queue_email("Hello", "Body", ["sam@example.org"])
    assert [m.to for m in mail.outbox] == [["sam@example.org"]]


def test_the_schedule_lists_pool_deadlines_reminders_and_index_retries():
    names = {entry.name for entry in schedule.PERIODIC_TASKS}
    assert {"process_pool_deadlines", "send_confirm_reminders", "retry_search_index_updates"} <= (
        names
    )
    for entry in schedule.PERIODIC_TASKS:  # every dotted path is a task
        assert hasattr(import_string(entry.task), "enqueue")


def test_the_scheduler_queues_each_entry_when_due_and_not_before():
    with override_settings(TASKS=DUMMY):
        scheduler = schedule.Scheduler(
            [
                schedule.Periodic(
                    "often", timedelta(minutes=1), "directory.tasks.process_index_updates"
                ),
                schedule.Periodic(
                    "daily", timedelta(days=1), "directory.tasks.send_confirm_reminders"
                ),
            ]
        )
        now = timezone.now()
        assert scheduler.tick(now) == ["often", "daily"]
        assert scheduler.tick(now + timedelta(seconds=30)) == []
        assert scheduler.tick(now + timedelta(minutes=1)) == ["often"]
        assert scheduler.tick(now + timedelta(days=1)) == ["often", "daily"]
        assert len(default_task_backend.results) == 5


def test_a_goal_matched_through_the_api_is_counted_without_its_words(client):
    response = client.post(
        "/api/v1/match/",
        {"postcode": "OL8 1AA", "goals": [{"text": "I want a break from caring for my mum"}]},
        content_type="application/json",
    )
    assert response.status_code == 200
    log = SearchLog.objects.get()
    assert (log.source, log.origin_outward, log.query_text) == ("match", "OL8", "")
    assert "carer-break" in log.outcomes
    assert log.result_count == len(response.json()["goals"][0]["suggestions"])
