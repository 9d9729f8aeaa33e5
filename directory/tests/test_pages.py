"""The public directory pages: searching from a postcode, and each kind of listing page.

Listings are published for real (publishing writes the search records after
commit), so these tests run in transactions; ``serialized_rollback`` puts
back the vocabularies and the directory page that migrations seed, which a
transactional test would otherwise flush away.
"""

import re
from datetime import date
from decimal import Decimal

import pytest

from directory import views
from directory.factories import make_listing
from directory.models import SearchLog
from directory.templatetags.directory_tags import (
    format_price,
    km_as_miles,
    last_confirmed,
    miles_away,
    places_left,
)

pages = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SEARCH = "/directory/"


@pytest.fixture
def stockport():
    """Listings around Stockport town centre (SK1 3XE), plus one in Wigan, 22 miles away."""
    return {
        "pool": make_listing(
            "provider",
            "Grand Central Pools",
            "SK1 3TA",
            summary="Lane swimming and aquafit, with a pool hoist and quiet sessions.",
            outcomes=["physical-health"],
            categories=["swimming"],
            price="4.50",
            price_unit="session",
            places_available=12,
            last_confirmed=date(2026, 3, 3),
        ),
        "pa": make_listing(
            "pa",
            "Joanne Whitfield",
            "SK4 4NB",
            summary="Experienced PA in Heaton Moor: gym buddy, shopping and cooking.",
            outcomes=["physical-health", "independent-living"],
            categories=["personal-assistant"],
            price="13.50",
            price_unit="hour",
            places_available=2,
            service_radius_km=Decimal("8"),
        ),
        "gym": make_listing(
            "provider",
            "Hazel Grove Leisure Gym",
            "SK7 4AA",
            summary="Gym membership with inductions for people new to exercise.",
            outcomes=["physical-health"],
            categories=["gym-membership"],
            price="25.00",
            price_unit="month",
            places_available=0,
        ),
        "walking": make_listing(
            "club",
            "Reddish Vale Walking Group",
            "SK5 6BD",
            summary="Gentle two-mile walks every Wednesday, then a brew in the café.",
            outcomes=["physical-health", "social-inclusion"],
            categories=["sports-activities"],
            price_unit="free",
            price="0",
        ),
        "art": make_listing(
            "club",
            "Edgeley Art Group",
            "SK3 0AX",
            summary="Painting and drawing for adults; materials provided.",
            outcomes=["mental-wellbeing"],
            categories=["arts"],
            price="3",
            price_unit="session",
        ),
        "wigan": make_listing(
            "provider",
            "Wigan Life Centre Pool",
            "WN1 1BA",
            summary="Swimming lessons for adults.",
            outcomes=["physical-health"],
            categories=["swimming"],
            price="5.20",
            price_unit="session",
        ),
    }


def html_of(response) -> str:
    return response.content.decode()


def names_in_order(html: str) -> list[str]:
    return re.findall(r'class="result-card__title"><a href="[^"]+">([^<]+)</a>', html)


# ------------------------------------------------------------------ searching


@pages
def test_postcode_and_outcome_find_the_nearest_fitness_options_with_miles_price_and_places(
    client, stockport
):
    response = client.get(SEARCH, {"postcode": "SK1 3XE", "outcome": "physical-health"})

    assert response.status_code == 200
    html = html_of(response)
    assert "4 results within 10 miles of SK1 3XE" in html
    assert names_in_order(html) == [
        "Grand Central Pools",
        "Joanne Whitfield",
        "Hazel Grove Leisure Gym",
        "Reddish Vale Walking Group",
    ]
    for text in (
        "Under 0.1 miles away",
        "1.7 miles away",
        "£4.50 a session",
        "£13.50 an hour",
        "£25 a month",
        "Free",
        "12 places left",
        "2 places left",
        "Full",
        "Last confirmed 3 March 2026",
        "Not confirmed yet",
        "Personal assistant",
        "Physical health and fitness",
        "Being part of community life",
    ):
        assert text in html, text
    assert "Edgeley Art Group" not in html  # another outcome
    assert 'href="/directory/joanne-whitfield/"' in html


@pages
def test_default_radius_of_ten_miles_leaves_out_a_listing_twenty_miles_away(client, stockport):
    nearby = html_of(client.get(SEARCH, {"postcode": "SK1 3XE"}))
    assert "5 results within 10 miles of SK1 3XE" in nearby
    assert "Wigan Life Centre Pool" not in nearby

    wider = html_of(client.get(SEARCH, {"postcode": "SK1 3XE", "miles": "25"}))
    assert "Wigan Life Centre Pool" in wider
    assert "22.0 miles away" in wider


@pages
def test_outward_code_kind_category_and_keywords_narrow_the_search(client, stockport):
    by_kind = html_of(client.get(SEARCH, {"postcode": "SK1", "kind": "club"}))
    assert names_in_order(by_kind) == ["Edgeley Art Group", "Reddish Vale Walking Group"]

    by_category = html_of(client.get(SEARCH, {"postcode": "SK1 3XE", "category": "swimming"}))
    assert names_in_order(by_category) == ["Grand Central Pools"]

    by_words = html_of(client.get(SEARCH, {"q": "aquafit"}))
    assert "1 result for ‘aquafit’" in by_words
    assert names_in_order(by_words) == ["Grand Central Pools"]


@pages
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("SK1 3X", "is not a UK postcode"),
        ("ZZ9 9ZZ", "We could not find the postcode"),
        ("BT1 1AA", "not Northern Ireland"),
    ],
)
def test_a_bad_postcode_is_explained_in_the_error_summary_and_next_to_the_field(
    client, stockport, typed, message
):
    response = client.get(SEARCH, {"postcode": typed, "outcome": "physical-health"})

    assert response.status_code == 200
    html = html_of(response)
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#id_postcode"' in summary
    assert message in summary
    field = html.split('id="id_postcode_error"')[1].split("</span>\n")[0]
    assert message in field
    assert "<title>Error: " in html
    # The distance the search would have used is still the one chosen.
    assert '<option value="10" selected>' in html
    assert 'id="results-heading"' not in html
    assert not SearchLog.objects.exists()


@pages
def test_no_criteria_shows_the_form_and_an_introduction_without_searching(client, stockport):
    for params in ({}, {"miles": "25"}):
        response = client.get(SEARCH, params)
        html = html_of(response)
        assert response.status_code == 200
        assert "Enter your postcode to see what is nearby" in html
        assert 'id="results-heading"' not in html
        assert "error-summary" not in html
    assert not SearchLog.objects.exists()


@pages
def test_a_search_is_logged_with_only_the_outward_code(client, stockport):
    client.get(SEARCH, {"postcode": "SK4 4NB", "outcome": "physical-health", "miles": "5"})

    log = SearchLog.objects.get()
    assert log.source == "web"
    assert log.origin_outward == "SK4"
    assert log.outcomes == "physical-health"
    assert log.result_count == 4
    assert log.radius_km == pytest.approx(8.047, abs=0.01)


@pages
def test_no_results_says_so_and_offers_a_wider_radius_and_dropping_filters(client, stockport):
    response = client.get(SEARCH, {"postcode": "SK1 3XE", "miles": "1", "outcome": "carer-break"})

    html = html_of(response)
    assert "No results within 1 mile of SK1 3XE" in html
    assert "Nothing in the directory matches this search yet." in html
    wider = re.search(r'<a href="([^"]+)">search again within 3 miles</a>', html)
    assert wider
    assert "miles=3" in wider.group(1) and "outcome=carer-break" in wider.group(1)
    without = re.search(r'<a href="([^"]+)">search again without the filters', html)
    assert without
    assert "outcome" not in without.group(1) and "postcode=SK1" in without.group(1)
    # Nothing to draw, so no map code is loaded.
    assert "leaflet.js" not in html
    assert SearchLog.objects.get().result_count == 0


@pages
def test_results_are_paged_and_page_links_keep_the_search(client, stockport, monkeypatch):
    monkeypatch.setattr(views, "RESULTS_PER_PAGE", 2)
    params = {"postcode": "SK1 3XE", "outcome": "physical-health"}

    first = html_of(client.get(SEARCH, params))
    assert "Page 1 of 2" in first
    assert names_in_order(first) == ["Grand Central Pools", "Joanne Whitfield"]
    next_url = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert "postcode=SK1" in next_url and "outcome=physical-health" in next_url
    assert 'rel="prev"' not in first

    second = html_of(client.get(next_url))
    assert "Page 2 of 2" in second
    assert names_in_order(second) == ["Hazel Grove Leisure Gym", "Reddish Vale Walking Group"]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert '<ol class="card-list results-list" start="3">' in second

    for page in ("9", "99999999999999999999999", "two"):
        response = client.get(SEARCH, {**params, "page": page})
        assert response.status_code == 200
        assert ("Page 1 of 2" if page == "two" else "Page 2 of 2") in html_of(response)
    # Paging is the same search: logged once (and again for the "two" that read as page 1).
    assert SearchLog.objects.count() == 2


@pages
def test_the_results_list_is_plain_html_and_the_map_is_hidden_until_javascript_runs(
    client, stockport
):
    html = html_of(client.get(SEARCH, {"postcode": "SK1 3XE", "outcome": "physical-health"}))

    assert "Grand Central Pools" in html.split('id="results-layout"')[1]
    assert '<div class="results-map" id="results-map-wrapper" hidden>' in html
    assert 'id="results-map-data"' in html
    assert "/static/leaflet/leaflet.js" in html
    assert "/static/directory/results_map.js" in html
    # The PA's full postcode is in neither the list nor the map data.
    assert "SK4 4NB" not in html


@pages
def test_text_people_type_is_shown_as_text_not_run_as_code(client, stockport):
    listing = make_listing(
        "club",
        "Heaton Chapel <b>Chess</b> Club",
        "SK4 5AA",
        summary="<script>alert('hi')</script> Chess on Tuesdays.",
        description="Bring a board.\n<img src=x onerror=alert(1)>",
        outcomes=["social-inclusion"],
    )

    results = html_of(client.get(SEARCH, {"q": "chess"}))
    assert "<script>alert" not in results
    assert "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt;" in results
    assert "<b>Chess</b>" not in results
    assert "\\u003Cb\\u003EChess" in results  # the map data is JSON, escaped too

    detail = html_of(client.get(listing.url))
    assert "<script>alert" not in detail
    assert "<img src=x" not in detail
    assert "&lt;img src=x onerror=alert(1)&gt;" in detail


# -------------------------------------------------------------- listing pages


@pages
def test_a_pa_page_shows_skills_hours_and_verified_checks_but_never_the_full_postcode(client):
    pa = make_listing(
        "pa",
        "Joanne Whitfield",
        "SK4 4NB",
        summary="Experienced PA in Heaton Moor.",
        description="I have supported people for eight years.",
        outcomes=["independent-living"],
        price="13.50",
        price_unit="hour",
        places_available=1,
        capacity=3,
        service_radius_km=Decimal("8"),
        skills="Personal care, cooking, driving to appointments.",
        experience="Eight years with adults with learning disabilities.",
        hours_wanted_min=2,
        hours_wanted_max=10,
        drives=True,
        dbs_level="enhanced",
        dbs_verified_on=date(2026, 1, 12),
        last_confirmed=date(2026, 3, 3),
    )

    response = client.get(pa.url)

    assert response.status_code == 200
    html = html_of(response)
    assert "SK4 4NB" not in html
    assert "SK4 4" in html
    assert "Up to 5 miles from there" in html
    for text in (
        "Personal assistant",
        "Joanne Whitfield",
        "£13.50 an hour",
        "1 place left (out of 3)",
        "Personal care, cooking, driving to appointments.",
        "Eight years with adults with learning disabilities.",
        "Between 2 and 10 hours a week",
        "Happy to work just a few hours",
        "Enhanced",
        "Verified by Kith on 12 January 2026",
        "Not yet verified",  # insurance and references
        "Last confirmed 3 March 2026",
        "Managing home and daily life",
        f'href="/directory/my-listings/claim/{pa.pk}/"',  # "Is this you? Manage this listing"
    ):
        assert text in html, text


@pages
def test_a_pa_who_wants_many_hours_is_not_shown_as_happy_with_a_few(client):
    pa = make_listing("pa", "Marek Nowak", "M19 3HL", hours_wanted_min=20, hours_wanted_max=37)

    html = html_of(client.get(pa.url))
    assert "Between 20 and 37 hours a week" in html
    assert "Happy to work just a few hours" not in html
    assert "No DBS check yet" in html
    assert "M19 3HL" not in html


@pages
def test_a_provider_page_shows_the_address_postcode_and_cqc_registration(client):
    provider = make_listing(
        "provider",
        "Stockport Home Support",
        "SK1 3TA",
        price="24.00",
        price_unit="hour",
        price_notes="Evenings and weekends £27.00 an hour.",
        cqc_registered=True,
        cqc_location_id="1-123456789",
        charity_number="1100123",
        offers_backup_cover=True,
        contact_phone="0161 480 0000",
        contact_email="hello@stockporthomesupport.example",
    )

    html = html_of(client.get(provider.url))
    for text in (
        "Provider",
        "SK1 3TA",
        "£24 an hour",
        "Evenings and weekends £27.00 an hour.",
        "https://www.cqc.org.uk/location/1-123456789",
        "1100123",
        "Back-up or emergency cover",
        "Offered",
        'href="tel:01614800000"',
        "mailto:hello@stockporthomesupport.example",
    ):
        assert text in html, text


@pages
def test_a_club_page_says_who_it_is_for_and_that_volunteers_run_it(client):
    club = make_listing(
        "club",
        "Reddish Vale Walking Group",
        "SK5 6BD",
        price_unit="free",
        who_for="Adults of any fitness; dogs welcome.",
        run_by_volunteers=True,
        availability="Wednesdays 10am from the visitor centre.",
    )

    html = html_of(client.get(club.url))
    for text in (
        "Club or group",
        "Free",
        "Adults of any fitness; dogs welcome.",
        "Volunteers",
        "Wednesdays 10am from the visitor centre.",
        "SK5 6BD",
    ):
        assert text in html, text


@pages
def test_a_user_led_organisation_page_shows_peer_brokerage_support_and_referrals(client):
    ulo = make_listing(
        "ulo",
        "Disability Stockport",
        "SK1 3TA",
        categories=["peer-brokerage", "peer-support"],
        led_by="Disabled people living in Stockport",
        offers_peer_brokerage=True,
        peer_brokerage_details="A peer broker helps you write and cost your support plan.",
        offers_peer_support=True,
        peer_support_details="Drop-in every Thursday afternoon.",
        accepts_referrals=True,
    )

    html = html_of(client.get(ulo.url))
    for text in (
        "User-led organisation",
        "Disabled people living in Stockport",
        "A peer broker helps you write and cost your support plan.",
        "Drop-in every Thursday afternoon.",
        "Takes referrals through Kith",
        "Peer brokerage",
    ):
        assert text in html, text


@pages
def test_a_peer_group_page_shows_who_it_is_for_facilitation_and_online_meetings(client):
    group = make_listing(
        "peer_group",
        "Stockport Hearing Voices Group",
        "SK3 0AX",
        outcomes=["recovery"],
        who_for="Anyone who hears voices or has unusual experiences.",
        facilitated_by="Two peer facilitators trained by the Hearing Voices Network.",
        meets_online=True,
    )

    html = html_of(client.get(group.url))
    for text in (
        "Peer support group",
        "Anyone who hears voices or has unusual experiences.",
        "Two peer facilitators trained by the Hearing Voices Network.",
        "Also meets online",
        "Recovery from mental ill health",
        "Ask for price",
        "Not confirmed yet",
    ):
        assert text in html, text


# ------------------------------------------------------------ words for things


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        (Decimal("13.50"), "hour", "£13.50 an hour"),
        (Decimal("4.50"), "session", "£4.50 a session"),
        (Decimal("30.00"), "day", "£30 a day"),
        (Decimal("350"), "one-off", "£350 one-off"),
        (Decimal("1250"), "year", "£1,250 a year"),
        (None, "free", "Free"),
        (Decimal("0"), "", "Free"),
        (None, "", "Ask for price"),
        (Decimal("8"), "", "£8"),
    ],
)
def test_prices_read_as_people_say_them(amount, unit, expected):
    assert format_price(amount, unit) == expected


def test_distances_places_and_dates_read_as_people_say_them():
    assert miles_away(2.9) == "1.8 miles away"
    assert miles_away(0.0) == "Under 0.1 miles away"
    assert km_as_miles(Decimal("8")) == "5 miles"
    assert km_as_miles(5) == "3.1 miles"
    assert km_as_miles(1.609344) == "1 mile"
    assert places_left(None) == ""
    assert places_left(0) == "Full"
    assert places_left(1) == "1 place left"
    assert places_left(4) == "4 places left"
    assert last_confirmed("2026-03-03") == "Last confirmed 3 March 2026"
    assert last_confirmed(date(2026, 3, 3)) == "Last confirmed 3 March 2026"
    assert last_confirmed(None) == "Not confirmed yet"
