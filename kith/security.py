"""The Permissions-Policy header: browser features Kith does not use are off."""

from django.conf import settings


def permissions_policy(policy: dict[str, list[str]]) -> str:
    """``{"camera": [], "payment": ["self", "https://js.stripe.com"]}`` as the header's text:
    ``camera=(), payment=(self "https://js.stripe.com")``."""
    parts = []
    for feature, allowed in policy.items():
        origins = " ".join(origin if origin == "self" else f'"{origin}"' for origin in allowed)
        parts.append(f"{feature}=({origins})")
    return ", ".join(parts)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
