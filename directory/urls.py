from django.urls import path

from directory import owner_views, views
from directory.safety import views as safety_views

app_name = "directory"

urlpatterns = [
    path("", views.search, name="search"),
    # Owners (providers, PAs, ULO staff) manage their listings from these pages.
    path("my-listings/", owner_views.my_listings, name="my_listings"),
    path("my-listings/new/<str:kind>/", owner_views.create_listing, name="owner_create"),
    path("my-listings/<int:pk>/edit/", owner_views.edit_listing, name="owner_edit"),
    path("my-listings/<int:pk>/confirm/", owner_views.confirm_listing, name="owner_confirm"),
    path("my-listings/<int:pk>/checks/", safety_views.listing_checks, name="listing_checks"),
    path("confirm/<str:token>/", owner_views.confirm_by_link, name="confirm_by_link"),
]
