"""Bring the phrase table up to matching/vocabulary.py: new phrases, main categories, problems.

The database is the one source of truth the engine reads; this table only
seeds it. Rules that editors have changed are updated too, as they are in
step with the table at this point (the admin could not edit them before).
"""

from django.db import migrations

from matching.vocabulary import PHRASES, PROBLEM_PHRASES


def sync(apps, schema_editor):
    PhraseRule = apps.get_model("matching", "PhraseRule")
    Outcome = apps.get_model("directory", "Outcome")
    Category = apps.get_model("directory", "Category")
    outcomes = {o.slug: o for o in Outcome.objects.all()}
    categories = {c.slug: c for c in Category.objects.all()}
    if not categories:
        return  # no vocabulary yet (an empty database being built)
    for phrase, outcome_slugs, category_slugs in PHRASES:
        rule, _ = PhraseRule.objects.get_or_create(phrase=phrase)
        rule.main_category = categories.get(category_slugs[0]) if category_slugs else None
        rule.names_a_problem = phrase in PROBLEM_PHRASES
        rule.live = True
        rule.save()
        rule.outcomes.set([outcomes[s] for s in outcome_slugs])
        rule.categories.set([categories[s] for s in category_slugs])
        rule.save()


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0007_phrase_rules_editable_goal_outcomes_from_words"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
