from django.urls import path

from directory import claim_views, owner_views, views
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
    # Claiming: "Is this you? Manage this listing" (directory.claims).
    path("my-listings/claim/<int:pk>/", claim_views.claim_listing, name="claim_listing"),
    path("my-listings/claims/<int:pk>/", claim_views.claim_detail, name="claim_detail"),
    path("my-listings/claims/<int:pk>/code/", claim_views.claim_code, name="claim_code"),
    path("my-listings/claims/<int:pk>/resend/", claim_views.claim_resend, name="claim_resend"),
    path(
        "my-listings/claims/<int:pk>/withdraw/", claim_views.claim_withdraw, name="claim_withdraw"
    ),
    path(
        "my-listings/requests/<int:pk>/<str:answer>/",
        claim_views.manager_request_answer,
        name="manager_request_answer",
    ),
]
