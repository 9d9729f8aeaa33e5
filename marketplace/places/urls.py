"""A listing's price and places, for its owner (``marketplace:listing_places``)."""

from django.urls import path

from marketplace.places import views

urlpatterns = [
    path(
        "offers/listings/<int:pk>/price-and-places/",
        views.listing_places,
        name="listing_places",
    ),
]
