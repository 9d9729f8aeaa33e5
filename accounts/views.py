from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import notifications
from accounts import representation as rules
from accounts.forms import InviteRepresentativeForm, NotificationPreferencesForm
from accounts.models import Representation
from accounts.roles import Role
from directory.models import ListingKind
from directory.moderation import kinds_user_may_create

# Roles whose holders list something in the directory and manage it from "My listings".
LISTING_ROLES = (Role.PROVIDER, Role.PERSONAL_ASSISTANT, Role.ULO_STAFF)


def account_tools(user) -> list[dict]:
    """The pages each of the user's roles works from, so nobody has to know the addresses.

    Each tool is a label and a URL, or a label and ``choices`` (label, URL)
    when there is more than one place to start, such as the kinds of listing
    a provider may add.
    """
    roles = user.role_slugs
    tools = []
    if roles & set(LISTING_ROLES):
        tools.append({"label": "My listings", "url": reverse("directory:my_listings")})
        kinds = kinds_user_may_create(user)
        if len(kinds) == 1:
            tools.append(
                {"label": "List a service", "url": reverse("directory:owner_create", args=kinds)}
            )
        elif kinds:
            tools.append(
                {
                    "label": "List a service",
                    "choices": [
                        (
                            f"Add a {ListingKind(kind).label.lower()} listing",
                            reverse("directory:owner_create", args=[kind]),
                        )
                        for kind in kinds
                    ],
                }
            )
    if Role.PRACTITIONER in roles:
        tools.append({"label": "People I support", "url": reverse("matching:practitioner_home")})
    if Role.ULO_STAFF in roles:
        tools.append(
            {"label": "Referrals to your organisation", "url": reverse("matching:referral_inbox")}
        )
    acts_for_someone = rules.represented_people(user).exists()
    if Role.BUDGET_HOLDER in roles or Role.REPRESENTATIVE in roles or acts_for_someone:
        tools.append({"label": "My plan", "url": reverse("matching:my_plan")})
        tools.append({"label": "My bookings", "url": reverse("marketplace:booking_list")})
        tools.append({"label": "My pools", "url": reverse("marketplace:my_pools")})
    return tools


def _account_context(user, invite_form=None, preferences_form=None):
    return {
        "preferences_form": preferences_form
        or NotificationPreferencesForm(initial=notifications.email_choices(user)),
        "roles": [grant.get_role_display() for grant in user.role_grants.all()],
        "tools": account_tools(user),
        "is_budget_holder": user.has_role(Role.BUDGET_HOLDER),
        "representations_given": user.representations_given.select_related("representative"),
        "people": rules.represented_people(user),
        "invite_form": invite_form or InviteRepresentativeForm(),
    }


@login_required
def my_account(request):
    return render(request, "accounts/my_account.html", _account_context(request.user))


@login_required
@require_POST
def invite_representative(request):
    form = InviteRepresentativeForm(request.POST)
    if form.is_valid():
        try:
            invitation = rules.invite_representative(
                request.user,
                form.cleaned_data["email"],
                form.cleaned_data["relationship"],
                base_url=request.build_absolute_uri("/").rstrip("/"),
            )
        except rules.RepresentationError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(
                request, f"We have emailed an invitation to {invitation.invited_email}."
            )
            return redirect("accounts:my_account")
    context = _account_context(request.user, form)
    return render(request, "accounts/my_account.html", context, status=400)


@login_required
@require_POST
def end_representation(request, pk):
    representation = get_object_or_404(Representation, pk=pk, budget_holder=request.user)
    rules.end_representation(representation, request.user)
    messages.success(request, f"{representation.invited_email} no longer acts for you.")
    return redirect("accounts:my_account")


@login_required
def representation_invitation(request, token):
    try:
        invitation = rules.find_invitation(token)
    except rules.RepresentationError as exc:
        return render(request, "accounts/invitation.html", {"error": str(exc)}, status=404)
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept":
                rules.accept_invitation(token, request.user)
                messages.success(request, f"You can now act for {invitation.budget_holder}.")
                return redirect("accounts:my_account")
            if action == "decline":
                rules.decline_invitation(token, request.user)
                messages.info(request, "You declined the invitation.")
                return redirect("accounts:my_account")
            error = "Choose accept or decline."
        except rules.RepresentationError as exc:
            error = str(exc)
    status = 400 if error else 200
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": invitation, "error": error},
        status=status,
    )


@login_required
def person_detail(request, pk):
    """What a representative sees of someone they act for. Anyone else gets a 404."""
    person = get_object_or_404(get_user_model(), pk=pk)
    if person.pk == request.user.pk or not rules.can_act_for(request.user, person):
        raise Http404("No such person.")
    return render(request, "accounts/person_detail.html", {"person": person})


@login_required
def notification_list(request):
    """My notifications: newest first, unread ones marked, 30 to a page."""
    page = Paginator(request.user.notifications.all(), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/notifications.html",
        {"page_obj": page, "unread": notifications.unread_count(request.user)},
    )


@login_required
@require_POST
def notifications_mark_read(request):
    """Mark one notification read (``notification`` posted) or all of them."""
    pk = request.POST.get("notification", "")
    if pk:
        if not pk.isdigit():
            raise Http404("No such notification.")
        notifications.mark_read(request.user, [int(pk)])
    else:
        count = notifications.mark_read(request.user)
        plural = "s" if count != 1 else ""
        messages.success(request, f"Marked {count} notification{plural} as read.")
    return redirect("accounts:notifications")


@login_required
@require_POST
def notification_preferences(request):
    """Save which kinds of email the person wants (the form is on My account)."""
    form = NotificationPreferencesForm(request.POST)
    if form.is_valid():
        notifications.set_email_choices(request.user, form.wanted())
        messages.success(request, "Your email choices are saved.")
        return redirect(reverse("accounts:my_account") + "#emails")
    context = _account_context(request.user, preferences_form=form)
    return render(request, "accounts/my_account.html", context, status=400)


def admin_sign_in(request, extra_context=None):
    """Stands in for the password-only sign-in pages of Wagtail (/admin/login/)
    and Django's admin (/django-admin/login/): everyone signs in through
    allauth, with its rate limits and the two-step code."""
    target = reverse("account_login")
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = f"{target}?{urlencode({'next': next_url})}"
    return redirect(target)


def admin_password_reset(request, *args, **kwargs):
    """Wagtail's own password reset pages hand over to allauth's."""
    return redirect("account_reset_password")
