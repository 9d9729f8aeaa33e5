"""/oruk/: the Open Referral UK 3.0 API (paths as in ORUK's OpenAPI, with or without a final /)."""

from django.urls import path, re_path

from directory.oruk import views

app_name = "oruk"

ID = r"(?P<pk>[^/]+)"

urlpatterns = [
    path("", views.ApiDetailsView.as_view(), name="api_details"),
    path("openapi.json", views.OpenAPIView.as_view(), name="openapi"),
    re_path(r"^services/?$", views.ServiceListView.as_view(), name="services"),
    re_path(rf"^services/{ID}/?$", views.ServiceDetailView.as_view(), name="service"),
    re_path(r"^taxonomies/?$", views.TaxonomyListView.as_view(), name="taxonomies"),
    re_path(rf"^taxonomies/{ID}/?$", views.TaxonomyDetailView.as_view(), name="taxonomy"),
    re_path(r"^taxonomy_terms/?$", views.TaxonomyTermListView.as_view(), name="taxonomy_terms"),
    re_path(
        rf"^taxonomy_terms/{ID}/?$", views.TaxonomyTermDetailView.as_view(), name="taxonomy_term"
    ),
    re_path(
        r"^service_at_locations/?$",
        views.ServiceAtLocationListView.as_view(),
        name="service_at_locations",
    ),
    re_path(
        rf"^service_at_locations/{ID}/?$",
        views.ServiceAtLocationDetailView.as_view(),
        name="service_at_location",
    ),
]
