"""The Marketplace home: where a signed-in person finds their messages, adverts and bookings."""

from django.shortcuts import render

from directory.ownership import managed_by
from marketplace.adverts import services as adverts
from marketplace.bookings.views import bookings_for_person_side
from marketplace.enquiries import services as enquiries
from matching.models import SupportPlan


def home(request):
    user = request.user
    context = {}
    if user.is_authenticated:
        context = {
            "unread": enquiries.unread_count(user),
            "can_advertise": bool(enquiries.budget_holders_for(user)),
            "advert_count": adverts.adverts_managed_by(user).count(),
            "is_pa": adverts.is_pa(user),
            "owns_listings": managed_by(user).exists(),
            "booking_count": bookings_for_person_side(user).count(),
            # The person's own latest plan, for a link to its spend statement.
            "statement_plan": SupportPlan.objects.filter(person=user).first(),
        }
    return render(request, "marketplace/home.html", context)
