"""The evidence demo gives the reports something to show, and loads once."""

from datetime import date

import pytest

from directory.models import SearchLog
from evidence import demo, reports
from evidence.areas import GREATER_MANCHESTER
from matching.models import SupportPlan

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)


def test_a_small_demo_year_fills_every_report_and_loads_once():
    result = demo.load(people=120, anonymous_searches=3000, searches_per_person=10, today=TODAY)
    assert result.people == 120 and result.plans == 120
    assert result.searches == 120 * 10 + 3000
    assert SearchLog.objects.filter(origin_outward__in=GREATER_MANCHESTER).count() == 4200
    assert result.stage_entries > 120 and result.ledger_entries > 0 and result.reviews > 0
    scope = reports.Scope(date(2025, 12, 1), TODAY, tuple(GREATER_MANCHESTER))
    needs = [need.sentence() for need in reports.top_unmet_needs(scope)]
    assert needs, "the demo's scarce needs show up as unmet"
    for build in reports.ALL_TABLES.values():
        build(scope)
    assert demo.load(people=120, today=TODAY).people == 0  # already there
    assert SupportPlan.objects.count() == 120
