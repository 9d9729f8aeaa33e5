from django.urls import include, path

from marketplace import advert_views, enquiry_views, review_views, views

app_name = "marketplace"

urlpatterns = [
    path("", views.home, name="home"),
    # Enquiries between a person (or their representative) and a listing's owner.
    path("inbox/", enquiry_views.inbox, name="inbox"),
    path("enquiries/new/<int:listing_id>/", enquiry_views.enquiry_new, name="enquiry_new"),
    path("enquiries/<int:pk>/", enquiry_views.enquiry_detail, name="enquiry_detail"),
    path(
        "enquiries/<int:pk>/messages/<int:message_id>/report/",
        enquiry_views.message_report,
        name="message_report",
    ),
    # PA job adverts.
    path("pa-jobs/", advert_views.advert_list, name="advert_list"),
    path("pa-jobs/new/", advert_views.advert_new, name="advert_new"),
    path("pa-jobs/mine/", advert_views.my_adverts, name="my_adverts"),
    path("pa-jobs/<int:pk>/", advert_views.advert_detail, name="advert_detail"),
    path("pa-jobs/<int:pk>/apply/", advert_views.advert_apply, name="advert_apply"),
    path("pa-jobs/<int:pk>/close/", advert_views.advert_close, name="advert_close"),
    path(
        "pa-jobs/applications/<int:pk>/",
        advert_views.application_detail,
        name="application_detail",
    ),
    path(
        "pa-jobs/applications/<int:pk>/status/",
        advert_views.application_status,
        name="application_status",
    ),
    path(
        "pa-jobs/applications/<int:pk>/reply/",
        advert_views.application_reply,
        name="application_reply",
    ),
    # Reviews.
    path("bookings/<int:booking_id>/review/", review_views.review_new, name="review_new"),
    path("reviews/", review_views.owner_reviews, name="owner_reviews"),
    path("reviews/<int:pk>/reply/", review_views.review_reply, name="review_reply"),
    path("stripe/", include("marketplace.stripe_urls")),
    # Offers, bookings, invoices and spend statements.
    path("", include("marketplace.booking_urls")),
    # Pools: buying together.
    path("pools/", include("marketplace.pool_urls")),
]
