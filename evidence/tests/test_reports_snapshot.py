"""Every report on the generated demo year gives exactly the figures it gave before
the reports were made fast (issue 13): counts, totals, means, medians, 90th
percentiles and which cells are suppressed, for Greater Manchester and for
Oldham, on SQLite and on PostgreSQL alike.

``data/reports_snapshot.json`` was written from the reports as they were
before the speed-up (``KITH_WRITE_REPORTS_SNAPSHOT=1`` writes it again; do
that only when a report is meant to change, and say so in the commit).
"""

import json
import os
from datetime import date
from pathlib import Path

import pytest

from evidence import demo, reports
from evidence.areas import GREATER_MANCHESTER, LOCAL_AUTHORITIES

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)
A_YEAR_AGO = date(2025, 12, 1)
SNAPSHOT = Path(__file__).parent / "data" / "reports_snapshot.json"
SCOPES = {
    "Greater Manchester, a year": reports.Scope(A_YEAR_AGO, TODAY, tuple(GREATER_MANCHESTER)),
    "Oldham, a year": reports.Scope(A_YEAR_AGO, TODAY, tuple(LOCAL_AUTHORITIES["Oldham"])),
    "Everywhere, a quarter": reports.Scope(date(2026, 4, 1), date(2026, 6, 30), None),
}


def _value(value):
    """Raw figures to 6 decimal places: SQL and Python arithmetic may differ further down."""
    return round(float(value), 6) if isinstance(value, (int, float)) else value


def _figures(table) -> dict:
    return {
        "note": table.note,
        "shown": table.display_rows(),
        "raw": [
            [row.label, *([_value(c.value), c.status, c.base] for c in row.cells)]
            for row in table.rows
        ],
    }


def _all_reports() -> dict:
    result = {}
    for name, scope in SCOPES.items():
        figures = {key: _figures(build(scope)) for key, build in reports.ALL_TABLES.items()}
        # The plans page as the view builds it (spend from one pass) gives the same tables.
        page_tables = [_figures(table) for table in reports.pilot_page(scope)]
        assert page_tables == [figures[key] for key in reports.PILOT_TABLES]
        page = reports.demand_page(scope)
        figures["demand page"] = {
            "by_district": _figures(page["by_district"]),
            "needs": [need.sentence() for need in page["needs"]],
            "tables": [_figures(table) for table in page["tables"]],
        }
        result[name] = figures
    return result


def test_every_report_on_the_demo_year_gives_the_figures_it_gave_before():
    demo.load(people=300, anonymous_searches=4000, searches_per_person=10, today=TODAY)
    found = json.loads(json.dumps(_all_reports()))  # tuples as lists, as in the file
    if os.environ.get("KITH_WRITE_REPORTS_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    for scope in expected:
        for key in expected[scope]:
            assert found[scope][key] == expected[scope][key], (scope, key)
    assert found == expected


@pytest.mark.django_db(transaction=True)
def test_the_plans_page_built_side_by_side_gives_the_same_tables():
    """Committed data, so on PostgreSQL the spend pass and the other tables run in
    two threads on two connections (``stats.side_by_side``): same figures."""
    demo.load(people=300, anonymous_searches=4000, searches_per_person=10, today=TODAY)
    expected = json.loads(SNAPSHOT.read_text())
    for name, scope in SCOPES.items():
        page = json.loads(json.dumps([_figures(table) for table in reports.pilot_page(scope)]))
        assert page == [expected[name][key] for key in reports.PILOT_TABLES], name
