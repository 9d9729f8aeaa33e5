"""The owner's checks page: what is verified, what waits, and a form to give a check.

Owners only: anyone else gets a 404, so nobody learns what is waiting.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from directory.models import ListingCheck, ListingPage
from directory.safety import services
from directory.safety.forms import CheckForm
from directory.safety.records import current_suspension


@login_required
@require_http_methods(["GET", "POST"])
def listing_checks(request, pk):
    listing = get_object_or_404(ListingPage, pk=pk, owner=request.user)
    form = CheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check = services.submit_check(
                listing, request.user, data["kind"], data["reference"], data["expires_on"]
            )
        except services.SafetyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Thank you. A moderator will check your {check.get_kind_display()} "
                "and you will be told when it is done.",
            )
            return redirect("directory:listing_checks", listing.pk)
    context = {
        "listing": listing,
        "checks": ListingCheck.objects.filter(listing=listing).select_related("checked_by"),
        "suspension": current_suspension(listing),
        "form": form,
    }
    return render(
        request, "directory/safety/checks.html", context, status=400 if form.errors else 200
    )
