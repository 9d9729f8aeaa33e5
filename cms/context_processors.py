"""The header navigation every page shows."""

from django.urls import reverse


def site_navigation(request):
    items = [
        ("Directory", reverse("directory:search")),
        ("My plan", reverse("matching:my_plan")),
        ("Marketplace", reverse("marketplace:home")),
    ]
    path = request.path
    return {
        "site_navigation": [
            {"label": label, "url": url, "current": path.startswith(url)} for label, url in items
        ]
    }
