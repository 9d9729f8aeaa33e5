"""Seed the editable phrase vocabulary from matching/vocabulary.py."""

from django.db import migrations

from matching.vocabulary import PHRASES


def seed(apps, schema_editor):
    PhraseRule = apps.get_model("matching", "PhraseRule")
    Outcome = apps.get_model("directory", "Outcome")
    Category = apps.get_model("directory", "Category")
    outcomes = {o.slug: o for o in Outcome.objects.all()}
    categories = {c.slug: c for c in Category.objects.all()}
    for phrase, outcome_slugs, category_slugs in PHRASES:
        rule, _ = PhraseRule.objects.get_or_create(phrase=phrase)
        rule.outcomes.set([outcomes[s] for s in outcome_slugs])
        rule.categories.set([categories[s] for s in category_slugs])


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0001_initial"),
        ("directory", "0002_seed_vocabularies_and_directory"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
