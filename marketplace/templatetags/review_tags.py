"""Published reviews on a listing page (``marketplace/includes/reviews.html``)."""

from django import template

from marketplace.reviews import services as reviews

register = template.Library()


@register.simple_tag
def listing_reviews(listing):
    return list(reviews.approved_reviews(listing))


@register.simple_tag
def listing_rating(listing):
    return reviews.rating_summary(listing)


@register.filter
def stars(rating) -> str:
    """★★★★☆ for 4: a picture of the rating; the words are given to screen readers."""
    rating = max(0, min(5, int(rating)))
    return "★" * rating + "☆" * (5 - rating)
