"""Pages for complaints: reporting from the booking page, reading and answering one.

Anyone who is not a party to the booking gets a 404, as on the booking page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.bookings import services as bookings
from marketplace.bookings.views import get_booking_for
from marketplace.complaints import services as complaints
from marketplace.complaints.forms import AnswerForm, ComplaintForm
from marketplace.enquiries.views import not_allowed


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request, booking_id):
    booking = get_booking_for(request.user, booking_id)
    if not bookings.acts_for_person(request.user, booking):
        return not_allowed(
            request,
            "You cannot report a problem with this booking",
            "Only the person booked, or someone who acts for them, can report a problem.",
        )
    kinds = complaints.kinds_allowed(booking)
    if not kinds:
        return not_allowed(
            request,
            "You cannot report a problem with this booking yet",
            "Wait for the provider to answer your request. You can cancel it from the "
            "booking page.",
            status=409,
        )
    form = ComplaintForm(request.POST if request.method == "POST" else None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = complaints.make_complaint(
                booking, request.user, data["kind"], data["what_happened"], data["category"]
            )
        except complaints.ComplaintError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                "Thank you. The provider and Kith's moderators have been told; you will hear "
                "when the provider answers and when a moderator has looked at it.",
            )
            return redirect("marketplace:complaint_detail", complaint.pk)
    context = {"booking": booking, "form": form}
    status = 400 if form.errors else 200
    return render(request, "marketplace/complaints/new.html", context, status=status)


def _detail(request, complaint, form=None, status=200):
    as_owner = bookings.is_owner(request.user, complaint.booking)
    context = {
        "complaint": complaint,
        "booking": complaint.booking,
        "as_owner": as_owner,
        "events": complaint.events.select_related("by"),
        "form": form or (AnswerForm() if as_owner and complaint.answered_at is None else None),
        "hold": complaints.hold_message(complaint.booking),
    }
    return render(request, "marketplace/complaints/detail.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def complaint_detail(request, pk):
    return _detail(request, complaints.get_complaint_for(request.user, pk))


@login_required
@require_POST
def complaint_answer(request, pk):
    complaint = complaints.get_complaint_for(request.user, pk)
    if not bookings.is_owner(request.user, complaint.booking):
        return not_allowed(
            request,
            "You cannot answer this complaint",
            "Only the provider who owns this listing can answer.",
        )
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _detail(request, complaint, form, status=400)
    try:
        complaints.answer(complaint, request.user, form.cleaned_data["text"])
    except complaints.ComplaintError as error:
        form.add_error(None, str(error))
        return _detail(request, complaint, form, status=409)
    messages.success(request, "Your answer has been sent.")
    return redirect("marketplace:complaint_detail", complaint.pk)
