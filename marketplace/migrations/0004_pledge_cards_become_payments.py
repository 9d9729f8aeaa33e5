"""Pool pledges' card details move from the pledge onto Payment rows, like bookings'."""

from django.db import migrations

STATUS = {
    "captured": "captured",
    "refunded": "refunded",
    "released": "cancelled",
    "left": "cancelled",
    "failed": "failed",
}


def forwards(apps, schema_editor):
    Pledge = apps.get_model("marketplace", "Pledge")
    Payment = apps.get_model("marketplace", "Payment")
    for pledge in Pledge.objects.exclude(stripe_customer="", stripe_payment_intent=""):
        held = "authorised" if pledge.stripe_payment_intent else "pending"
        status = STATUS.get(pledge.status, held)
        Payment.objects.create(
            pledge=pledge,
            person_id=pledge.member_id,
            paid_by_id=pledge.pledged_by_id,
            amount=pledge.amount,
            captured_amount=pledge.amount if status in ("captured", "refunded") else 0,
            refunded_amount=pledge.amount if status == "refunded" else 0,
            status=status,
            stripe_customer=pledge.stripe_customer,
            stripe_setup_intent=pledge.stripe_setup_intent,
            stripe_payment_method=pledge.stripe_payment_method,
            stripe_payment_intent=pledge.stripe_payment_intent or None,
            idempotency_key=f"pool-pledge-{pledge.pk}-{pledge.created_at:%Y%m%d%H%M%S%f}-card-1",
        )


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0003_payments_for_pledges_and_stripe_calls")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
