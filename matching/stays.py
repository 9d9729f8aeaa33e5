"""When a plan left each stage: ``StageEntry.left_at``, kept in step with the history.

A plan's stay at a stage ends when its next stage entry begins (by entry time,
then id). The evidence reports ask "how long did plans wait at each stage" of
a year of stage changes for 100,000 people; reading the end of each stay from
a column, rather than pairing every entry with the next one at report time,
is what keeps that report under a second (``benchmarks/reports.py``).

``record_stays`` works the column out again from the entries themselves, so it
is right however the entries were made: saving or deleting an entry through
the ORM calls it for that plan (``connect``), and code that bulk-creates or
bulk-updates entries (the evidence demo data) calls it for the plans it made.
"""

from __future__ import annotations

from django.db import connection
from django.db.models.signals import post_delete, post_save

# PostgreSQL: one statement. Elsewhere (SQLite, a few thousand entries at most)
# the same is worked out in Python, which needs no newer SQLite than Django does.
SQL = """
UPDATE matching_stageentry SET left_at = following.next_at
FROM (
    SELECT id, LEAD(entered_at) OVER (PARTITION BY plan_id ORDER BY entered_at, id) AS next_at
    FROM matching_stageentry {where}
) AS following
WHERE matching_stageentry.id = following.id
  AND matching_stageentry.left_at IS DISTINCT FROM following.next_at
"""


def record_stays(plan_ids=None) -> int:
    """Set ``left_at`` on the entries of these plans (all plans if None); rows changed."""
    if plan_ids is not None:
        plan_ids = [int(pk) for pk in plan_ids]
        if not plan_ids:
            return 0
    if connection.vendor != "postgresql":
        return _record_stays_in_python(plan_ids)
    where, params = "", []
    if plan_ids is not None:
        where, params = "WHERE plan_id = ANY(%s)", [plan_ids]  # one array, any number of plans
    with connection.cursor() as cursor:
        cursor.execute(SQL.format(where=where), params)
        return cursor.rowcount


def _record_stays_in_python(plan_ids) -> int:
    if plan_ids is None:
        return _record_some_stays_in_python(None)
    # SQLite takes at most 32,766 parameters a statement.
    return sum(
        _record_some_stays_in_python(plan_ids[start : start + 10_000])
        for start in range(0, len(plan_ids), 10_000)
    )


def _record_some_stays_in_python(plan_ids) -> int:
    from matching.models import StageEntry

    entries = StageEntry.objects.order_by("plan_id", "entered_at", "pk")
    if plan_ids is not None:
        entries = entries.filter(plan_id__in=plan_ids)
    rows = list(entries.only("pk", "plan_id", "entered_at", "left_at"))
    changed = []
    for i, entry in enumerate(rows):
        following = rows[i + 1] if i + 1 < len(rows) else None
        next_at = following.entered_at if following and following.plan_id == entry.plan_id else None
        if entry.left_at != next_at:
            entry.left_at = next_at
            changed.append(entry)
    StageEntry.objects.bulk_update(changed, ["left_at"], batch_size=500)
    return len(changed)


def _entry_changed(sender, instance, **kwargs):
    record_stays([instance.plan_id])


def _entry_removed(sender, instance, origin=None, **kwargs):
    from matching.models import SupportPlan

    # Entries removed because their plan is being deleted: nothing to put right.
    if isinstance(origin, SupportPlan) or getattr(origin, "model", None) is SupportPlan:
        return
    record_stays([instance.plan_id])


def connect() -> None:
    from matching.models import StageEntry

    post_save.connect(_entry_changed, sender=StageEntry, dispatch_uid="matching.stays.saved")
    post_delete.connect(_entry_removed, sender=StageEntry, dispatch_uid="matching.stays.deleted")
