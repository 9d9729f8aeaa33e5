"""Offers and bookings, mounted at /marketplace/ (``marketplace:``)."""

from django.urls import path

from marketplace.bookings import views

urlpatterns = [
    # A listing owner's offers.
    path("offers/", views.offer_list, name="offer_list"),
    path("offers/new/", views.offer_new, name="offer_new"),
    path("offers/<int:pk>/edit/", views.offer_edit, name="offer_edit"),
    path("offers/<int:pk>/active/", views.offer_active, name="offer_active"),
    # Asking for a booking.
    path("offers/<int:pk>/book/", views.offer_book, name="offer_book"),
    # Bookings, for the person's side and for owners.
    path("bookings/", views.booking_list, name="booking_list"),
    path("bookings/requests/", views.booking_requests, name="booking_requests"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking_detail"),
    path("bookings/<int:pk>/card/", views.booking_card, name="booking_card"),
    path("bookings/<int:pk>/<slug:action>/", views.booking_action, name="booking_action"),
]
