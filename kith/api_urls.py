"""The public JSON API, /api/v1/ (a contract: see shared/DESIGN.md)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from directory import api as directory_api
from matching import api as matching_api

urlpatterns = [
    path("listings/", directory_api.ListingSearchView.as_view(), name="api-listings"),
    path("outcomes/", directory_api.OutcomeListView.as_view(), name="api-outcomes"),
    path("categories/", directory_api.CategoryListView.as_view(), name="api-categories"),
    path("match/", matching_api.MatchView.as_view(), name="api-match"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
