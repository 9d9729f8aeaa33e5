"""Importing ORUK feeds and the CSV template, exporting the directory, and the round trip."""

import io
import json
import os
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import TestCase

from directory import ownership
from directory.factories import make_listing
from directory.models import ListingLocation, ListingPage, ListingProvenance
from directory.oruk import export, importer
from directory.oruk.schemas import errors_for
from directory.search.records import ListingRecord

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "council_1_0_sample.json"
CSV_TEMPLATE = FIXTURES / "listings_template.csv"


def shared_realdata() -> Path | None:
    """The real council feeds (not shipped in the repo: no licence to redistribute)."""
    for base in (os.environ.get("KITH_SHARED_DIR"), Path(settings.BASE_DIR).parent / "shared"):
        if base and (Path(base) / "oruk" / "realdata").is_dir():
            return Path(base) / "oruk" / "realdata"
    return None


def run(command, *args, **kwargs) -> str:
    out = io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command(command, *args, stdout=out, no_progress=True, **kwargs)
    return out.getvalue()


def test_html_is_turned_into_plain_text():
    text = importer.html_to_text(
        "<h4>For carers&nbsp;in</h4><h4>Stockport.</h4><p><br></p>"
        "<p>Tea &amp; <b>cake</b>.</p><script>alert(1)</script><ul><li>One</li><li>Two</li></ul>"
    )
    assert text == "For carers in\nStockport.\n\nTea & cake.\n\n- One\n- Two"
    assert importer.split_summary(text, "x")[0] == "For carers in Stockport."
    assert importer.html_to_text("") == "" and importer.html_to_text(None) == ""


def test_import_1_0_feed_with_its_mess():
    output = run("import_oruk", str(SAMPLE), source_name="Test Council")
    assert "created 2, updated 0, unchanged 0, skipped 3" in output
    assert "skipped 1: no name" in output
    assert "skipped 1: the same id appears more than once in the feed" in output
    assert "skipped 1: the source marks it defunct" in output

    cafe = ListingPage.objects.get(title="Stockport Carers Cafe").specific
    assert cafe.live and ownership.account_holder(cafe) is None
    assert cafe.summary == "A weekly cafe for unpaid carers in Stockport town centre."
    assert cafe.description == "Tea, cake and advice & a chat."
    assert cafe.website == "https://www.carerscafe.example.org"
    assert cafe.organisation_name == "Stockport Carers Trust"
    assert cafe.last_confirmed == date(2024, 6, 3)
    provenance = cafe.provenance
    assert provenance.source.name == "Test Council" and not provenance.is_verified
    football = ListingPage.objects.get(title="Oldham Walking Football")
    assert football.website == "" and football.contact_email == ""
    assert football.price_notes == "£3 a session"
    assert ListingRecord.objects.filter(listing_id__in=[cafe.pk, football.pk]).count() == 2

    again = run("import_oruk", str(SAMPLE), source_name="Test Council")
    assert "created 0, updated 0, unchanged 2, skipped 3" in again
    assert ListingPage.objects.count() == 2


def test_listing_page_shows_provenance(client):
    run("import_oruk", str(SAMPLE), source_name="Test Council")
    cafe = ListingPage.objects.get(title="Stockport Carers Cafe")
    page = client.get(cafe.url).content.decode()
    assert "listing__source" in page, page[page.find("listing__confirmed") :][:600]
    assert "From Test Council's directory, updated 3 June 2024." in page
    assert "Nobody at Kith or the service has checked these details yet." in page


def test_changed_records_update_unless_claimed(tmp_path, user_factory):
    run("import_oruk", str(SAMPLE), source_name="Test Council")
    feed = json.loads(SAMPLE.read_text())
    feed[0]["description"] = "<p>Now on Fridays.</p>"
    feed[2]["name"] = "Oldham Walking Football Club"
    changed = tmp_path / "feed.json"
    changed.write_text(json.dumps(feed))
    football = ListingPage.objects.get(title="Oldham Walking Football")
    owner = user_factory()
    ownership.set_owner(football, owner)

    output = run("import_oruk", str(changed), source_name="Test Council")
    assert "created 0, updated 1, unchanged 0, skipped 4" in output
    assert "claimed by its owner, so the feed no longer changes it" in output
    assert ListingPage.objects.get(title="Stockport Carers Cafe").summary == "Now on Fridays."
    assert ListingRecord.objects.get(name="Stockport Carers Cafe").summary == "Now on Fridays."
    assert ListingPage.objects.filter(title="Oldham Walking Football").exists()


def test_import_csv_template():
    output = run("import_csv", str(CSV_TEMPLATE), source_name="Stockport Council")
    assert "created 2, updated 0, unchanged 0, skipped 2" in output
    assert "no name" in output and "kind is not one of" in output
    knit = ListingPage.objects.get(title="Reddish Knit and Natter")
    assert knit.kind == "club" and knit.price_unit == "free"
    assert sorted(knit.outcomes.values_list("slug", flat=True)) == [
        "mental-wellbeing",
        "social-inclusion",
    ]
    [place] = ListingLocation.objects.filter(listing=knit)
    assert place.address == "Reddish Library, Gorton Road" and place.postcode == "SK5 6BN"
    pa = ListingPage.objects.get(title="Sam Taylor")
    [home] = ListingLocation.objects.filter(listing=pa)
    assert home.is_home_base and home.address == "" and home.public_postcode == "SK4 4"
    assert "created 0, updated 0, unchanged 2" in run(
        "import_csv", str(CSV_TEMPLATE), source_name="Stockport Council"
    )


def _listing_facts():
    facts = []
    for page in ListingPage.objects.specific().order_by("title"):
        facts.append(
            (
                page.title,
                page.kind,
                page.summary,
                page.description,
                tuple(sorted(page.outcomes.values_list("slug", flat=True))),
                tuple(sorted(page.categories.values_list("slug", flat=True))),
                page.price_amount,
                page.price_unit,
                page.price_notes,
                page.contact_name,
                page.contact_phone,
                page.contact_email,
                page.website,
                getattr(page, "organisation_name", ""),
                page.last_confirmed,
                tuple(
                    (loc.public_postcode, loc.address, loc.is_home_base, loc.name)
                    for loc in page.locations.order_by("sort_order", "pk")
                ),
            )
        )
    return facts


def _make_directory():
    with TestCase.captureOnCommitCallbacks(execute=True):
        make_listing(
            "provider",
            "Grand Central Pools",
            "SK1 3TA",
            summary="Lane swimming and a gym in Stockport town centre.",
            description="Step-free entrance.\n\nHoist at the small pool.",
            outcomes=["physical-health"],
            categories=["swimming", "gym-membership"],
            price="5.50",
            price_unit="session",
            price_notes="Concessions £3",
            last_confirmed=date(2026, 3, 14),
            contact_name="Front desk",
            contact_phone="0161 474 4444",
            contact_email="pools@example.org",
            website="https://pools.example.org/",
            organisation_name="Stockport Leisure Trust",
        )
        make_listing(
            "pa",
            "Amina Hussain",
            "SK4 4NB",
            summary="Experienced PA: shopping, cooking and getting out and about.",
            outcomes=["independent-living"],
            categories=["personal-assistant"],
            price="14.50",
            price_unit="hour",
            last_confirmed=date(2026, 10, 1),
        )
        make_listing(
            "club",
            "Offerton Art Club",
            ["SK2 6PL", "OL8 1AA"],
            summary="A friendly painting and drawing group, Tuesdays.",
            price="0",
            price_unit="free",
            last_confirmed=date(2026, 9, 1),
        )
    ListingLocation.objects.filter(listing__title="Grand Central Pools").update(
        address="Mersey Way, Stockport"
    )


def _empty_directory():
    for page in ListingPage.objects.all():
        page.delete()
    assert not ListingPage.objects.exists()


@pytest.mark.parametrize("fmt", ["oruk", "csv"])
def test_round_trip_gives_the_same_listings(tmp_path, fmt):
    _make_directory()
    before = _listing_facts()
    path = tmp_path / f"directory.{'json' if fmt == 'oruk' else 'csv'}"
    call_command(f"export_{fmt}", str(path), stdout=io.StringIO())
    if fmt == "oruk":
        feed = json.loads(path.read_text())
        assert errors_for("service_list", feed) == []
        for service in feed["contents"]:
            assert errors_for("service", service) == []
        assert "SK4 4NB" not in path.read_text()
    _empty_directory()
    run(f"import_{'oruk' if fmt == 'oruk' else 'csv'}", str(path), source_name="Kith")
    assert _listing_facts() == before


@pytest.mark.skipif(shared_realdata() is None, reason="the real council feeds are not here")
@pytest.mark.parametrize(
    "name, created, skipped",
    [
        ("bristol_council_services.json", 817, {"no name": 1, "the same id appears": 1}),
        ("north_lincolnshire_council_services.json", 738, {}),
    ],
)
def test_real_council_feeds(name, created, skipped):
    feed = shared_realdata() / name
    output = run("import_oruk", str(feed), source_name="A council")
    assert f"created {created:,}, updated 0, unchanged 0" in output
    assert f"skipped {sum(skipped.values())}." in output
    for reason, count in skipped.items():
        assert f"skipped {count}: {reason}" in output
    assert ListingProvenance.objects.count() == created
    assert not ListingPage.objects.filter(title__contains="<").exists()
    assert not ListingPage.objects.filter(description__contains="<p>").exists()
    again = run("import_oruk", str(feed), source_name="A council")
    assert f"created 0, updated 0, unchanged {created:,}" in again
    out = io.StringIO()
    export.write_oruk(out)
    exported = json.loads(out.getvalue())
    assert exported["total_items"] == created
    for service in exported["contents"]:
        assert errors_for("service", service) == [], service["name"]
