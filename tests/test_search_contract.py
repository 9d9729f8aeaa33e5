"""One contract, two search backends (shared/DESIGN.md, Search).

Every case runs against the database backend and against Elasticsearch, and
checks each backend's answer against the expected listings, not merely that
the two agree. The Elasticsearch run skips without ELASTICSEARCH_URL (and
fails in CI, where KITH_REQUIRE_SERVICES=1); it uses an index of its own,
dropped at the end.

The directory below (25 live listings around Stockport and Manchester, plus a
draft) is published once for the module, which keeps the suite fast; cases
that publish, edit or delete listings make their own and roll back.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.test import override_settings

from conftest import require_service
from directory import elasticsearch, geo
from directory.models import ListingPage
from directory.search import ListingQuery, database_backend
from directory.search.records import ListingRecord

pytestmark = [pytest.mark.django_db, pytest.mark.services]

ORIGIN = "SK1 3TA"  # Stockport town centre


@dataclass(frozen=True)
class Spec:
    """A listing to publish with ``make_listing``."""

    kind: str
    name: str
    postcodes: tuple[str, ...]
    outcomes: tuple[str, ...]
    categories: tuple[str, ...]
    summary: str
    extra: dict

    def publish(self):
        from directory.factories import make_listing

        return make_listing(
            self.kind,
            self.name,
            list(self.postcodes),
            outcomes=self.outcomes,
            categories=self.categories,
            summary=self.summary,
            **self.extra,
        )


def spec(kind, name, postcodes, outcomes, categories, summary, **extra) -> Spec:
    return Spec(kind, name, tuple(postcodes), tuple(outcomes), tuple(categories), summary, extra)


FREE = {"price": "0", "price_unit": "free"}

# fmt: off
LISTINGS = [
    spec("provider", "Stockport Swimming Club", ["SK1 3TA"], ["physical-health"], ["swimming"],
         "Adult swimming sessions with a poolside hoist and changing places toilet.",
         price="4.50", price_unit="session", places_available=6),
    spec("provider", "Edgeley Park Gym", ["SK3 0AA"], ["physical-health"], ["gym-membership"],
         "A friendly gym with instructors who know about long-term conditions.",
         price="25.00", price_unit="month"),
    spec("club", "Heaton Moor Yoga", ["SK4 4NB"], ["physical-health", "mental-wellbeing"],
         ["wellness"], "Chair-based and mat classes for every body, Tuesdays and Saturdays.",
         price="6.00", price_unit="session", places_available=4),
    spec("provider", "Reddish Wellbeing Centre", ["SK5 6AA"], ["mental-wellbeing"],
         ["wellness", "arts"], "Drop-in therapies and creative groups.",
         description="Painting classes, gentle yoga and a quiet room you can book.",
         price="5.00", price_unit="session"),
    spec("pa", "Priya Sharma", ["SK4 4NB"], ["independent-living"], ["personal-assistant"],
         "Experienced PA: personal care, cooking and getting out and about.",
         languages=["en", "ur", "pa"], offers_backup_cover=True, price="14.50",
         price_unit="hour"),
    spec("pa", "Tom Hughes", ["SK2 6PL"], ["independent-living"], ["personal-assistant"],
         "PA with a full driving licence; evenings and weekends.",
         languages=["en"], price="13.75", price_unit="hour"),
    spec("pa", "Aisha Khan", ["M19 3AA"], ["independent-living", "social-inclusion"],
         ["personal-assistant"], "Supports people to go to college, the mosque and social events.",
         languages=["en", "ur"], offers_backup_cover=True, price="15.00", price_unit="hour"),
    spec("club", "Bramhall Walking Group", ["SK7 5AA"], ["physical-health", "social-inclusion"],
         ["sports-activities"], "Gentle five-mile walks every Sunday, finishing at a cafe.",
         **FREE),
    spec("club", "Cheadle Art Studio", ["SK8 1AA"], ["mental-wellbeing", "confidence"], ["arts"],
         "Painting and pottery for adults in a small, calm studio.",
         price="8.00", price_unit="session", places_available=2),
    spec("peer_group", "Stockport Peer Support Network", ["SK1 1AA"], ["recovery", "staying-well"],
         ["peer-support"], "Meet people who have been there: weekly groups run by members.",
         **FREE),
    spec("ulo", "Disability Stockport", ["SK1 3TA"], ["social-inclusion", "independent-living"],
         ["peer-brokerage", "advocacy", "support-planning"],
         "Run by disabled people: advocacy, peer brokerage and help with your support plan."),
    spec("club", "Manchester Central Library Computing Club", ["M1 1AE"], ["skills-and-learning"],
         ["computing"], "Learn to use a tablet, email and video calls at your own pace.", **FREE),
    spec("club", "Didsbury Gardening Project", ["M20 2RN"], ["mental-wellbeing", "giving-back"],
         ["gardening"], "Grow vegetables together on a community plot; tools provided.",
         price="3.00", price_unit="session"),
    spec("provider", "Fallowfield Music Workshop", ["M14 5TQ"], ["mental-wellbeing", "confidence"],
         ["music"], "Drumming, singing and song-writing groups, no experience needed.",
         price="10.00", price_unit="session"),
    spec("club", "Ashton Fishing Club", ["OL6 7SR"], ["mental-wellbeing"], ["fishing"],
         "Coarse fishing on accessible pegs, with tackle to borrow.",
         price="30.00", price_unit="year"),
    spec("provider", "Bolton Driving School", ["BL1 1RU"], ["confidence", "getting-around"],
         ["driving-lessons"], "Driving lessons in adapted cars with patient instructors.",
         price="32.00", price_unit="hour"),
    spec("provider", "Altrincham Leisure Centre", ["WA14 1EP"], ["physical-health"],
         ["swimming", "gym-membership"],
         "Pool, gym and classes with a quiet hour on weekday mornings.",
         price="5.20", price_unit="session"),
    spec("club", "Chorlton Cycling Club", ["M21 9AA"], ["physical-health", "getting-around"],
         ["cycling"], "Adapted bikes and trikes for all abilities, on traffic-free paths.",
         **FREE),
    spec("provider", "Hyde Respite Breaks", ["SK14 1AA"], ["carer-break"],
         ["respite", "holiday-short-break"],
         "Short stays so that family carers can take a proper break.",
         price="120.00", price_unit="day", places_available=3),
    spec("provider", "Denton Day Trips", ["M34 2AA"],
         ["social-inclusion", "family-and-relationships"], ["days-out"],
         "Accessible minibus trips to the coast and the Peak District.",
         price="35.00", price_unit="day"),
    spec("provider", "Marple Home Help", ["SK6 1AA"], ["independent-living"],
         ["domestic-help", "home-improvements"],
         "Cleaning, small repairs and help around the home.", price="18.00", price_unit="hour"),
    spec("provider", "Greater Manchester Support Workers", ["M1 1AE", "SK8 1AA"],
         ["independent-living", "staying-well"], ["support-worker"],
         "Support workers for everyday tasks, from two offices.",
         offers_backup_cover=True, price="21.00", price_unit="hour"),
    spec("provider", "Wigan Swimming Lessons", ["WN1 1AA"], ["physical-health"], ["swimming"],
         "One-to-one lessons for nervous adult swimmers.", price="12.00", price_unit="session"),
    spec("peer_group", "Levenshulme Urdu Conversation Group", ["M19 3AA"], ["social-inclusion"],
         ["social-activities-support"],
         "Tea and conversation for older women, in Urdu and English.",
         languages=["ur", "en"], **FREE),
    spec("provider", "Macclesfield Recovery College", ["SK10 1AA"],
         ["recovery", "skills-and-learning"], ["education-courses"],
         "Free courses about recovery, co-produced with people with lived experience.", **FREE),
]
DRAFT = spec("provider", "Poynton Swimming Lessons (draft)", ["SK12 1AA"], ["physical-health"],
             ["swimming"], "Not approved yet.", publish=False)
# fmt: on
LISTINGS_BY_NAME = {listing.name: listing for listing in LISTINGS}

INDEX_PREFIX = f"kith-test-{uuid.uuid4().hex[:12]}"


@dataclass
class Directory:
    """The published listings: ids by name, and where each listing is."""

    ids: dict[str, int]
    points: dict[str, list[tuple[float, float]]]
    es_problem: str | None  # why Elasticsearch cannot be used, if it cannot
    es_url: str  # "" when it cannot

    def name_of(self, listing_id: int) -> str:
        return next(name for name, pk in self.ids.items() if pk == listing_id)

    def distance_km(self, name: str, origin: str = ORIGIN) -> float:
        here = geo.locate(origin).point
        return min(geo.distance_km(here, point) for point in self.points[name])

    def nearest_first(self, origin: str, radius_km: float) -> list[int]:
        """The contract's order with a postcode and no text: distance, then id."""
        within = [
            (self.distance_km(name, origin), pk)
            for name, pk in self.ids.items()
            if self.distance_km(name, origin) <= radius_km
        ]
        return [pk for _, pk in sorted(within)]


@pytest.fixture(scope="module")
def directory(django_db_setup, django_db_blocker):
    """Publish the listings once (indexing as publishing does), then remove them all."""
    es_url = os.environ.get("ELASTICSEARCH_URL", "")
    overrides = override_settings(ELASTICSEARCH_URL=es_url, ELASTICSEARCH_INDEX_PREFIX=INDEX_PREFIX)
    overrides.enable()
    elasticsearch.get_client.cache_clear()
    es_problem = None if es_url else "ELASTICSEARCH_URL is not set"
    if es_url and (reason := elasticsearch.unreachable_reason()):
        es_problem = f"Elasticsearch at {es_url} cannot be reached ({reason})"
        overrides.disable()
        overrides = override_settings(ELASTICSEARCH_URL="", ELASTICSEARCH_INDEX_PREFIX=INDEX_PREFIX)
        overrides.enable()
    from directory.search import elastic

    try:
        with django_db_blocker.unblock():
            if es_problem is None:
                elastic.recreate_index()
            pages = [listing.publish() for listing in LISTINGS]
            DRAFT.publish()
            points = {
                page.title: [(loc.lat, loc.lng) for loc in page.locations.all()] for page in pages
            }
        yield Directory(
            ids={page.title: page.pk for page in pages},
            points=points,
            es_problem=es_problem,
            es_url="" if es_problem else es_url,
        )
    finally:
        with django_db_blocker.unblock():
            for page in ListingPage.objects.filter(
                title__in=[listing.name for listing in [*LISTINGS, DRAFT]]
            ):
                page.delete()
            ListingRecord.objects.all().delete()
            if es_problem is None:
                elastic.delete_index()
        overrides.disable()
        elasticsearch.get_client.cache_clear()


@pytest.fixture(autouse=True)
def _module_index(directory, settings):
    """Search this module's index, even if a wider fixture gave each test its own."""
    settings.ELASTICSEARCH_URL = directory.es_url
    settings.ELASTICSEARCH_INDEX_PREFIX = INDEX_PREFIX


@pytest.fixture(params=["database", "elasticsearch"])
def backend(request, directory):
    if request.param == "database":
        return database_backend()
    require_service("ELASTICSEARCH_URL", "Elasticsearch")
    if directory.es_problem:
        pytest.fail(directory.es_problem)
    from directory.search.elastic import ElasticsearchBackend

    return ElasticsearchBackend()


def near(postcode: str) -> tuple[float, float]:
    return geo.locate(postcode).point


def names(page) -> set[str]:
    return {result.name for result in page.results}


def everything(backend, **query):
    """All matches on one page (the directory is smaller than MAX_PAGE_SIZE)."""
    page = backend.search(ListingQuery(page_size=100, **query))
    assert page.backend == backend.name
    return page


@pytest.fixture
def publish(directory, django_capture_on_commit_callbacks):
    """Publish, edit or remove listings inside a test, indexing as a moderator's approval does.

    Search is updated after commit, so the callbacks run here; nothing else
    is needed for the change to be searchable at once. Whatever the test
    published is removed from Elasticsearch afterwards (the database side
    rolls back on its own).
    """
    made = []

    class Publisher:
        def __call__(self, action, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return action(*args, **kwargs)

        def listing(self, listing: Spec):
            page = self(listing.publish)
            made.append(page.pk)
            return page

    yield Publisher()
    if directory.es_problem is None and made:
        from directory.search import elastic

        elastic.delete_documents(made)


# Filters


def test_outcome_filter_returns_only_listings_with_that_outcome(backend):
    page = everything(backend, outcomes=("recovery",))
    assert names(page) == {"Stockport Peer Support Network", "Macclesfield Recovery College"}
    assert page.count == 2
    assert all("recovery" in result.outcomes for result in page.results)


def test_category_filter_returns_only_listings_in_that_category(backend):
    page = everything(backend, categories=("swimming",))
    assert names(page) == {
        "Stockport Swimming Club",
        "Altrincham Leisure Centre",
        "Wigan Swimming Lessons",
    }
    assert page.count == 3


def test_kind_filter_returns_only_that_kind(backend):
    page = everything(backend, kinds=("pa",))
    assert names(page) == {"Priya Sharma", "Tom Hughes", "Aisha Khan"}
    assert {result.kind for result in page.results} == {"pa"}


def test_filters_are_or_within_a_list_and_and_across_lists(backend):
    either = everything(backend, outcomes=("recovery", "carer-break"))
    assert names(either) == {
        "Stockport Peer Support Network",
        "Macclesfield Recovery College",
        "Hyde Respite Breaks",
    }
    both = everything(
        backend, outcomes=("physical-health",), categories=("swimming", "cycling"), kinds=("club",)
    )
    assert names(both) == {"Chorlton Cycling Club"}
    assert names(everything(backend, outcomes=("carer-break",), kinds=("pa",))) == set()


def test_language_filter_matches_any_of_the_languages(backend):
    assert names(everything(backend, languages=("ur",))) == {
        "Priya Sharma",
        "Aisha Khan",
        "Levenshulme Urdu Conversation Group",
    }
    assert names(everything(backend, languages=("pa", "bsl"))) == {"Priya Sharma"}


def test_backup_cover_filter_returns_only_listings_offering_it(backend):
    assert names(everything(backend, backup_cover=True)) == {
        "Priya Sharma",
        "Aisha Khan",
        "Greater Manchester Support Workers",
    }
    assert names(everything(backend, backup_cover=True, kinds=("pa",), languages=("ur",))) == {
        "Priya Sharma",
        "Aisha Khan",
    }


def test_excluded_listings_are_left_out(backend, directory):
    page = everything(
        backend,
        kinds=("pa",),
        exclude_ids=(directory.ids["Tom Hughes"], directory.ids["Aisha Khan"]),
    )
    assert names(page) == {"Priya Sharma"}
    assert page.count == 1


def test_drafts_are_never_found(backend):
    assert "Poynton Swimming Lessons (draft)" not in names(everything(backend, text="swimming"))
    assert everything(backend).count == len(LISTINGS)


# Distance


def test_radius_excludes_listings_beyond_it_and_every_result_has_its_distance(backend, directory):
    page = everything(backend, origin=near(ORIGIN), radius_km=16)
    expected = {name for name in directory.ids if directory.distance_km(name) <= 16}
    assert names(page) == expected
    assert page.count == len(expected)
    # Just beyond 16 km, and well beyond: Macclesfield (16.2 km), Bolton, Wigan.
    assert not names(page) & {
        "Macclesfield Recovery College",
        "Bolton Driving School",
        "Wigan Swimming Lessons",
    }
    for result in page.results:
        assert result.distance_km is not None
        assert result.distance_km <= 16
        assert result.distance_km == round(directory.distance_km(result.name), 2)


def test_a_wider_radius_takes_in_more(backend):
    page = everything(backend, origin=near(ORIGIN), radius_km=17)
    assert "Macclesfield Recovery College" in names(page)
    assert "Bolton Driving School" not in names(page)


def test_without_text_results_are_nearest_first_in_the_same_order(backend, directory):
    page = everything(backend, origin=near(ORIGIN), radius_km=16)
    # Same distance (the same sector) falls back to the listing id.
    assert [r.id for r in page.results] == directory.nearest_first(ORIGIN, 16)
    assert [r.name for r in page.results][:3] == [
        "Stockport Swimming Club",
        "Disability Stockport",
        "Stockport Peer Support Network",
    ]
    distances = [r.distance_km for r in page.results]
    assert distances == sorted(distances)


def test_nearest_first_from_manchester_too(backend, directory):
    page = everything(backend, origin=near("M14 5TQ"), radius_km=10, kinds=("pa", "provider"))
    expected = [
        pk
        for pk in directory.nearest_first("M14 5TQ", 10)
        if LISTINGS_BY_NAME[directory.name_of(pk)].kind in ("pa", "provider")
    ]
    assert [r.id for r in page.results] == expected
    assert page.results[0].name == "Fallowfield Music Workshop"


def test_a_listing_with_several_locations_shows_the_nearest(backend):
    from_stockport = everything(backend, origin=near(ORIGIN), categories=("support-worker",))
    (result,) = from_stockport.results
    assert result.location.postcode == "SK8 1AA"
    assert result.distance_km == pytest.approx(4.36, abs=0.01)
    from_town = everything(backend, origin=near("M1 1AE"), categories=("support-worker",))
    assert from_town.results[0].location.postcode == "M1 1AE"
    assert from_town.results[0].distance_km == 0.0


def test_a_personal_assistant_shows_only_the_postcode_sector(backend):
    page = everything(backend, origin=near(ORIGIN), kinds=("pa",))
    priya = next(r for r in page.results if r.name == "Priya Sharma")
    assert priya.location.postcode == "SK4 4"
    assert (priya.location.lat, priya.location.lng) == pytest.approx(near("SK4 4"))
    provider = everything(backend, text="hoist").results[0]
    assert provider.location.postcode == "SK1 3TA"


# Text


def test_a_name_match_ranks_above_a_description_only_match(backend):
    page = everything(backend, text="yoga")
    assert [r.name for r in page.results] == ["Heaton Moor Yoga", "Reddish Wellbeing Centre"]
    assert page.results[0].score > page.results[1].score


def test_every_word_must_match_somewhere(backend):
    assert names(everything(backend, text="swimming hoist")) == {"Stockport Swimming Club"}
    assert names(everything(backend, text="yoga quiet")) == {"Reddish Wellbeing Centre"}
    assert names(everything(backend, text="yoga trampoline")) == set()


def test_words_match_case_insensitively_and_as_word_starts(backend):
    found = names(everything(backend, text="SWIM"))
    assert found == {
        "Stockport Swimming Club",
        "Altrincham Leisure Centre",
        "Wigan Swimming Lessons",
    }


def test_text_matches_outcome_and_category_names(backend):
    assert names(everything(backend, text="brokerage")) == {"Disability Stockport"}
    assert names(everything(backend, text="fitness")) == {
        listing.name for listing in LISTINGS if "physical-health" in listing.outcomes
    }


def test_text_near_a_postcode_blends_relevance_with_distance(backend):
    page = everything(backend, text="swimming", origin=near(ORIGIN), radius_km=16)
    assert [r.name for r in page.results] == [
        "Stockport Swimming Club",
        "Altrincham Leisure Centre",
    ]
    assert page.results[0].distance_km == 0.0
    assert page.results[1].distance_km == pytest.approx(12.9, abs=0.05)


# Counting and pages


def test_without_a_postcode_or_text_results_are_in_name_order(backend):
    page = everything(backend)
    assert [r.name for r in page.results] == sorted(listing.name for listing in LISTINGS)


def test_count_is_the_number_of_matches_not_the_page_size(backend):
    page = backend.search(ListingQuery(outcomes=("mental-wellbeing",), page_size=2))
    assert page.count == 6
    assert len(page.results) == 2
    assert page.num_pages == 3


def test_pages_do_not_overlap_and_the_count_is_stable(backend, directory):
    query = {"origin": near(ORIGIN), "radius_km": 30, "page_size": 10}
    pages = [backend.search(ListingQuery(page=n, **query)) for n in (1, 2, 3)]
    ids = [[r.id for r in page.results] for page in pages]
    assert [len(chunk) for chunk in ids] == [10, 10, 4]
    assert {page.count for page in pages} == {24}  # all but Wigan (35 km)
    assert not set(ids[0]) & set(ids[1])
    assert ids[0] + ids[1] + ids[2] == directory.nearest_first(ORIGIN, 30)
    assert pages[1].has_previous and pages[1].has_next and not pages[2].has_next


def test_nearest_first_pages_are_exact_whether_or_not_the_inner_circle_holds_them(
    backend, directory, monkeypatch, settings
):
    """Elasticsearch takes a nearest-first page from a circle an eighth of the radius
    across when that circle holds it (3.75 km here), and from the whole circle
    when not: every page of three is the same as sorting the whole 30 km."""
    round_trips = []
    settings.ELASTICSEARCH_INNER_CIRCLE_FROM = 0  # as on an index of 50,000 listings or more
    if backend.name == "elasticsearch":
        real = type(backend)._msearch

        def counted(self, body):
            round_trips.append(len(body) // 2)  # searches in this round trip
            return real(self, body)

        monkeypatch.setattr(type(backend), "_msearch", counted)
    query = {"origin": near(ORIGIN), "radius_km": 30, "page_size": 3}
    pages, trips = [], []
    for n in range(1, 10):
        before = len(round_trips)
        pages.append(backend.search(ListingQuery(page=n, **query)))
        trips.append(round_trips[before:])
    assert [r.id for page in pages for r in page.results] == directory.nearest_first(ORIGIN, 30)
    assert {page.count for page in pages} == {24}
    if backend.name == "elasticsearch":
        assert trips[0] == [2]  # the total and the inner circle's page: one round trip
        assert trips[-1] == [2, 1]  # the inner circle falls short: the whole circle's page


def test_searches_asked_together_with_and_without_the_inner_circle_match_the_database(
    backend, directory, settings
):
    """``search_many`` (a plan's goals) mixing pages the inner circle holds, pages it does
    not, excluded listings, several locations and a text search: each page is the
    database backend's."""
    settings.ELASTICSEARCH_INNER_CIRCLE_FROM = 0
    leave_out = (directory.ids["Stockport Swimming Club"],)
    queries = [
        ListingQuery(origin=near(ORIGIN), radius_km=30, page_size=2),
        ListingQuery(origin=near(ORIGIN), radius_km=30, page_size=4, page=3),
        ListingQuery(origin=near(ORIGIN), radius_km=30, page_size=3, exclude_ids=leave_out),
        ListingQuery(origin=near("M14 5TQ"), radius_km=10, page_size=2),
        ListingQuery(text="yoga", origin=near(ORIGIN), radius_km=30),
    ]
    expected = [database_backend().search(query) for query in queries]
    found = backend.search_many(queries) if hasattr(backend, "search_many") else expected
    for want, got in zip(expected, found, strict=True):
        assert [r.id for r in got.results] == [r.id for r in want.results]
        assert [r.distance_km for r in got.results] == [r.distance_km for r in want.results]
        assert got.count == want.count
    assert leave_out[0] not in [r.id for r in found[2].results]


def test_a_small_index_sorts_the_whole_circle_in_one_search(directory, monkeypatch):
    require_service("ELASTICSEARCH_URL", "Elasticsearch")
    if directory.es_problem:
        pytest.fail(directory.es_problem)
    from directory.search.elastic import ElasticsearchBackend

    backend = ElasticsearchBackend()
    searches = []
    real = type(backend)._msearch
    monkeypatch.setattr(
        type(backend),
        "_msearch",
        lambda self, body: searches.append(len(body) // 2) or real(self, body),
    )
    page = backend.search(ListingQuery(origin=near(ORIGIN), radius_km=30, page_size=3))
    assert searches == [1]  # 25 listings: under ELASTICSEARCH_INNER_CIRCLE_FROM
    assert [r.id for r in page.results] == directory.nearest_first(ORIGIN, 30)[:3]


def test_a_page_past_the_end_is_empty_but_counts_the_matches(backend):
    page = backend.search(ListingQuery(kinds=("pa",), page=5, page_size=10))
    assert page.results == []
    assert page.count == 3


# Keeping search current


def test_publishing_makes_a_listing_findable_and_unpublishing_removes_it(backend, publish):
    page = publish.listing(
        spec(
            "club",
            "Romiley Tai Chi",
            ["SK6 4AA"],
            ["physical-health"],
            ["sports-activities"],
            "Slow, seated tai chi for balance.",
            price="4.00",
            price_unit="session",
        )
    )
    assert names(everything(backend, text="tai chi")) == {"Romiley Tai Chi"}
    assert "Romiley Tai Chi" in names(everything(backend, origin=near(ORIGIN), kinds=("club",)))
    publish(page.unpublish)
    assert names(everything(backend, text="tai chi")) == set()
    assert "Romiley Tai Chi" not in names(everything(backend, origin=near(ORIGIN)))


def test_an_approved_edit_changes_what_search_finds(backend, publish):
    page = publish.listing(
        spec(
            "provider",
            "Offerton Cleaning Co",
            ["SK2 5AA"],
            ["independent-living"],
            ["domestic-help"],
            "Weekly cleaning.",
            price="16.00",
            price_unit="hour",
        )
    )
    page = ListingPage.objects.get(pk=page.pk).specific
    page.title = "Offerton Home Help"
    page.summary = "Weekly cleaning and shopping, with the same helper each week."
    page.places_available = 5
    publish(lambda: page.save_revision().publish())
    assert names(everything(backend, text="cleaning")) == {"Offerton Home Help", "Marple Home Help"}
    assert names(everything(backend, text="Offerton shopping")) == {"Offerton Home Help"}
    (result,) = everything(backend, text="Offerton").results
    assert result.places_available == 5
    assert result.price_amount is not None and str(result.price_amount) == "16.00"


def test_deleting_a_listing_removes_it(backend, publish):
    page = publish.listing(
        spec(
            "club",
            "Hazel Grove Knitting Circle",
            ["SK7 4AA"],
            ["social-inclusion"],
            ["leisure-activities"],
            "Knit and natter on Thursday afternoons.",
        )
    )
    assert names(everything(backend, text="knitting")) == {"Hazel Grove Knitting Circle"}
    publish(page.delete)
    assert names(everything(backend, text="knitting")) == set()
    assert everything(backend).count == len(LISTINGS)


def test_rebuilding_the_index_restores_what_search_finds(backend, directory, capsys):
    ListingRecord.objects.all().delete()
    if backend.name == "elasticsearch":
        from directory.search import elastic

        elastic.delete_index()
    call_command("rebuild_directory_index", "--no-progress", "--chunk-size", "7")
    assert f"Indexed {len(LISTINGS)} live listings" in capsys.readouterr().out
    page = everything(backend, origin=near(ORIGIN), radius_km=16)
    assert [r.id for r in page.results] == directory.nearest_first(ORIGIN, 16)
    assert everything(backend).count == len(LISTINGS)
