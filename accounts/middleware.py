"""The admin opens only to people who entered their two-step code in this session."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from accounts.mfa import has_mfa, needs_mfa, passed_mfa

# Pages only staff work from: the admins, and the evidence pages where staff see every
# area's figures and invite commissioners.
ADMIN_PREFIXES = ("/admin/", "/django-admin/", "/evidence/")


class StaffMFAMiddleware:
    """Staff, moderators and editors reach /admin/ and /django-admin/ only after
    two-step sign-in: without an authenticator they are sent to set one up;
    with one but no code entered in this session (for example a session that
    began before they set it up, or one older than KITH_STAFF_MFA_MAX_AGE) they
    are asked for the code again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.path.startswith(ADMIN_PREFIXES)
            and user is not None
            and user.is_authenticated
            and needs_mfa(user)
        ):
            if not has_mfa(user):
                messages.warning(
                    request,
                    "Moderators and staff must set up two-step sign-in (an authenticator app) "
                    "before using the admin.",
                )
                return redirect(settings.KITH_MFA_SETUP_URL)
            if not passed_mfa(request):
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
        return self.get_response(request)
