"""Seed the vocabularies (contract slugs) and the directory page under the home page."""

from django.db import migrations

from directory import taxonomy

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _next_child_path(Page, parent):
    last = (
        Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    if last is None:
        return parent.path + "0001"
    step = last[-4:]
    number = 0
    for char in step:
        number = number * 36 + ALPHABET.index(char)
    number += 1
    digits = ""
    for _ in range(4):
        digits = ALPHABET[number % 36] + digits
        number //= 36
    return parent.path + digits


def seed(apps, schema_editor):
    for model_name, terms in [
        ("Outcome", taxonomy.OUTCOMES),
        ("Category", taxonomy.CATEGORIES),
        ("AccessibilityFeature", taxonomy.ACCESSIBILITY_FEATURES),
        ("Language", taxonomy.LANGUAGES),
    ]:
        model = apps.get_model("directory", model_name)
        for order, (slug, name) in enumerate(terms):
            model.objects.update_or_create(slug=slug, defaults={"name": name, "sort_order": order})

    Page = apps.get_model("wagtailcore", "Page")
    ContentType = apps.get_model("contenttypes", "ContentType")
    DirectoryIndexPage = apps.get_model("directory", "DirectoryIndexPage")
    HomePage = apps.get_model("cms", "HomePage")
    home = HomePage.objects.order_by("path").first()
    if home is None or DirectoryIndexPage.objects.exists():
        return
    content_type, _ = ContentType.objects.get_or_create(
        app_label="directory", model="directoryindexpage"
    )
    DirectoryIndexPage.objects.create(
        title="Directory",
        draft_title="Directory",
        slug="directory",
        content_type=content_type,
        path=_next_child_path(Page, home),
        depth=home.depth + 1,
        numchild=0,
        url_path=home.url_path + "directory/",
        locale_id=home.locale_id,
        live=True,
        show_in_menus=False,
        introduction="Personal assistants, providers, clubs, user-led organisations and peer support groups.",
    )
    Page.objects.filter(pk=home.pk).update(numchild=home.numchild + 1)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
        ("cms", "0002_create_homepage"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
