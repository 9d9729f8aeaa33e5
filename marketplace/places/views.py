"""The owner's page for a listing's price and places: changed at once, no moderator."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from directory import moderation
from marketplace.places import services as places
from marketplace.places.forms import PriceAndPlacesForm


@login_required
@require_http_methods(["GET", "POST"])
def listing_places(request, pk):
    listing = moderation.owned_listing(request.user, pk)
    if listing is None:
        raise Http404("No listing of yours with that number.")
    counted = places.listing_places(listing.pk)
    form = PriceAndPlacesForm(
        request.POST if request.method == "POST" else None,
        listing=listing,
        counted=counted.counted,
    )
    if request.method == "POST" and form.is_valid():
        changed = moderation.update_price_and_places(listing, by=request.user, **form.cleaned_data)
        messages.success(
            request,
            f"Saved. People see the new price and places of {listing.title} now."
            if changed
            else "Nothing had changed, so nothing was saved.",
        )
        return redirect("marketplace:listing_places", listing.pk)
    offers = places.offers_with_places(listing.offers.filter(is_active=True).order_by("title"))
    context = {"listing": listing, "form": form, "counted": counted, "offers": offers}
    return render(
        request, "marketplace/places/listing.html", context, status=400 if form.errors else 200
    )
