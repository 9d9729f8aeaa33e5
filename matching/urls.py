from django.urls import include, path

app_name = "matching"

urlpatterns = [
    path("", include("matching.plan_urls")),
    path("practitioner/", include("matching.practitioner_urls")),
    path("referrals/", include("matching.referral_urls")),
]
