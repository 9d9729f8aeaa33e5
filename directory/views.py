"""The public directory: the search page. Listing pages are served by Wagtail.

The view only turns the form into a ``ListingQuery`` and the ``SearchPage``
back into what the template shows; searching, distances and logging live in
``directory.search``, ``directory.geo`` and ``directory.search_log``.
"""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse

from directory import geo, vocab_cache
from directory.forms import DEFAULT_MILES, FILTER_FIELDS, DirectorySearchForm, wider_miles
from directory.search import CHECK_FILTERS, ListingQuery
from directory.search import search as search_directory
from directory.search_log import log_search
from directory.templatetags.directory_tags import kind_label, miles_away
from kith.params import page_number

# Ten cards keep a results page short enough to scan on a phone.
RESULTS_PER_PAGE = 10


def search(request):
    form = DirectorySearchForm(request.GET or None)
    context = {"form": form, "searched": False, "filters_open": True}
    if not form.is_bound or not form.has_criteria:
        # Nothing asked yet (or only a distance): show the form, not a search of everything.
        context["form"] = DirectorySearchForm()
        return render(request, "directory/search.html", context)
    if not form.is_valid():
        return render(request, "directory/search.html", context)

    data = form.cleaned_data
    place = form.place
    miles = data["miles"] or DEFAULT_MILES
    query = ListingQuery(
        text=data["q"].strip(),
        outcomes=tuple(outcome.slug for outcome in data["outcome"]),
        categories=(data["category"].slug,) if data["category"] else (),
        kinds=(data["kind"],) if data["kind"] else (),
        checks=tuple(data["checked"]),
        origin=place.point if place else None,
        radius_km=geo.miles_to_km(miles),
        page=_page_number(request),
        page_size=RESULTS_PER_PAGE,
    )
    results = search_directory(query)
    if results.page > results.num_pages:
        # A page past the end (an old link, a typed URL): show the last page instead.
        query = replace(query, page=results.num_pages)
        results = search_directory(query)
    if query.page == 1:
        # Paging through the same search is not another search: count it once,
        # so the unmet-demand reports are not inflated.
        log_search(
            query,
            results,
            source="web",
            origin_outward=place.outward if place else "",
            user=request.user,
        )

    context.update(
        searched=True,
        # Keep the results near the top: chosen filters are listed under the heading.
        filters_open=False,
        active_filters=_active_filters(data),
        results=results,
        cards=_cards(results.results),
        first_number=(results.page - 1) * results.page_size + 1,
        results_heading=_results_heading(results.count, miles, place, query.text),
        pagination=_pagination(request, results),
        **_no_results_links(request, form, miles, place) if results.count == 0 else {},
    )
    if results.results and any(r.location for r in results.results):
        context.update(map_data=_map_data(results.results, place))
    return render(request, "directory/search.html", context)


def _active_filters(data) -> list[str]:
    """The names of the chosen outcomes, category and kind, to say what the results are."""
    names = [outcome.name for outcome in data["outcome"]]
    if data["category"]:
        names.append(data["category"].name)
    if data["kind"]:
        names.append(kind_label(data["kind"]))
    names += [CHECK_FILTERS[check] for check in data["checked"]]
    return names


def _page_number(request) -> int:
    return page_number(request.GET.get("page", ""))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _results_heading(count: int, miles: int, place, text: str) -> str:
    """ "23 results within 10 miles of SK1 3XE", or "No results ..." when nothing matched."""
    heading = _plural(count, "result") if count else "No results"
    if text:
        heading += f" for ‘{text}’"
    if place:
        heading += f" within {_plural(miles, 'mile')} of {place.postcode}"
    return heading


def _cards(results) -> list[dict]:
    """Each result with the words it is shown with (outcome names, not slugs)."""
    names = vocab_cache.outcome_names()
    return [
        {
            "result": result,
            "kind": kind_label(result.kind),
            "outcomes": [names[slug] for slug in result.outcomes if slug in names],
        }
        for result in results
    ]


def _url_with(request, **changes) -> str:
    """This search's URL with some parameters changed (None drops one)."""
    params = request.GET.copy()
    for name, value in changes.items():
        params.pop(name, None)
        if value is not None:
            params[name] = value
    encoded = params.urlencode()
    return reverse("directory:search") + (f"?{encoded}" if encoded else "")


def _pagination(request, results) -> dict | None:
    if results.num_pages <= 1:
        return None
    return {
        "page": results.page,
        "num_pages": results.num_pages,
        "previous_url": _url_with(request, page=results.page - 1) if results.has_previous else "",
        "next_url": _url_with(request, page=results.page + 1) if results.has_next else "",
    }


def _no_results_links(request, form, miles: int, place) -> dict:
    """Ways on from an empty search: look further afield, or drop the filters."""
    links = {}
    wider = wider_miles(miles)
    if place and wider:
        links["wider_miles"] = wider
        links["wider_url"] = _url_with(request, miles=str(wider), page=None)
    if place and form.filters_set():
        links["without_filters_url"] = _url_with(
            request, page=None, **{name: None for name in FILTER_FIELDS}
        )
    return links


def _map_data(results, place) -> dict:
    """What the optional map draws. Listing positions are sector centroids, safe to show."""
    return {
        "tileUrl": settings.MAP_TILE_URL,
        "attribution": settings.MAP_ATTRIBUTION,
        "origin": {"lat": place.lat, "lng": place.lng} if place else None,
        "results": [
            {
                "name": result.name,
                "url": result.url_path,
                "lat": result.location.lat,
                "lng": result.location.lng,
                "distance": miles_away(result.distance_km),
            }
            for result in results
            if result.location
        ],
    }
