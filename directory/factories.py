"""Building listings for tests, demo data and benchmarks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.text import slugify

from directory.models import (
    LISTING_PAGE_TYPES,
    Category,
    DirectoryIndexPage,
    Language,
    ListingLocation,
    Outcome,
)


def directory_index() -> DirectoryIndexPage:
    return DirectoryIndexPage.objects.get()


def make_listing(
    kind: str,
    title: str,
    postcodes: list[str] | str = "SK1 3XE",
    *,
    summary: str = "",
    description: str = "",
    outcomes: list[str] = (),
    categories: list[str] = (),
    languages: list[str] = (),
    price: str | Decimal | None = None,
    price_unit: str = "",
    places_available: int | None = None,
    capacity: int | None = None,
    owner=None,
    publish: bool = True,
    last_confirmed: date | None = None,
    slug: str | None = None,
    **fields,
):
    """Create a listing of ``kind`` under the directory, as its owner would, and publish it.

    ``owner`` becomes the listing's owner (``directory.ownership``) and, as
    when an owner lists on Kith, Wagtail's creator (``Page.owner``) too.
    """
    page_type = LISTING_PAGE_TYPES[kind]
    if isinstance(postcodes, str):
        postcodes = [postcodes]
    page = page_type(
        title=title,
        slug=slug or slugify(title)[:80],
        summary=summary or f"{title} in Greater Manchester.",
        description=description,
        price_amount=Decimal(str(price)) if price is not None else None,
        price_unit=price_unit,
        places_available=places_available,
        capacity=capacity,
        owner=owner,
        last_confirmed=last_confirmed,
        live=publish,
        **fields,
    )
    page.locations = [ListingLocation(postcode=pc, is_home_base=(kind == "pa")) for pc in postcodes]
    page.outcomes = list(Outcome.objects.filter(slug__in=outcomes))
    page.categories = list(Category.objects.filter(slug__in=categories))
    page.languages = list(Language.objects.filter(slug__in=languages))
    directory_index().add_child(instance=page)
    if owner is not None:
        from directory import ownership

        ownership.set_owner(page, owner)
    revision = page.save_revision(user=owner)
    if publish:
        # As a moderator would approve it: owners themselves may not publish.
        revision.publish(user=owner, skip_permission_checks=True)
    return page
