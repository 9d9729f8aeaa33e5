"""Staff and moderators must protect their account with MFA before the admin opens."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect

from accounts.mfa import has_mfa, needs_mfa

ADMIN_PREFIXES = ("/admin/", "/django-admin/")


class StaffMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.path.startswith(ADMIN_PREFIXES)
            and user is not None
            and user.is_authenticated
            and needs_mfa(user)
            and not has_mfa(user)
        ):
            messages.warning(
                request,
                "Moderators and staff must set up two-step sign-in (an authenticator app) "
                "before using the admin.",
            )
            return redirect(settings.KITH_MFA_SETUP_URL)
        return self.get_response(request)
