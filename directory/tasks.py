"""The directory's background tasks: search-log writes, search-index updates, reminders."""

from __future__ import annotations

from django_tasks import task


@task()
def record_searches(lines: list[dict]) -> int:
    """Write a batch of SearchLog rows (see ``directory.search_log``)."""
    from directory.models import SearchLog

    return len(SearchLog.objects.bulk_create([SearchLog(**fields) for fields in lines]))


@task()
def record_search(fields: dict) -> None:
    """Write one SearchLog row: lines queued one at a time before batching, still run."""
    record_searches.call([fields])


@task()
def process_index_updates() -> dict:
    """Send pending listing updates to Elasticsearch; failures wait and are retried."""
    from directory.search.indexing import apply_index_updates

    landed, pending = apply_index_updates()
    return {"landed": landed, "pending": pending}


@task()
def send_confirm_reminders() -> int:
    """Email owners whose listing details were last confirmed more than 90 days ago."""
    from directory import moderation

    return moderation.send_confirm_reminders()


@task()
def remind_expiring_checks() -> int:
    """Tell owners whose checked insurance runs out within 30 days (once per policy)."""
    from directory.safety import services

    return services.remind_expiring()
