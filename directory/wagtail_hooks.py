"""The directory's vocabularies as snippets in the Wagtail admin."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

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
