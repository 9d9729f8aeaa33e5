"""Reviews of listings by people who have had the service.

Only someone with a delivered (or paid) booking may review it, so every
review comes from real use. The person or a representative they named writes
it, once per booking. Reviews wait for a moderator and are shown only once
approved; the listing's owner may then reply once, in public.

Review states: pending -> approved or rejected. A moderator may change their
mind (approved <-> rejected), for instance after a complaint; approving or
rejecting twice changes nothing.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.http import Http404
from django.utils import timezone

from accounts.representation import can_act_for
from directory import ownership
from marketplace.enquiries.services import is_moderator
from marketplace.models import Booking, Review

Status = Review.Status

# Only a booking that has happened can be reviewed.
REVIEWABLE_BOOKING_STATUSES = (Booking.Status.DELIVERED, Booking.Status.PAID)

ALLOWED_FROM = {
    Status.APPROVED: {Status.PENDING, Status.REJECTED},
    Status.REJECTED: {Status.PENDING, Status.APPROVED},
}


class ReviewError(ValueError):
    """A review or reply that is not allowed; the message says why."""


# --- Writing a review -----------------------------------------------------------


def get_booking_for_review(user, booking_id) -> Booking:
    """The booking if ``user`` is its person or acts for them; otherwise 404."""
    try:
        booking = Booking.objects.select_related("offer", "offer__listing", "person").get(
            pk=booking_id
        )
    except Booking.DoesNotExist:
        raise Http404("No such booking.") from None
    if not can_act_for(user, booking.person):
        raise Http404("No such booking.")
    return booking


def existing_review(booking: Booking) -> Review | None:
    return Review.objects.filter(booking=booking).first()


def why_cannot_review(user, booking: Booking) -> str:
    """Why ``user`` cannot review ``booking``, or "" if they can."""
    if not can_act_for(user, booking.person):
        return "Only the person who had the booking, or someone acting for them, can review it."
    if booking.status not in REVIEWABLE_BOOKING_STATUSES:
        return "You can review a booking once it has been delivered."
    if existing_review(booking) is not None:
        return "This booking has already been reviewed."
    return ""


def leave_review(booking: Booking, author, rating: int, text: str) -> Review:
    """Write the review of ``booking``. It waits for a moderator before anyone sees it."""
    problem = why_cannot_review(author, booking)
    if problem:
        raise ReviewError(problem)
    if not 1 <= int(rating) <= 5:
        raise ReviewError("Choose a rating from 1 to 5.")
    text = text.strip()
    if not text:
        raise ReviewError("Write a few words about how it went.")
    try:
        with transaction.atomic():
            return Review.objects.create(
                booking=booking,
                listing_id=booking.offer.listing_id,
                author=author,
                rating=int(rating),
                text=text,
            )
    except IntegrityError:
        # A second submission at the same moment: the booking keeps its first review.
        raise ReviewError("This booking has already been reviewed.") from None


# --- Moderation -----------------------------------------------------------------


def pending_reviews():
    return Review.objects.filter(status=Status.PENDING).select_related(
        "listing", "author", "booking", "booking__offer"
    )


def _moderate(review: Review, to: str, moderator) -> Review:
    if not is_moderator(moderator):
        raise ReviewError("Only moderators can publish or reject reviews.")
    if review.status == to:
        return review
    if review.status not in ALLOWED_FROM[to]:
        raise ReviewError(f"This review is {review.get_status_display().lower()}.")
    review.status = to
    review.moderated_by = moderator
    review.save(update_fields=["status", "moderated_by"])
    return review


def approve_review(review: Review, moderator) -> Review:
    return _moderate(review, Status.APPROVED, moderator)


def reject_review(review: Review, moderator) -> Review:
    return _moderate(review, Status.REJECTED, moderator)


# --- Shown on the listing, and the owner's reply ---------------------------------


def approved_reviews(listing):
    """The published reviews of ``listing`` (any page of a listing kind), newest first."""
    return (
        Review.objects.filter(listing_id=listing.pk, status=Status.APPROVED)
        .select_related("booking__offer")
        .order_by("-created_at", "-pk")
    )


def rating_summary(listing) -> dict:
    """{"count": n, "average": 4.3 or None} over the published reviews."""
    figures = approved_reviews(listing).aggregate(count=Count("pk"), average=Avg("rating"))
    average = figures["average"]
    return {"count": figures["count"], "average": round(average, 1) if average else None}


def is_listing_owner(user, review: Review) -> bool:
    return ownership.manages(user, review.listing)


def get_review_for_owner(user, pk) -> Review:
    """A published review of one of ``user``'s listings; anything else is 404."""
    try:
        review = Review.objects.select_related("listing", "booking__offer").get(
            pk=pk, status=Status.APPROVED
        )
    except Review.DoesNotExist:
        raise Http404("No such review.") from None
    if not is_listing_owner(user, review):
        raise Http404("No such review.")
    return review


def why_cannot_reply(user, review: Review) -> str:
    if not is_listing_owner(user, review):
        return "Only the listing's owner can reply to its reviews."
    if review.status != Status.APPROVED:
        return "You can reply once the review is published."
    if review.reply:
        return "You have already replied to this review."
    return ""


def reply_to_review(review: Review, by_user, text: str) -> Review:
    """The owner's one public reply. A second reply is refused, so what readers saw stands."""
    problem = why_cannot_reply(by_user, review)
    if problem:
        raise ReviewError(problem)
    text = text.strip()
    if not text:
        raise ReviewError("Write your reply.")
    # Conditional update: two replies sent at once cannot both land.
    updated = Review.objects.filter(pk=review.pk, reply="").update(
        reply=text, replied_at=timezone.now()
    )
    if not updated:
        raise ReviewError("You have already replied to this review.")
    review.refresh_from_db(fields=["reply", "replied_at"])
    return review


def reviews_of_listings_owned_by(user):
    """Published reviews of the user's listings, for the owner's list of reviews to answer."""
    if not user.is_authenticated:
        return Review.objects.none()
    return (
        Review.objects.filter(listing__in=ownership.managed_by(user), status=Status.APPROVED)
        .select_related("listing", "booking__offer")
        .order_by("-created_at")
    )
