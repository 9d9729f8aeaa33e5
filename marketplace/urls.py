"""The marketplace at /marketplace/ (namespace ``marketplace``): one URL module per concept.

The included modules have no ``app_name`` of their own, so every page is
reversed as ``marketplace:<name>``.
"""

from django.urls import include, path

from marketplace import views

app_name = "marketplace"

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("marketplace.enquiries.urls")),
    path("", include("marketplace.adverts.urls")),
    path("", include("marketplace.reviews.urls")),
    path("", include("marketplace.payments.urls")),
    path("", include("marketplace.complaints.urls")),
    path("", include("marketplace.bookings.urls")),
    path("", include("marketplace.places.urls")),
    path("pools/", include("marketplace.pools.urls")),
]
