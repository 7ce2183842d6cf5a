"""Reminders move to the deadline engine: the reminders already sent this week become
deadlines with their sent steps (so that none is sent a second time after the upgrade),
then the reports' own claim table goes."""

from datetime import datetime, timedelta

from django.db import migrations
from django.utils import timezone

STEPS = {"before": 0, "escalation": 1}


def carry_over(apps, schema_editor):
    Reminder = apps.get_model("reports", "Reminder")
    Deadline = apps.get_model("deadlines", "Deadline")
    SentStep = apps.get_model("deadlines", "SentStep")
    ContentType = apps.get_model("contenttypes", "ContentType")
    since = timezone.localdate() - timedelta(days=7)
    rows = Reminder.objects.filter(day__gte=since).select_related("form").order_by("form_id", "unit_id", "day", "kind")
    if not rows.exists():
        return
    unit_type, _created = ContentType.objects.get_or_create(app_label="org", model="unit")
    for reminder in rows:
        due = timezone.make_aware(datetime.combine(reminder.day, reminder.form.deadline))
        index = STEPS[reminder.kind]
        deadline, _created = Deadline.objects.get_or_create(
            content_type=unit_type,
            object_id=reminder.unit_id,
            kind="reports.form",
            key=f"{reminder.form.code}:{reminder.day.isoformat()}",
            defaults={"due_at": due, "data": {"form": reminder.form.code, "day": reminder.day.isoformat()}, "next_step_at": due},
        )
        if index + 1 > deadline.steps_sent:
            deadline.steps_sent = index + 1
            deadline.next_step_at = due  # the tick sends the escalation or looks whether it is done
            deadline.save(update_fields=["steps_sent", "next_step_at"])
        SentStep.objects.get_or_create(
            deadline=deadline,
            index=index,
            due_at=due,
            defaults={"step": reminder.kind, "sent_at": reminder.claimed_at, "recipients": reminder.recipients},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_reportalert"),
        ("deadlines", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.DeleteModel(name="Reminder"),
    ]
