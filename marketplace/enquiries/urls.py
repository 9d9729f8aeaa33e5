"""Enquiries between a person (or their representative) and a listing's owner."""

from django.urls import path

from marketplace.enquiries import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("enquiries/new/<int:listing_id>/", views.enquiry_new, name="enquiry_new"),
    path("enquiries/<int:pk>/", views.enquiry_detail, name="enquiry_detail"),
    path(
        "enquiries/<int:pk>/messages/<int:message_id>/report/",
        views.message_report,
        name="message_report",
    ),
]
