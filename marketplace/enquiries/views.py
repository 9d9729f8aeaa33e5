"""Pages for enquiries: starting one from a listing, the inbox, a conversation, reporting.

The rules live in ``marketplace.enquiries``; these views turn requests into
calls and answers into pages. Anyone who is not a party to a conversation
gets a 404, so nobody learns who is talking to whom.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from directory.models import ListingPage
from directory.ownership import manages
from marketplace.enquiries import services as enquiries
from marketplace.enquiries.forms import EnquiryForm, MessageForm, ReportForm


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def not_allowed(request, heading: str, reason: str, status: int = 403):
    return render(
        request,
        "marketplace/not_allowed.html",
        {"heading": heading, "reason": reason},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def enquiry_new(request, listing_id):
    try:
        listing = ListingPage.objects.live().get(pk=listing_id)
    except ListingPage.DoesNotExist:
        raise Http404("No such listing.") from None
    problem = enquiries.why_cannot_enquire(request.user, listing)
    if problem:
        return not_allowed(request, f"You cannot message {listing.title} here", problem)
    people = [p for p in enquiries.budget_holders_for(request.user) if not manages(p, listing)]
    form = EnquiryForm(
        request.POST if request.method == "POST" else None, user=request.user, people=people
    )
    if request.method == "POST" and form.is_valid():
        try:
            enquiry = enquiries.start_enquiry(
                listing,
                form.chosen_person(),
                request.user,
                form.cleaned_data["subject"],
                form.cleaned_data["body"],
                base_url=_base_url(request),
            )
        except enquiries.EnquiryError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Your message has been sent to {listing.title}.")
            return redirect("marketplace:enquiry_detail", enquiry.pk)
    status = 400 if form.errors else 200
    return render(
        request, "marketplace/enquiries/new.html", {"listing": listing, "form": form}, status=status
    )


@login_required
def inbox(request):
    return render(
        request, "marketplace/enquiries/inbox.html", {"rows": enquiries.inbox_for(request.user)}
    )


def _conversation(request, enquiry, form=None, status=200):
    enquiries.mark_read(enquiry, request.user)
    enquiries.log_view(enquiry, request.user)
    thread = [
        {
            "message": message,
            "sender": enquiries.sender_label(enquiry, message.sender),
            "from_me": message.sender_id == request.user.pk,
        }
        for message in enquiry.messages.select_related("sender")
    ]
    context = {
        "enquiry": enquiry,
        "thread": thread,
        "form": form or MessageForm(),
        "as_owner": not enquiries.is_person_side(request.user, enquiry),
    }
    return render(request, "marketplace/enquiries/detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def enquiry_detail(request, pk):
    enquiry = enquiries.get_enquiry_for(request.user, pk)
    if request.method == "GET":
        return _conversation(request, enquiry)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            enquiries.send_message(
                enquiry, request.user, form.cleaned_data["body"], base_url=_base_url(request)
            )
        except enquiries.EnquiryError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your message has been sent.")
            return redirect("marketplace:enquiry_detail", enquiry.pk)
    return _conversation(request, enquiry, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def message_report(request, pk, message_id):
    enquiry = enquiries.get_enquiry_for(request.user, pk)
    message = get_object_or_404(enquiry.messages.select_related("sender"), pk=message_id)
    if message.sender_id == request.user.pk:
        return not_allowed(request, "You cannot report this message", "It is your own message.")
    enquiries.log_view(enquiry, request.user, "read a message from")
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            enquiries.report_message(
                message, request.user, form.cleaned_data["reason"], base_url=_base_url(request)
            )
        except enquiries.EnquiryError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, "Thank you. A moderator will look at the message you reported."
            )
            return redirect("marketplace:enquiry_detail", enquiry.pk)
    context = {
        "enquiry": enquiry,
        "message": message,
        "sender": enquiries.sender_label(enquiry, message.sender),
        "form": form,
    }
    status = 400 if form.errors else 200
    return render(request, "marketplace/enquiries/report.html", context, status=status)
