"""Reviews of delivered bookings, and owners' replies."""

from django.urls import path

from marketplace.reviews import views

urlpatterns = [
    path("bookings/<int:booking_id>/review/", views.review_new, name="review_new"),
    path("reviews/", views.owner_reviews, name="owner_reviews"),
    path("reviews/<int:pk>/reply/", views.review_reply, name="review_reply"),
]
