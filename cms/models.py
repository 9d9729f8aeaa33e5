"""The home page and information and advice pages, edited in the Wagtail admin."""

from django.db import models
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index


class HomePage(Page):
    """Kith's front page: what Kith is and where to start."""

    introduction = models.TextField(
        blank=True,
        help_text="One or two plain sentences under the heading.",
        default=(
            "Find care, support and things to do near you, and pay for them "
            "with your personal budget or direct payment."
        ),
    )
    body = RichTextField(blank=True, features=["h2", "h3", "bold", "italic", "link", "ul", "ol"])

    content_panels = Page.content_panels + [FieldPanel("introduction"), FieldPanel("body")]
    subpage_types = ["cms.InformationPage", "directory.DirectoryIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = "home page"


class InformationPage(Page):
    """Plain-English information and advice: glossaries, how budgets work, local guidance."""

    summary = models.TextField(
        blank=True, help_text="One sentence shown in lists and search results."
    )
    body = StreamField(
        [
            ("heading", blocks.CharBlock(form_classname="title", icon="title")),
            (
                "paragraph",
                blocks.RichTextBlock(features=["bold", "italic", "link", "ul", "ol", "h3"]),
            ),
            (
                "definition",
                blocks.StructBlock(
                    [("term", blocks.CharBlock()), ("meaning", blocks.TextBlock())],
                    icon="help",
                    template="cms/blocks/definition.html",
                ),
            ),
        ],
        blank=True,
        use_json_field=True,
    )

    easy_read_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The easy-read version of this page (short sentences, one idea per line), "
        "or the standard version if this is the easy-read one.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("easy_read_page"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["cms.HomePage", "cms.InformationPage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # A page with pages under it (such as /help/) lists them after its own text.
        context["children"] = self.get_children().live().public().specific()
        return context

    class Meta:
        verbose_name = "information page"
