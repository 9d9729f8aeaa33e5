"""The phrase rules that matching reads, as a snippet editors can change in the Wagtail admin."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from matching.models import PhraseRule


class PhraseRuleViewSet(SnippetViewSet):
    model = PhraseRule
    icon = "search"
    menu_label = "Phrase rules"
    add_to_admin_menu = True
    list_display = ["phrase", "main_category", "names_a_problem", "live"]
    search_fields = ["phrase"]
    list_filter = ["names_a_problem", "live"]
    ordering = ["phrase"]


register_snippet(PhraseRuleViewSet)
