import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def person_from_plan(apps, schema_editor):
    PlanAccess = apps.get_model("matching", "PlanAccess")
    SupportPlan = apps.get_model("matching", "SupportPlan")
    PlanAccess.objects.update(
        person_id=models.Subquery(
            SupportPlan.objects.filter(pk=models.OuterRef("plan_id")).values("person_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0011_stage_stay_ends"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="planaccess",
            name="person",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="access_lines",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(person_from_plan, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="planaccess",
            name="person",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="access_lines",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="planaccess",
            name="plan",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="access_log",
                to="matching.supportplan",
            ),
        ),
    ]
