"""The search contract shared by both backends: what is asked, what comes back."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

DEFAULT_RADIUS_KM = 16.0  # 10 miles: most people look within 10 miles of home
MAX_RADIUS_KM = 200.0
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

# Text relevance: a word in the name counts most, then the summary, then the rest.
FIELD_BOOSTS = {"name": 3.0, "summary": 2.0, "description": 1.0, "taxonomy_text": 1.0}

# With text and a postcode, relevance is blended with a Gaussian distance decay:
# a listing DECAY_SCALE_KM away keeps DECAY_AT_SCALE of its text score.
DECAY_SCALE_KM = 8.0
DECAY_AT_SCALE = 0.5


def distance_decay(distance_km: float) -> float:
    """Elasticsearch's gauss decay, so both backends blend distance the same way."""
    sigma_squared = -(DECAY_SCALE_KM**2) / (2 * math.log(DECAY_AT_SCALE))
    return math.exp(-(distance_km**2) / (2 * sigma_squared))


# The verified checks a search can ask for (directory.safety).
CHECK_CQC = "cqc"
CHECK_INSURANCE = "insurance"
CHECK_FILTERS = {
    CHECK_CQC: "CQC registration checked",
    CHECK_INSURANCE: "Insurance checked and in date",
}


class SortOrder:
    RELEVANCE = "relevance"
    DISTANCE = "distance"


@dataclass(frozen=True)
class ListingQuery:
    """A directory search. Filters are OR within a list and AND across lists."""

    text: str = ""
    outcomes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    backup_cover: bool = False
    origin: tuple[float, float] | None = None  # (lat, lng)
    radius_km: float = DEFAULT_RADIUS_KM
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    exclude_ids: tuple[int, ...] = ()
    # With no text and no origin, order by fit (how many of the asked outcomes
    # and categories a listing has) instead of by name: matching uses this so
    # that a plan without a postcode gets the best-fitting listings, not the
    # first ones in the alphabet.
    rank_by_fit: bool = False
    # Only listings with these checks verified by a moderator (CHECK_FILTERS):
    # "cqc" (CQC registration), "insurance" (insurance still in date).
    checks: tuple[str, ...] = ()

    @property
    def terms(self) -> list[str]:
        return [t for t in self.text.lower().split() if t][:10]

    @property
    def sort(self) -> str:
        """Nearest first when there is a postcode and no text; otherwise relevance."""
        if self.origin is not None and not self.terms:
            return SortOrder.DISTANCE
        return SortOrder.RELEVANCE

    @property
    def fit_slugs(self) -> list[tuple[str, str]]:
        """(field, slug) pairs each worth one point of fit."""
        return [("outcomes", slug) for slug in self.outcomes] + [
            ("categories", slug) for slug in self.categories
        ]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass
class ListingLocationSummary:
    postcode: str
    lat: float
    lng: float


@dataclass
class ListingSummary:
    """A listing as search returns it: enough for a results list or the API."""

    id: int
    name: str
    kind: str
    summary: str
    url_path: str
    outcomes: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    price_amount: Decimal | None = None
    price_unit: str = ""
    places_available: int | None = None
    last_confirmed: str | None = None  # ISO date
    location: ListingLocationSummary | None = None
    distance_km: float | None = None
    score: float = 0.0
    languages: list[str] = field(default_factory=list)
    offers_backup_cover: bool = False
    stale: bool = False  # "may be out of date" (directory.freshness)
    # Verified checks (directory.safety), ISO dates or None.
    cqc_checked_on: str | None = None
    insurance_checked_on: str | None = None
    insurance_valid_until: str | None = None

    @property
    def distance_miles(self) -> float | None:
        return None if self.distance_km is None else self.distance_km / 1.609344


@dataclass
class SearchPage:
    count: int
    results: list[ListingSummary]
    page: int
    page_size: int
    backend: str

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1
