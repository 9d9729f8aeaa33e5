"""The directory in the Wagtail admin: vocabularies as snippets, and moderators' pages."""

from django.urls import include, path, re_path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from directory import admin_views, freshness
from directory.models import AccessibilityFeature, Category, Language, Outcome


class TermViewSet(SnippetViewSet):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    ordering = ["sort_order", "name"]


class OutcomeViewSet(TermViewSet):
    model = Outcome
    icon = "success"


class CategoryViewSet(TermViewSet):
    model = Category
    icon = "tag"


class AccessibilityFeatureViewSet(TermViewSet):
    model = AccessibilityFeature
    icon = "view"


class LanguageViewSet(TermViewSet):
    model = Language
    icon = "globe"


class VocabularyGroup(SnippetViewSetGroup):
    menu_label = "Vocabularies"
    menu_icon = "list-ul"
    items = (OutcomeViewSet, CategoryViewSet, AccessibilityFeatureViewSet, LanguageViewSet)


register_snippet(VocabularyGroup)


directory_admin_urls = [
    path("out-of-date/", admin_views.out_of_date_queue, name="out_of_date"),
    path("claims/", admin_views.claims_queue, name="claims"),
    path("claims/<int:pk>/", admin_views.claim_review, name="claim_review"),
    re_path(r"^export\.(?P<fmt>json|csv)$", admin_views.export_download, name="export"),
]


@hooks.register("register_admin_urls")
def register_directory_admin_urls():
    return [
        path(
            "directory/",
            include((directory_admin_urls, "directory_admin"), namespace="directory_admin"),
        )
    ]


class OutOfDateMenuItem(MenuItem):
    """Moderators only, with how many listings wait."""

    def is_shown(self, request):
        return admin_views.is_moderator(request.user)

    def render_component(self, request):
        count = freshness.out_of_date_listings().count()
        self.label = f"Out-of-date listings ({count})" if count else "Out-of-date listings"
        self.url = reverse("directory_admin:out_of_date")
        return super().render_component(request)


@hooks.register("register_admin_menu_item")
def register_out_of_date_menu_item():
    return OutOfDateMenuItem(
        "Out-of-date listings", "", name="out-of-date-listings", icon_name="time", order=270
    )


class ClaimsMenuItem(MenuItem):
    """Moderators only, with how many requests to manage a listing wait."""

    def is_shown(self, request):
        return admin_views.is_moderator(request.user)

    def render_component(self, request):
        from directory.claims import pending_claims

        count = pending_claims().count()
        self.label = f"Listing claims ({count})" if count else "Listing claims"
        self.url = reverse("directory_admin:claims")
        return super().render_component(request)


@hooks.register("register_admin_menu_item")
def register_claims_menu_item():
    return ClaimsMenuItem("Listing claims", "", name="listing-claims", icon_name="user", order=271)


# Moderators' safety pages (suspensions, checks) register their own hooks.
from directory.safety import admin as safety_admin  # noqa: E402,F401
