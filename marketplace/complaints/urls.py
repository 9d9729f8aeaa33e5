"""Complaints and no-shows about bookings (included before ``bookings.urls``)."""

from django.urls import path

from marketplace.complaints import views

urlpatterns = [
    path("bookings/<int:booking_id>/complaint/", views.complaint_new, name="complaint_new"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/answer/", views.complaint_answer, name="complaint_answer"),
]
