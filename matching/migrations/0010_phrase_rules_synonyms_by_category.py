"""Add the phrase rules that matching/vocabulary.py has and the database does not yet.

These are mostly the synonyms by category (``CATEGORY_WORDS``: "the pictures"
for leisure, "childminder" for childcare, "payslips" for payroll). Rules that
already exist are left as they are: editors may have changed them in the admin.
"""

from django.db import migrations

from matching.vocabulary import PHRASES, PROBLEM_PHRASES


def add_missing(apps, schema_editor):
    PhraseRule = apps.get_model("matching", "PhraseRule")
    Outcome = apps.get_model("directory", "Outcome")
    Category = apps.get_model("directory", "Category")
    outcomes = {o.slug: o for o in Outcome.objects.all()}
    categories = {c.slug: c for c in Category.objects.all()}
    if not categories:
        return  # no vocabulary yet (an empty database being built)
    have = set(PhraseRule.objects.values_list("phrase", flat=True))
    for phrase, outcome_slugs, category_slugs in PHRASES:
        if phrase in have:
            continue
        rule = PhraseRule.objects.create(
            phrase=phrase,
            main_category=categories.get(category_slugs[0]) if category_slugs else None,
            names_a_problem=phrase in PROBLEM_PHRASES,
            live=True,
        )
        rule.outcomes.set([outcomes[s] for s in outcome_slugs if s in outcomes])
        rule.categories.set([categories[s] for s in category_slugs if s in categories])


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0009_contingency_plan"),
    ]
    operations = [migrations.RunPython(add_missing, migrations.RunPython.noop)]
