"""Directory search with SQL only: works on SQLite and PostgreSQL.

A bounding box on the indexed coordinates narrows the candidates, the exact
great-circle distance (the same formula Elasticsearch uses) is computed in
SQL, and each listing is as near as its nearest location.

On PostgreSQL the same answers come faster (benchmarks/search.py, at 100,000
listings), with the indexes of migration 0003:

* nearest first: each location is also a point on the unit sphere (a
  ``cube``) in a GiST index. Reading the nearest locations from it (KNN)
  bounds how far the page's listings can be, so only the listings within that
  bound are ranked, instead of every listing in the radius;
* the count is one scan of the locations within the radius, without grouping;
* trigram GIN indexes answer the ``icontains`` text filters;
* text relevance blended with distance is computed, ordered and counted in
  one query instead of scoring every match in Python.

Which listings match, how many, their order, distances and scores are exactly
those of the portable queries: the radius test and every distance remain the
haversine of ``great_circle_km`` (``geo.EARTH_RADIUS_KM``) with the same
floating-point operations, the index only chooses which rows to look at, and
ties still fall to the listing id. SQLite keeps the portable queries.
"""

from __future__ import annotations

import math

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Min,
    Q,
    Value,
    When,
    Window,
)
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt
from django.utils import timezone

from directory import geo
from directory.freshness import STALE_SCORE_FACTOR
from directory.search.query import (
    CHECK_CQC,
    CHECK_INSURANCE,
    DECAY_AT_SCALE,
    DECAY_SCALE_KM,
    FIELD_BOOSTS,
    ListingLocationSummary,
    ListingQuery,
    ListingSummary,
    SearchPage,
    SortOrder,
    distance_decay,
)
from directory.search.records import ListingRecord, ListingRecordLocation


def _any_of(field: str, slugs) -> Q:
    q = Q()
    for slug in slugs:
        q |= Q(**{f"{field}__contains": f"|{slug}|"})
    return q


def great_circle_km(lat: float, lng: float, lat_field: str = "lat", lng_field: str = "lng"):
    """SQL expression: haversine distance from (lat, lng) to the row's coordinates."""
    dlat = Radians(F(lat_field) - Value(lat)) / 2
    dlng = Radians(F(lng_field) - Value(lng)) / 2
    a = Power(Sin(dlat), 2) + Cos(Radians(Value(lat))) * Cos(Radians(F(lat_field))) * Power(
        Sin(dlng), 2
    )
    return Value(2 * geo.EARTH_RADIUS_KM) * ASin(Sqrt(a))


# --- PostgreSQL only ----------------------------------------------------------
#
# Raw SQL, because the ORM cannot express a cube KNN order. Whatever decides
# which listings match (the filters, the text) is still the ORM's own SQL from
# ``record_filter`` and ``text_score``, embedded as a subquery, so LIKE escaping
# and slug matching cannot drift from the portable path.

LOCATIONS = "directory_listingrecordlocation"
RECORDS = "directory_listingrecord"

# A location as a point on the unit sphere. Must stay identical (bar the
# table alias) to the expression migration 0003 indexes, or the planner will
# not use the GiST index.
SPHERE_POINT_SQL = (
    "cube(ARRAY[cos(radians({t}.lat)) * cos(radians({t}.lng)), "
    "cos(radians({t}.lat)) * sin(radians({t}.lng)), sin(radians({t}.lat))])"
)

# The haversine of great_circle_km, written out with the same operations in
# the same order as the SQL Django compiles it to, so that PostgreSQL's
# floating-point results (the radius test, distances, ties) are bit for bit
# those of the portable queries.
HAVERSINE_SQL = (
    "(%s * ASIN(SQRT((POWER(SIN((RADIANS(({t}.lat - %s)) / 2)), 2) + "
    "((COS(RADIANS(%s)) * COS(RADIANS({t}.lat))) * "
    "POWER(SIN((RADIANS(({t}.lng - %s)) / 2)), 2))))))"
)

# PostgreSQL's exp() raises "value out of range: underflow" where Python's
# returns 0.0 (exp(-746)), and on some platforms where the result is merely
# subnormal (below exp(-708): about 255 km with an 8 km decay scale). Wider
# text searches take the portable path; the API allows at most MAX_RADIUS_KM
# (200).
_SQL_DECAY_MAX_KM = 250.0

# Nearest-first pages read this many nearest location rows per listing
# wanted before widening; a listing usually has one location, seldom three.
_KNN_ROWS_PER_LISTING = 2
_KNN_EXTRA_ROWS = 16


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _unit_vector(lat: float, lng: float) -> list[float]:
    lat_r, lng_r = math.radians(lat), math.radians(lng)
    return [
        math.cos(lat_r) * math.cos(lng_r),
        math.cos(lat_r) * math.sin(lng_r),
        math.sin(lat_r),
    ]


def _haversine(t: str, lat: float, lng: float) -> tuple[str, list]:
    return HAVERSINE_SQL.format(t=t), [2 * geo.EARTH_RADIUS_KM, lat, lat, lng]


def _two_sigma_squared() -> float:
    """2σ² of ``distance_decay``, computed as it computes it."""
    sigma_squared = -(DECAY_SCALE_KM**2) / (2 * math.log(DECAY_AT_SCALE))
    return 2 * sigma_squared


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class DatabaseBackend:
    name = "database"

    def record_filter(self, query: ListingQuery, prefix: str = "") -> Q:
        q = Q()
        if query.outcomes:
            q &= _any_of(f"{prefix}outcomes", query.outcomes)
        if query.categories:
            q &= _any_of(f"{prefix}categories", query.categories)
        if query.kinds:
            q &= Q(**{f"{prefix}kind__in": list(query.kinds)})
        if query.languages:
            q &= _any_of(f"{prefix}languages", query.languages)
        if query.backup_cover:
            q &= Q(**{f"{prefix}offers_backup_cover": True})
        for term in query.terms:
            term_q = Q()
            for field in FIELD_BOOSTS:
                term_q |= Q(**{f"{prefix}{field}__icontains": term})
            q &= term_q
        if query.exclude_ids:
            q &= ~Q(**{f"{prefix}listing_id__in": list(query.exclude_ids)})
        if CHECK_CQC in query.checks:
            q &= Q(**{f"{prefix}cqc_checked_on__isnull": False})
        if CHECK_INSURANCE in query.checks:
            q &= Q(**{f"{prefix}insurance_valid_until__gte": timezone.localdate()})
        return q

    def text_score(self, query: ListingQuery):
        score = Value(0.0)
        for term in query.terms:
            for field, boost in FIELD_BOOSTS.items():
                score = score + Case(
                    When(**{f"{field}__icontains": term}, then=Value(boost)),
                    default=Value(0.0),
                    output_field=FloatField(),
                )
        if query.terms:
            # "May be out of date" ranks lower (directory.freshness), as in Elasticsearch.
            score = score * Case(
                When(stale=True, then=Value(STALE_SCORE_FACTOR)),
                default=Value(1.0),
                output_field=FloatField(),
            )
        return score

    def search(self, query: ListingQuery) -> SearchPage:
        if query.origin is None:
            if _on_postgresql():
                return self._pg_search_without_origin(query)
            return self._search_without_origin(query)
        if _on_postgresql():
            if query.sort == SortOrder.DISTANCE:
                return self._pg_nearest_first(query)
            if query.radius_km <= _SQL_DECAY_MAX_KM:
                return self._pg_relevance_near(query)
        return self._search_near(query)

    # --- Portable (SQLite; PostgreSQL answers the same, faster, below) -------

    def _search_without_origin(self, query: ListingQuery) -> SearchPage:
        records = ListingRecord.objects.filter(self.record_filter(query))
        count = records.count()
        records = self._ordered_without_origin(query, records)
        page = list(records[query.offset : query.offset + query.page_size])
        return self._page(query, count, [(r, None, r.score) for r in page])

    def _ordered_without_origin(self, query: ListingQuery, records):
        if query.terms:
            return records.annotate(score=self.text_score(query)).order_by("-score", "listing_id")
        if query.rank_by_fit and query.fit_slugs:
            return records.annotate(score=self.fit_score(query)).order_by(
                "stale", "-score", "listing_id"
            )
        return records.annotate(score=Value(0.0)).order_by("stale", "name", "listing_id")

    def fit_score(self, query: ListingQuery):
        """One point for each of the query's outcomes and categories a listing has."""
        score = Value(0.0)
        for field, slug in query.fit_slugs:
            score = score + Case(
                When(**{f"{field}__contains": f"|{slug}|"}, then=Value(1.0)),
                default=Value(0.0),
                output_field=FloatField(),
            )
        return score

    def _search_near(self, query: ListingQuery) -> SearchPage:
        lat, lng = query.origin
        min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, query.radius_km)
        nearest = (
            ListingRecordLocation.objects.filter(
                self.record_filter(query, prefix="record__"),
                lat__gte=min_lat,
                lat__lte=max_lat,
                lng__gte=min_lng,
                lng__lte=max_lng,
            )
            .annotate(distance=great_circle_km(lat, lng))
            .filter(distance__lte=query.radius_km)
            .values("record_id")
            .annotate(distance_km=Min("distance"))
        )
        count = nearest.count()
        if query.sort == SortOrder.DISTANCE:
            rows = list(
                nearest.order_by("distance_km", "record__listing_id")[
                    query.offset : query.offset + query.page_size
                ]
            )
            scored = [(row["record_id"], row["distance_km"], 0.0) for row in rows]
        else:
            # Text with a postcode: relevance blended with distance decay, as in Elasticsearch.
            # All matches are scored in Python; text queries narrow the set first.
            distances = {row["record_id"]: row["distance_km"] for row in nearest}
            text_scores = dict(
                ListingRecord.objects.filter(pk__in=distances.keys())
                .annotate(score=self.text_score(query))
                .values_list("pk", "score")
            )
            ranked = sorted(
                (
                    (pk, distance, text_scores.get(pk, 0.0) * distance_decay(distance))
                    for pk, distance in distances.items()
                ),
                key=lambda item: (-item[2], item[1], item[0]),
            )
            scored = ranked[query.offset : query.offset + query.page_size]
        return self._page_of_ids(query, count, scored)

    # --- PostgreSQL ----------------------------------------------------------

    def _pg_search_without_origin(self, query: ListingQuery) -> SearchPage:
        """One scan: the page and, alongside it, the count (a window over all matches)."""
        records = self._ordered_without_origin(
            query, ListingRecord.objects.filter(self.record_filter(query))
        )
        rows = list(
            records.annotate(total=Window(Count("*"))).values_list("pk", "score", "total")[
                query.offset : query.offset + query.page_size
            ]
        )
        if rows:
            count = rows[0][2]
        else:  # past the last page (or nothing matches): the window saw no row
            count = (
                0
                if query.offset == 0
                else ListingRecord.objects.filter(self.record_filter(query)).count()
            )
        return self._page_of_ids(query, count, [(pk, None, score) for pk, score, _ in rows])

    def _pg_matching_locations(
        self, query: ListingQuery, radius_km: float, *, with_filters: bool = True
    ) -> tuple[str, list]:
        """WHERE clause (on alias ``l``) and params: locations of matches within radius_km.

        The portable path's lat/lng box and haversine, nothing else. The
        planner can estimate the box from the columns' statistics, so it reads
        a small radius through the lat/lng index and a large one (16 km takes
        in most of Greater Manchester) by a plain scan. A cube box on the GiST
        index is deliberately not added: PostgreSQL guesses that any cube
        containment matches 0.1 % of rows, and chose nested loops over what
        was in fact most of the table.
        """
        lat, lng = query.origin
        min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, radius_km)
        distance_sql, distance_params = _haversine("l", lat, lng)
        where = [
            "l.lat >= %s AND l.lat <= %s AND l.lng >= %s AND l.lng <= %s",
            f"{distance_sql} <= %s",
        ]
        params = [min_lat, max_lat, min_lng, max_lng, *distance_params, radius_km]
        record_filter = self.record_filter(query)
        if with_filters and record_filter:
            sql, filter_params = (
                ListingRecord.objects.filter(record_filter)
                .order_by()
                .values("id")
                .query.sql_with_params()
            )
            where.append(f"l.record_id IN ({sql})")
            params.extend(filter_params)
        return " AND ".join(f"({clause})" for clause in where), params

    def _pg_count_near(self, query: ListingQuery) -> tuple[int, int]:
        """(matching listings, their locations) within the radius."""
        where, params = self._pg_matching_locations(query, query.radius_km)
        return _fetch(
            f"SELECT COUNT(DISTINCT l.record_id), COUNT(*) FROM {LOCATIONS} l WHERE {where}",
            params,
        )[0]

    def _pg_nearest_first(self, query: ListingQuery) -> SearchPage:
        """Nearest first, ties by listing id, without ranking every listing in the radius.

        A listing wanted on the page (one of the first offset + page_size) is
        no farther than the k-th nearest listing, so it is enough to find any
        k matching listings, take the farthest of their distances as a bound,
        and rank exactly, as the portable query does, only the listings with a
        location within that bound. Reading locations nearest first from the
        GiST index (a chord, which grows with the arc) makes the bound tight;
        ties at the bound (a sector centroid shared by many listings) are all
        inside it, so the listing id still decides among them.
        """
        lat, lng = query.origin
        count, locations = self._pg_count_near(query)
        if query.offset >= count:
            return self._page_of_ids(query, count, [])
        wanted = query.offset + query.page_size
        bound_km = query.radius_km
        if count > wanted:
            bound_km = self._pg_distance_bound(query, wanted, locations)
        where, params = self._pg_matching_locations(query, bound_km)
        distance_sql, distance_params = _haversine("l", lat, lng)
        rows = _fetch(
            f"SELECT l.record_id, MIN({distance_sql}) AS distance_km "
            f"FROM {LOCATIONS} l JOIN {RECORDS} r ON r.id = l.record_id WHERE {where} "
            "GROUP BY l.record_id, r.listing_id "
            "ORDER BY distance_km ASC, r.listing_id ASC LIMIT %s OFFSET %s",
            [*distance_params, *params, query.page_size, query.offset],
        )
        return self._page_of_ids(query, count, [(pk, d, 0.0) for pk, d in rows])

    def _pg_distance_bound(self, query: ListingQuery, wanted: int, locations: int) -> float:
        """A distance (km) within which at least ``wanted`` matching listings lie.

        ``locations`` (how many matching locations lie within the radius) caps
        each read, so the index is never walked past the radius: that would
        read the whole table in order when a search matches few listings.
        """
        lat, lng = query.origin
        where, params = self._pg_matching_locations(query, query.radius_km)
        distance_sql, distance_params = _haversine("l", lat, lng)
        point = SPHERE_POINT_SQL.format(t="l")
        limit = min(locations, wanted * _KNN_ROWS_PER_LISTING + _KNN_EXTRA_ROWS)
        while True:
            rows = _fetch(
                f"SELECT l.record_id, {distance_sql} FROM {LOCATIONS} l WHERE {where} "
                f"ORDER BY {point} <-> cube(%s::float8[]) LIMIT %s",
                [*distance_params, *params, _unit_vector(lat, lng), limit],
            )
            if len({pk for pk, _ in rows}) >= wanted:
                return max(distance for _, distance in rows)
            if limit >= locations:  # every match read (only if count <= wanted)
                return query.radius_km
            limit = min(locations, limit * 4)  # listings with many locations: read on

    def _pg_relevance_near(self, query: ListingQuery) -> SearchPage:
        """Text with a postcode: score, decay, order, page and count in one query.

        Each listing's text score (``text_score``'s SQL) times the Gaussian
        decay of its nearest location's distance, with the exact arithmetic of
        ``distance_decay``, ordered as the portable path sorts: best first,
        then nearer, then record id.
        """
        lat, lng = query.origin
        matches_sql, matches_params = (
            ListingRecord.objects.filter(self.record_filter(query))
            .order_by()
            .annotate(score=self.text_score(query))
            .values_list("id", "score")
            .query.sql_with_params()
        )
        where, params = self._pg_matching_locations(query, query.radius_km, with_filters=False)
        distance_sql, distance_params = _haversine("l", lat, lng)
        rows = _fetch(
            "SELECT id, distance_km, score * EXP(-(POWER(distance_km, 2)) / %s) AS blended, "
            "COUNT(*) OVER () FROM ("
            f"  SELECT m.id, m.score, MIN({distance_sql}) AS distance_km"
            f"  FROM ({matches_sql}) m JOIN {LOCATIONS} l ON l.record_id = m.id"
            f"  WHERE {where} GROUP BY m.id, m.score"
            ") near ORDER BY blended DESC, distance_km ASC, id ASC LIMIT %s OFFSET %s",
            [
                _two_sigma_squared(),
                *distance_params,
                *matches_params,
                *params,
                query.page_size,
                query.offset,
            ],
        )
        if rows:
            count = rows[0][3]
        elif query.offset == 0:
            count = 0
        else:  # past the last page: the window saw no row
            count, _ = self._pg_count_near(query)
        return self._page_of_ids(query, count, [(pk, d, s) for pk, d, s, _ in rows])

    def _page_of_ids(self, query, count, scored) -> SearchPage:
        """The page for [(record pk, distance, score)], in that order."""
        records = ListingRecord.objects.in_bulk([pk for pk, _, _ in scored])
        return self._page(query, count, [(records[pk], d, s) for pk, d, s in scored])

    def _page(self, query, count, rows) -> SearchPage:
        record_ids = [record.pk for record, _, _ in rows]
        locations: dict[int, list[ListingRecordLocation]] = {}
        for loc in ListingRecordLocation.objects.filter(record_id__in=record_ids):
            locations.setdefault(loc.record_id, []).append(loc)
        results = [
            summary_from_record(record, locations.get(record.pk, []), query.origin, distance, score)
            for record, distance, score in rows
        ]
        return SearchPage(
            count=count,
            results=results,
            page=query.page,
            page_size=query.page_size,
            backend=self.name,
        )


def summary_from_record(record, locations, origin, distance_km, score) -> ListingSummary:
    location = None
    if locations:
        if origin is not None:
            nearest = min(locations, key=lambda loc: geo.distance_km(origin, (loc.lat, loc.lng)))
        else:
            nearest = locations[0]
        location = ListingLocationSummary(nearest.postcode, nearest.lat, nearest.lng)
    return ListingSummary(
        id=record.listing_id,
        name=record.name,
        kind=record.kind,
        summary=record.summary,
        url_path=record.url_path,
        outcomes=record.outcome_list,
        categories=record.category_list,
        price_amount=record.price_amount,
        price_unit=record.price_unit,
        places_available=record.places_available,
        last_confirmed=record.last_confirmed.isoformat() if record.last_confirmed else None,
        location=location,
        distance_km=round(distance_km, 2) if distance_km is not None else None,
        score=float(score or 0.0),
        languages=record.language_list,
        offers_backup_cover=record.offers_backup_cover,
        stale=record.stale,
        cqc_checked_on=_iso(record.cqc_checked_on),
        insurance_checked_on=_iso(record.insurance_checked_on),
        insurance_valid_until=_iso(record.insurance_valid_until),
    )


def _iso(value) -> str | None:
    return value.isoformat() if value else None
