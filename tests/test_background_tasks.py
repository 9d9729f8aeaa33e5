"""Background work goes through the task queue: search logs, emails, periodic work."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import default_task_backend

from directory import search_log
from directory.models import SearchLog
from directory.search import ListingQuery, SearchPage
from directory.search_log import log_match, log_search
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
        assert queued.task.name == "record_searches"
        [line] = queued.args[0]
        assert line["origin_outward"] == "OL8"
        assert line["result_count"] == 3


def test_search_log_lines_are_queued_in_batches_of_the_configured_size():
    with override_settings(TASKS=DUMMY, KITH_SEARCH_LOG_BATCH=3, KITH_SEARCH_LOG_WAIT=60):
        for n in range(7):
            log_search(ListingQuery(text=f"walk {n}"), _page(n), source="web")
        batches = [queued.args[0] for queued in default_task_backend.results]
        assert [[line["query_text"] for line in batch] for batch in batches] == [
            ["walk 0", "walk 1", "walk 2"],
            ["walk 3", "walk 4", "walk 5"],
        ]
        # The seventh waits for more, or for the timer, or for the process to end.
        assert search_log.buffer.flush() == 1
        assert default_task_backend.results[-1].args[0][0]["query_text"] == "walk 6"
        assert search_log.buffer.flush() == 0  # nothing is queued twice


def test_a_part_batch_is_queued_by_the_timer_when_searches_stop(monkeypatch):
    queued = []  # the timer queues from its own thread, with its own task backend
    monkeypatch.setattr(search_log, "_queue", lambda lines: queued.append(lines) or True)
    with override_settings(KITH_SEARCH_LOG_BATCH=50, KITH_SEARCH_LOG_WAIT=0.05):
        log_match(["carer-breaks"], [], 0, radius_km=16, origin_outward="OL8")
        assert queued == []
        deadline = time.monotonic() + 5
        while not queued and time.monotonic() < deadline:
            time.sleep(0.02)
    [[line]] = queued
    assert (line["source"], line["origin_outward"], line["query_text"]) == ("match", "OL8", "")
    assert search_log.buffer.flush() == 0


def test_a_batch_is_written_by_one_task_run():
    log_search(ListingQuery(text="yoga"), _page(2), source="api", origin_outward="M14")
    with override_settings(KITH_SEARCH_LOG_BATCH=2):
        log_search(ListingQuery(text="swimming"), _page(0), source="web", origin_outward="OL8")
        assert SearchLog.objects.count() == 1
        log_search(ListingQuery(text="art"), _page(5), source="web", origin_outward="SK1")
    assert sorted(SearchLog.objects.values_list("query_text", "result_count")) == [
        ("art", 5),
        ("swimming", 0),
        ("yoga", 2),
    ]


def test_a_line_queued_one_at_a_time_before_batching_is_still_written():
    from directory.tasks import record_search

    record_search.call(
        {
            **search_log.search_log_fields(
                ListingQuery(text="gardening"), _page(1), source="web", origin_outward="BL1"
            )
        }
    )
    assert SearchLog.objects.get().query_text == "gardening"


def test_a_batch_that_cannot_be_queued_is_kept_for_the_next_and_the_search_goes_on(caplog):
    with override_settings(TASKS={"default": {"BACKEND": "no.such.Backend"}}):
        log_search(ListingQuery(text="music"), _page(1), source="web")
    assert "Could not queue 1 search-log lines" in caplog.text
    log_search(ListingQuery(text="art"), _page(2), source="web")  # the queue is back
    assert sorted(SearchLog.objects.values_list("query_text", flat=True)) == ["art", "music"]


def test_lines_that_cannot_be_queued_are_kept_up_to_ten_batches(caplog, monkeypatch):
    monkeypatch.setattr(search_log, "_queue", lambda lines: False)
    with override_settings(KITH_SEARCH_LOG_BATCH=2, KITH_SEARCH_LOG_WAIT=60):
        for n in range(25):
            log_search(ListingQuery(text=f"walk {n}"), _page(n), source="web")
        kept = search_log.buffer._lines
        assert len(kept) == 20 and kept[-1]["query_text"] == "walk 24"
    assert "Dropped" in caplog.text


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
