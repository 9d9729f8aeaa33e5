"""Record searches (without account ids) so unmet demand can be reported later."""

from directory.models import SearchLog
from directory.search.query import ListingQuery, SearchPage


def log_search(query: ListingQuery, page: SearchPage, *, source: str, origin_outward: str = ""):
    return SearchLog.objects.create(
        source=source,
        query_text=query.text[:200],
        outcomes=",".join(query.outcomes)[:500],
        categories=",".join(query.categories)[:500],
        kinds=",".join(query.kinds)[:100],
        origin_outward=origin_outward[:8],
        radius_km=query.radius_km if query.origin is not None else None,
        result_count=page.count,
        backend=page.backend,
    )
