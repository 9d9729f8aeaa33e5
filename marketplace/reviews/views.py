"""Pages for reviews: writing one for a delivered booking, and the owner's one reply.

The rules live in ``marketplace.reviews``. A booking is only visible to its
person and their representatives (others get a 404); a review to reply to
only to the listing's owner, and only once it is published.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from marketplace.enquiries.views import not_allowed
from marketplace.reviews import services as reviews
from marketplace.reviews.forms import ReviewForm, ReviewReplyForm


@login_required
@require_http_methods(["GET", "POST"])
def review_new(request, booking_id):
    booking = reviews.get_booking_for_review(request.user, booking_id)
    existing = reviews.existing_review(booking)
    if existing is not None:
        return render(
            request,
            "marketplace/reviews/already.html",
            {"booking": booking, "review": existing},
            status=403,
        )
    problem = reviews.why_cannot_review(request.user, booking)
    if problem:
        return not_allowed(request, "You cannot review this booking yet", problem)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            reviews.leave_review(
                booking, request.user, form.cleaned_data["rating"], form.cleaned_data["text"]
            )
        except reviews.ReviewError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                "Thank you for your review. A moderator will check it before it is published.",
            )
            return redirect("marketplace:home")
    status = 400 if form.errors else 200
    return render(
        request, "marketplace/reviews/new.html", {"booking": booking, "form": form}, status=status
    )


@login_required
@require_GET
def owner_reviews(request):
    """Published reviews of the user's listings, with a way to reply to each."""
    return render(
        request,
        "marketplace/reviews/owner_list.html",
        {"reviews": reviews.reviews_of_listings_owned_by(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_reply(request, pk):
    review = reviews.get_review_for_owner(request.user, pk)
    problem = reviews.why_cannot_reply(request.user, review)
    if problem:
        return not_allowed(request, "You cannot reply to this review", problem)
    form = ReviewReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            reviews.reply_to_review(review, request.user, form.cleaned_data["reply"])
        except reviews.ReviewError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your reply is published under the review.")
            return redirect("marketplace:owner_reviews")
    status = 400 if form.errors else 200
    return render(
        request, "marketplace/reviews/reply.html", {"review": review, "form": form}, status=status
    )
