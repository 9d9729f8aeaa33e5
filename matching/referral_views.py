"""Referrals to user-led organisations: making one, the ULO's inbox, and the status page.

The rules (who may refer whom, consent, the states and who moves them) live
in ``matching.referrals``; these views turn requests into calls and answers
into pages.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Role
from directory.models import UserLedOrganisationPage
from directory.ownership import managed_by
from matching import referrals
from matching.access import log_access
from matching.models import Referral

ACTION_LABELS = {
    "accept": "Accept",
    "decline": "Decline",
    "contacted": "Mark as contacted",
    "close": "Close",
}


class ReferralForm(forms.Form):
    offer = forms.ChoiceField(
        label="What is the referral for?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the referral is for."},
    )
    message = forms.CharField(
        label="Message to the organisation (optional)",
        required=False,
        max_length=2000,
        help_text="What would help them get in touch: good times to call, access needs, "
        "what the person hopes for.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    consent = forms.BooleanField(
        error_messages={
            "required": "You can only refer someone who has agreed. "
            "Tick the box to confirm they have."
        },
    )

    def __init__(self, *args, organisation, person, **kwargs):
        super().__init__(*args, **kwargs)
        offers = referrals.offers_of(organisation)
        self.fields["offer"].choices = offers
        if len(offers) == 1:
            self.fields["offer"].initial = offers[0][0]
        self.fields["consent"].label = referrals.consent_wording(person, organisation)


def _not_allowed(request, heading: str, reason: str):
    return render(
        request,
        "matching/referrals/not_allowed.html",
        {"heading": heading, "reason": reason},
        status=403,
    )


def _organisation(ulo_page_id) -> UserLedOrganisationPage:
    try:
        return UserLedOrganisationPage.objects.live().get(pk=ulo_page_id)
    except UserLedOrganisationPage.DoesNotExist:
        raise Http404("No such organisation.") from None


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request, ulo_page_id):
    """Refer someone to a ULO: first who (when there is a choice), then the offer and consent."""
    organisation = _organisation(ulo_page_id)
    problem = referrals.why_not_referrable(organisation)
    if problem:
        return _not_allowed(request, f"You cannot refer to {organisation.title} here", problem)
    targets = referrals.referral_targets(request.user)
    if not targets:
        return _not_allowed(
            request,
            "You cannot make referrals",
            "You can refer yourself if you have a personal budget, someone who named you as "
            "their representative, or, as a practitioner, someone whose plan names you.",
        )
    key = request.GET.get("for") or (targets[0].key if len(targets) == 1 else "")
    target = next((t for t in targets if t.key == key), None)
    if target is None:
        return render(
            request,
            "matching/referrals/choose_person.html",
            {
                "organisation": organisation,
                "targets": targets,
                "unknown": bool(key),
            },
            status=400 if key else 200,
        )

    form = ReferralForm(
        request.POST if request.method == "POST" else None,
        organisation=organisation,
        person=target.person,
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral, created = referrals.create_referral(
                organisation=organisation,
                person=target.person,
                plan=target.plan,
                offer=form.cleaned_data["offer"],
                by_user=request.user,
                consent=form.cleaned_data["consent"],
                message=form.cleaned_data["message"],
            )
        except referrals.ReferralError as exc:
            form.add_error(None, str(exc))
        else:
            if created:
                messages.success(
                    request,
                    f"Referral sent to {organisation.title}. You will see here when they answer.",
                )
            else:
                messages.info(
                    request,
                    f"{target.person} already has an open referral to {organisation.title} for "
                    "this. Here it is.",
                )
            return redirect("matching:referral_detail", referral.pk)
    return render(
        request,
        "matching/referrals/new.html",
        {
            "organisation": organisation,
            "target": target,
            "form": form,
            "goals": target.plan.goals.all() if target.plan else [],
            "action_url": reverse("matching:referral_new", args=[organisation.pk])
            + f"?for={target.key}",
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_GET
@login_required
def referral_inbox(request):
    """Referrals to the organisations this member of ULO staff looks after, and no others."""
    if not request.user.has_role(Role.ULO_STAFF):
        return _not_allowed(
            request,
            "This inbox is for user-led organisations",
            "Staff and volunteers of a user-led organisation see referrals to their "
            "organisation here.",
        )
    inbox = list(referrals.inbox_for(request.user))
    for referral in inbox:
        referral.actions = referrals.available_actions(referral)
        if referral.plan is not None:
            # The inbox shows each referral's goals: the person can see who read them.
            log_access(referral.plan, request.user, "saw a referral in the inbox", once_a_day=True)
    sections = [
        ("Waiting for an answer", [r for r in inbox if r.status == Referral.Status.SENT]),
        (
            "In progress",
            [r for r in inbox if r.status in (Referral.Status.ACCEPTED, Referral.Status.CONTACTED)],
        ),
        (
            "Finished",
            [r for r in inbox if r.status in (Referral.Status.DECLINED, Referral.Status.CLOSED)],
        ),
    ]
    organisations = UserLedOrganisationPage.objects.filter(pk__in=managed_by(request.user))
    return render(
        request,
        "matching/referrals/inbox.html",
        {
            "sections": sections,
            "organisations": organisations,
            "count": len(inbox),
            "action_labels": ACTION_LABELS,
        },
    )


@require_GET
@login_required
def referral_list(request):
    """Referrals someone made, or about them or a person they act for."""
    return render(
        request,
        "matching/referrals/list.html",
        {"referrals": referrals.referrals_about(request.user)},
    )


def _detail(request, referral, status=200, action_error=None, message_error=None, draft=""):
    staff = referrals.is_ulo_staff_for(request.user, referral.organisation)
    can_read = referrals.can_read_thread(request.user, referral)
    person_side = referrals.is_person_side(request.user, referral)
    return render(
        request,
        "matching/referrals/detail.html",
        {
            "referral": referral,
            "events": referral.events.select_related("by"),
            "is_staff": staff,
            "actions": referrals.available_actions(referral) if staff else [],
            "action_labels": ACTION_LABELS,
            "goals": referral.shared_goals,
            "action_error": action_error,
            "thread": {
                "readable": can_read,
                "messages": referrals.thread_for(request.user, referral) if can_read else [],
                "cannot_write": referrals.why_cannot_write(request.user, referral),
                "ask_consent": person_side
                and referral.contact_consent_at is None
                and referral.status in referrals.WRITABLE_STATUSES,
                "error": message_error,
                "draft": draft,
            },
        },
        status=status,
    )


@require_GET
@login_required
def referral_detail(request, pk):
    return _detail(request, referrals.get_referral_for(request.user, pk))


@require_POST
@login_required
def referral_action(request, pk, action):
    """One answer from the ULO: accept, decline (with a reason), mark contacted, or close."""
    if action not in referrals.TRANSITIONS:
        raise Http404("No such action.")
    referral = referrals.get_referral_for(request.user, pk, action="")
    if not referrals.is_ulo_staff_for(request.user, referral.organisation):
        return _not_allowed(
            request,
            "Only the organisation can answer a referral",
            f"Staff of {referral.organisation.title} accept, decline and close this referral.",
        )
    move = referrals.TRANSITIONS[action]
    try:
        if action == "decline":
            move(referral, request.user, request.POST.get("reason", ""))
        else:
            move(referral, request.user, request.POST.get("note", ""))
    except referrals.ReferralError as exc:
        return _detail(
            request, referral, status=400, action_error={"action": action, "message": str(exc)}
        )
    referral.refresh_from_db()
    if referral.plan is not None:
        log_access(referral.plan, request.user, f"answered a referral ({action})")
    messages.success(
        request,
        f"The referral for {referral.person} is now {referral.get_status_display().lower()}.",
    )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("matching:referral_detail", referral.pk)


@require_POST
@login_required
def referral_message(request, pk):
    """Send a message in the thread between the organisation and the person referred."""
    referral = referrals.get_referral_for(request.user, pk)
    body = request.POST.get("body", "")
    try:
        referrals.send_referral_message(referral, request.user, body)
    except referrals.ReferralError as exc:
        referral.refresh_from_db()
        return _detail(request, referral, status=400, message_error=str(exc), draft=body)
    messages.success(request, "Message sent.")
    return redirect(reverse("matching:referral_detail", args=[referral.pk]) + "#messages")


@require_POST
@login_required
def referral_contact_consent(request, pk):
    """The person or their representative agrees that the organisation may message them here."""
    referral = referrals.get_referral_for(request.user, pk)
    try:
        referrals.record_contact_consent(referral, request.user)
    except referrals.ReferralError as exc:
        return _detail(request, referral, status=400, message_error=str(exc))
    messages.success(
        request, f"{referral.organisation.title} can now write to you here. We have told them."
    )
    return redirect(reverse("matching:referral_detail", args=[referral.pk]) + "#messages")
