"""Directory search with SQL only: works on SQLite and PostgreSQL.

A bounding box on the indexed coordinates narrows the candidates, the exact
great-circle distance (the same formula Elasticsearch uses) is computed in
SQL, and each listing is as near as its nearest location.
"""

from __future__ import annotations

from django.db.models import (
    Case,
    F,
    FloatField,
    Min,
    Q,
    Value,
    When,
)
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

from directory import geo
from directory.search.query import (
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
        return score

    def search(self, query: ListingQuery) -> SearchPage:
        if query.origin is None:
            return self._search_without_origin(query)
        return self._search_near(query)

    def _search_without_origin(self, query: ListingQuery) -> SearchPage:
        records = ListingRecord.objects.filter(self.record_filter(query))
        count = records.count()
        if query.terms:
            records = records.annotate(score=self.text_score(query)).order_by("-score", "listing_id")
        else:
            records = records.annotate(score=Value(0.0)).order_by("name", "listing_id")
        page = list(records[query.offset : query.offset + query.page_size])
        return self._page(query, count, [(r, None, r.score) for r in page])

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
    )
