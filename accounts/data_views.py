"""Pages for a person's data rights: download my data, delete my account, the privacy notice.

The rules live in ``accounts.data_rights`` and ``accounts.retention``; these
views check who is asking and turn answers into pages. Downloading and
deleting ask for the password again (allauth's reauthentication) when the
person has not entered it in the last few minutes.
"""

from email.utils import parseaddr

from allauth.account.decorators import reauthentication_required
from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import data_rights
from accounts.retention import SCHEDULE


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that my account and personal information will be deleted, "
        "and that this cannot be undone",
        error_messages={"required": "Tick the box to confirm you want to delete your account."},
    )


@require_GET
@login_required
def my_data(request):
    """What Kith holds, who has looked at it, and the two things a person can do about it."""
    lines = request.user.access_lines.select_related("viewer", "plan")[:50]
    return render(request, "accounts/my_data.html", {"access_lines": lines})


@require_POST
@login_required
@reauthentication_required
@never_cache
def download_data(request):
    now = timezone.now()
    response = HttpResponse(
        data_rights.build_archive(request.user, now), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="{data_rights.archive_filename(now)}"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
@reauthentication_required(allow_get=True)
def delete_account(request):
    """Explain what deletion does, then delete when the person confirms."""
    blockers = data_rights.why_not_erasable(request.user)
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    error = ""
    if request.method == "POST" and form.is_valid() and not blockers:
        try:
            data_rights.erase_account(
                request.user, base_url=request.build_absolute_uri("/").rstrip("/")
            )
        except data_rights.ErasureError as exc:
            error = str(exc)
        else:
            logout(request)
            return redirect("accounts:account_deleted")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/delete_account.html",
        {"form": form, "blockers": blockers, "error": error, "schedule": SCHEDULE},
        status=status,
    )


@require_GET
def account_deleted(request):
    return render(request, "accounts/account_deleted.html")


@require_GET
def privacy(request):
    """The privacy notice; its retention table is drawn from ``accounts.retention``."""
    _, contact_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return render(
        request,
        "accounts/privacy.html",
        {
            "schedule": SCHEDULE,
            "operator": settings.KITH_OPERATOR_NAME,
            "contact_email": settings.KITH_PRIVACY_EMAIL or contact_email,
        },
    )
